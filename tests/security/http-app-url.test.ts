import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FORM, logLines, signInMails, rawRequest, startServer, type Server } from './http.ts'

// A deployment-shaped server: APP_URL set, on every interface, behind a proxy on this machine
// (TRUST_PROXY=loopback, as README says for a proxy on the same host).

let server: Server

beforeAll(async () => {
	server = await startServer({ APP_URL: 'https://lorica.example', HOST: '0.0.0.0', TRUST_PROXY: 'loopback' })
}, 120_000)
afterAll(() => server?.stop())

let people = 0
const signIn = (headers: Record<string, string>) =>
	rawRequest(server.port, { method: 'POST', path: '/login', headers: { ...FORM, ...headers }, body: new URLSearchParams({ email: `person-${++people}@people.test` }).toString() })

describe('finding 1 with APP_URL: only the configured host is served, and links use APP_URL', () => {
	test('the local address and other names are refused; the configured host and a trusted proxy forwarding it are served', async () => {
		for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, 'attacker.example', 'lorica.example.attacker.example'])
			expect((await rawRequest(server.port, { path: '/', headers: { host } })).status, host).toBe(400)
		expect((await rawRequest(server.port, { path: '/', headers: { host: 'lorica.example' } })).status).toBe(200)
		expect((await rawRequest(server.port, { path: '/', headers: { host: 'LORICA.example:443' } })).status).toBe(200)
		// The proxy's upstream Host is its own business; the host it forwards must be ours.
		expect((await rawRequest(server.port, { path: '/', headers: { host: `127.0.0.1:${server.port}`, 'x-forwarded-host': 'lorica.example' } })).status).toBe(200)
		expect((await rawRequest(server.port, { path: '/', headers: { host: 'lorica.example', 'x-forwarded-host': 'attacker.example' } })).status).toBe(400)
	})

	test('a sign-in through the proxy e-mails an APP_URL link; a spoofed forwarded host with a matching Origin sends nothing', async () => {
		const before = signInMails(server.dataDir).length
		const spoofed = await signIn({ host: 'lorica.example', 'x-forwarded-host': 'attacker.example', origin: 'https://attacker.example' })
		expect(spoofed.status).toBe(400)
		expect(signInMails(server.dataDir)).toHaveLength(before)
		const wrongOrigin = await signIn({ host: 'lorica.example', origin: 'http://lorica.example' })
		expect(wrongOrigin.status).toBe(403)
		const accepted = await signIn({ host: `127.0.0.1:${server.port}`, 'x-forwarded-host': 'lorica.example', 'x-forwarded-proto': 'https', origin: 'https://lorica.example' })
		expect(accepted.status).toBe(302)
		const mail = signInMails(server.dataDir).slice(before)
		expect(mail).toHaveLength(1)
		expect(/Or open this link to sign in: (\S+)/.exec(mail[0]!)?.[1]).toMatch(/^https:\/\/lorica\.example\/login\/link\?token=[\w-]+$/)
	})
})

describe('finding 2: a non-loopback HOST is explained at boot', () => {
	test('one warn line says what the address exposes and that the outbox stays local', () => {
		const warnings = logLines(server).filter((line) => line.level === 'warn' && String(line.msg).startsWith('HOST=0.0.0.0'))
		expect(warnings).toHaveLength(1)
		expect(warnings[0]).toMatchObject({ phase: 'boot' })
		expect(warnings[0]!.msg).toContain('reachable from the network')
		expect(warnings[0]!.msg).toContain('Requests must name lorica.example')
		expect(warnings[0]!.msg).toContain('which /dev/outbox shows only to requests from this machine')
	})
})

describe('finding 4: TRUST_PROXY=loopback believes the local proxy, explicitly', () => {
	test('each forwarded client address has its own sign-in budget', async () => {
		for (let attempt = 0; attempt < 25; attempt++) {
			const response = await signIn({ host: 'lorica.example', origin: 'https://lorica.example', 'x-forwarded-for': `198.51.100.${attempt + 1}` })
			expect(response.status, `attempt ${attempt + 1}`).toBe(302)
		}
	})
})
