import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { FORM, logLines, signInMails, rawRequest, startServer, type Server } from './http.ts'

// The embedded demo as `npm start` runs it (no APP_URL, default HOST and TRUST_PROXY),
// probed with requests whose Host, Origin and path the test chooses byte for byte.

let server: Server
const DEMO = 'customer@demo.lorica.example'

beforeAll(async () => {
	server = await startServer()
}, 120_000)
afterAll(() => server?.stop())

const origin = (host: string) => `http://${host}:${server.port}`
const signIn = (host: string, headers: Record<string, string> = {}) =>
	rawRequest(server.port, {
		method: 'POST',
		path: '/login',
		headers: { ...FORM, host: `${host}:${server.port}`, origin: origin(host), ...headers },
		body: new URLSearchParams({ email: DEMO }).toString(),
	})

describe('finding 1: links and the origin check come from the trusted origin, never from Host', () => {
	test('a spoofed Host with a matching Origin is refused before any mail is sent', async () => {
		const before = signInMails(server.dataDir).length
		const spoofed = await rawRequest(server.port, {
			method: 'POST',
			path: '/login',
			headers: { ...FORM, host: 'attacker.example', origin: 'http://attacker.example' },
			body: new URLSearchParams({ email: DEMO }).toString(),
		})
		expect(spoofed.status).toBe(400)
		expect(spoofed.headers['content-type']).toContain('application/problem+json')
		expect(JSON.parse(spoofed.body)).toMatchObject({ status: 400, title: 'Unknown host', detail: `This server answers to localhost:${server.port}, not to "attacker.example".` })
		// Static files and pages alike.
		expect((await rawRequest(server.port, { path: '/favicon.ico', headers: { host: 'attacker.example' } })).status).toBe(400)
		expect((await rawRequest(server.port, { path: '/', headers: { host: `attacker.example:${server.port}` } })).status).toBe(400)
		expect(signInMails(server.dataDir)).toHaveLength(before)
	})

	test('an X-Forwarded-Host from an untrusted peer that names another host is refused, not believed', async () => {
		const forwarded = await signIn('localhost', { 'x-forwarded-host': 'attacker.example' })
		expect(forwarded.status).toBe(400)
		expect(JSON.parse(forwarded.body).detail).toContain('"attacker.example"')
	})

	test('a missing or malformed Host is a 400, and Host/Origin disagreeing is a 403, never a 500', async () => {
		for (const host of ['', 'a b', 'localhost:1/x', `user@localhost:${server.port}`])
			expect((await rawRequest(server.port, { path: '/', headers: { host } })).status, host).toBe(400)
		const crossAlias = await signIn('127.0.0.1', { origin: origin('localhost') })
		expect(crossAlias.status).toBe(403)
		expect(JSON.parse(crossAlias.body)).toMatchObject({ title: 'Cross-site request refused' })
	})

	test('every loopback alias of the listening port works, and the e-mailed link is the listening address', async () => {
		for (const host of ['localhost', '127.0.0.1', '[::1]']) {
			expect((await rawRequest(server.port, { path: '/', headers: { host: `${host}:${server.port}` } })).status, host).toBe(200)
			const before = signInMails(server.dataDir).length
			const response = await signIn(host)
			expect(response.status, host).toBe(302)
			const mail = signInMails(server.dataDir).slice(before)
			expect(mail).toHaveLength(1)
			expect(/Or open this link to sign in: (\S+)/.exec(mail[0]!)?.[1]).toMatch(new RegExp(`^http://localhost:${server.port}/login/link\\?token=[\\w-]+$`))
		}
	})
})

describe('finding 2: the demo listens on loopback and shows its outbox only to this machine', () => {
	test('binds 127.0.0.1 by default without a warning, and the outbox answers a local browser but not a proxied request', async () => {
		const lines = logLines(server)
		expect(lines.find((line) => line.msg === 'listening')).toMatchObject({ host: '127.0.0.1', url: `http://localhost:${server.port}` })
		expect(lines.filter((line) => line.level === 'warn' && String(line.msg).startsWith('HOST='))).toEqual([])
		const local = await rawRequest(server.port, { path: '/dev/outbox' })
		expect(local.status).toBe(200)
		expect(local.body).toContain('Mail outbox')
		const proxied = await rawRequest(server.port, { path: '/dev/outbox', headers: { 'x-forwarded-for': '127.0.0.1' } })
		expect(proxied.status).toBe(404)
		expect(proxied.body).not.toContain('sign-in code')
	})
})

describe('finding 3: the origin check sees the path the router sees', () => {
	test('dot segments, raw or percent-encoded, and backslashes are refused with 400 before any route', async () => {
		const paths = [
			'/unsubscribe/../account',
			'/webhooks/../account',
			'/webhooks/stripe/../../account',
			'/webhooks/%2e%2e/account',
			'/unsubscribe/.%2E/account',
			'/unsubscribe/%2e./account',
			'/./account',
			'/webhooks\\..\\account',
			'/assets/../favicon.ico',
		]
		for (const path of paths)
			for (const method of ['GET', 'POST']) {
				const response = await rawRequest(server.port, { method, path, headers: FORM, body: method === 'POST' ? 'intent=signout-everywhere' : undefined })
				expect(response.status, `${method} ${path}`).toBe(400)
				expect(JSON.parse(response.body), `${method} ${path}`).toMatchObject({ title: 'Path not accepted' })
			}
	})

	test('the exemptions are the exact paths: unsubscribe still works without an Origin, its look-alikes do not', async () => {
		const unsubscribe = await rawRequest(server.port, { method: 'POST', path: '/unsubscribe', headers: FORM, body: 'u=x&t=y' })
		expect(unsubscribe.status).toBe(400)
		expect(unsubscribe.body).not.toContain('Cross-site request refused')
		for (const path of ['/unsubscribex', '/unsubscribe/account', '/webhooks', '//webhooks/stripe'])
			expect((await rawRequest(server.port, { method: 'POST', path, headers: FORM, body: '' })).status, path).toBe(403)
	})
})

function cookiesFrom(headers: Record<string, string | string[] | undefined>) {
	return [headers['set-cookie'] ?? []].flat().map((line) => line.split(';')[0]!).join('; ')
}

/** Signs the demo customer in by code, as a browser on localhost does; returns its Cookie header. */
async function signInByCode() {
	const before = signInMails(server.dataDir).length
	const asked = await signIn('localhost')
	expect(asked.status).toBe(302)
	const code = /sign-in code is (\d{6})/.exec(signInMails(server.dataDir)[before]!)![1]!
	const entered = await rawRequest(server.port, {
		method: 'POST',
		path: '/login/code',
		headers: { ...FORM, origin: origin('localhost'), cookie: cookiesFrom(asked.headers) },
		body: new URLSearchParams({ code }).toString(),
	})
	expect(entered.status).toBe(302)
	expect(entered.headers['cache-control']).toBe('no-store')
	const cookie = cookiesFrom(entered.headers)
	expect(cookie).toMatch(/__lorica_session=[^;]+/)
	return cookie
}

describe('finding 5: signed-in pages are never stored by a cache', () => {
	test('no-store on every answer to a signed-in browser and on private pages; public pages and static files keep caching', async () => {
		const cookie = await signInByCode()
		for (const path of ['/', '/policies/privacy', '/gallery', '/account', '/orders', '/wallet', '/orders?_data=routes%2Forders._index', '/downloads/not-a-link']) {
			const response = await rawRequest(server.port, { path, headers: { cookie } })
			expect(response.status, path).toBeLessThan(500)
			expect(response.headers['cache-control'], path).toBe('no-store')
		}
		for (const path of ['/account', '/orders', '/wallet', '/admin', '/invoices/x', '/downloads/x', '/account/two-factor']) {
			const anonymous = await rawRequest(server.port, { path })
			expect(anonymous.headers['cache-control'], `${path} signed out`).toBe('no-store')
		}
		expect((await rawRequest(server.port, { path: '/policies/privacy' })).headers['cache-control']).not.toBe('no-store')
		const asset = /\/assets\/[\w.-]+\.js/.exec((await rawRequest(server.port, { path: '/' })).body)![0]
		expect((await rawRequest(server.port, { path: asset, headers: { cookie } })).headers['cache-control']).toContain('immutable')
	})
})

describe('finding 7: bearer tokens never reach the request log', () => {
	test('a download link is logged as its route pattern, and sign-in and unsubscribe tokens not at all', async () => {
		const token = `${Buffer.from(JSON.stringify({ kind: 'result', id: 'r1', userId: 'u1', expiresAt: Date.now() + 60_000 })).toString('base64url')}.c2lnbmF0dXJlLXZhbHVlLXRoYXQtaXMtbG9uZw`
		const secret = 'Sup3rSecretBearerValue0123456789abcdefXYZ'
		expect((await rawRequest(server.port, { path: `/downloads/${token}` })).status).toBe(404)
		await rawRequest(server.port, { path: `/login/link?token=${secret}` })
		await rawRequest(server.port, { path: `/unsubscribe?u=someone&t=${secret}` })
		await rawRequest(server.port, { path: `/orders/${secret}` })
		await new Promise((resolve) => setTimeout(resolve, 200))
		const requests = logLines(server).filter((line) => line.msg === 'request')
		expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/downloads/:token', status: 404 }))
		expect(requests).toContainEqual(expect.objectContaining({ path: '/login/link' }))
		expect(requests).toContainEqual(expect.objectContaining({ path: '/unsubscribe' }))
		expect(requests).toContainEqual(expect.objectContaining({ path: '/orders/:redacted' }))
		const output = server.started.stdout() + server.started.stderr()
		expect(output).not.toContain(token.split('.')[0])
		expect(output).not.toContain(secret)
	})
})

// Last in this file: it spends the loopback address's sign-in budget.
describe('finding 4: by default no proxy is trusted, so X-Forwarded-For cannot pick a fresh rate-limit budget', () => {
	test('sign-ins with a new X-Forwarded-For each are still counted against the one real address', async () => {
		const statuses: number[] = []
		// 20 per address per 15 minutes; 45 tries stay conclusive even across a window boundary.
		for (let attempt = 0; attempt < 45 && !statuses.includes(429); attempt++) {
			const response = await rawRequest(server.port, {
				method: 'POST',
				path: '/login',
				headers: { ...FORM, host: `localhost:${server.port}`, origin: origin('localhost'), 'x-forwarded-for': `198.51.100.${attempt + 1}` },
				body: new URLSearchParams({ email: `flood-${attempt}@people.test` }).toString(),
			})
			statuses.push(response.status)
			if (response.status === 429) expect(response.body).toContain('Too many sign-in attempts')
		}
		expect(statuses).toContain(429)
	})
})
