import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureBuild } from '../scripts/lib/build.ts'
import { freePort, startScript, stopScript, waitForListening, type Started } from './process.ts'

// The production server as `npm start` runs it: fresh embedded database, demo seed,
// build, HTTP, logs, clean shutdown, and a second start on the same data.

const PERSON = 'jane.doe@example.org'
let dataDir: string
let base: string
let server: Started

beforeAll(async () => {
	ensureBuild(() => {})
	dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-server-'))
	const port = await freePort()
	base = `http://127.0.0.1:${port}`
	server = startScript(['scripts/start.ts'], { DATA_DIR: dataDir, PORT: String(port) })
	await waitForListening(server)
}, 120_000)

afterAll(async () => {
	await stopScript(server)
	fs.rmSync(dataDir, { recursive: true, force: true })
})

function logLines() {
	return server
		.stdout()
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('npm start on a fresh machine', () => {
	test('creates, migrates and seeds the embedded database before listening', () => {
		const messages = logLines().map((line) => line.msg)
		expect(messages).toContain(`database: embedded PGlite in ${dataDir}/pglite (new)`)
		expect(messages.some((msg) => /^applied \d+ migration\(s\)$/.test(String(msg)))).toBe(true)
		expect(messages).toContain('seeded admin account (4/9)')
		expect(messages.indexOf('listening')).toBeGreaterThan(messages.indexOf('seeded order demo-order-failed (refunded) (9/9)'))
		// tsx runs the script in a child process, so the lock names that child: alive, and not us.
		const holder = Number(fs.readFileSync(path.join(dataDir, 'lorica.pid'), 'utf8'))
		expect(holder).not.toBe(process.pid)
		expect(() => process.kill(holder, 0)).not.toThrow()
	})

	test('serves the home page with navigation, sign-in link and policy links', async () => {
		const response = await fetch(`${base}/`)
		expect(response.status).toBe(200)
		const html = await response.text()
		expect(html).toContain('<html lang="en">')
		expect(html).toMatch(/<nav aria-label="Main"/)
		expect(html).toContain('href="/login"')
		for (const kind of ['privacy', 'terms', 'cookies']) expect(html).toContain(`href="/policies/${kind}"`)
	})

	test('serves /healthz from the embedded database', async () => {
		const response = await fetch(`${base}/healthz`)
		expect(response.status).toBe(200)
		expect(await response.json()).toEqual({ status: 'ok', db: 'ok' })
	})

	test('serves a policy page with its version and a 404 page for unknown addresses', async () => {
		const policy = await fetch(`${base}/policies/privacy`)
		expect(policy.status).toBe(200)
		expect(await policy.text()).toMatch(/Version <!-- -->1\.0|Version 1\.0/)
		const missing = await fetch(`${base}/no-such-page`)
		expect(missing.status).toBe(404)
		expect(await missing.text()).toContain('Page not found')
	})

	test('logs one JSON line per request, without query strings, bodies or e-mail addresses', async () => {
		await fetch(`${base}/healthz?email=${encodeURIComponent(PERSON)}`)
		await fetch(`${base}/healthz`, { method: 'POST', body: `email=${PERSON}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
		await new Promise((resolve) => setTimeout(resolve, 200))
		expect(server.stdout()).not.toContain('jane.doe')
		expect(server.stdout()).not.toContain('example.org')
		const requests = logLines().filter((line) => line.msg === 'request' && line.path === '/healthz')
		expect(requests.length).toBeGreaterThanOrEqual(3)
		expect(requests.at(-2)).toMatchObject({ method: 'GET', path: '/healthz', status: 200 })
		expect(requests.at(-1)).toMatchObject({ method: 'POST', path: '/healthz' })
		expect(typeof requests.at(-1)!.ms).toBe('number')
	})

	test('sends security headers, and a CSP nonce that the page scripts carry', async () => {
		const response = await fetch(`${base}/`)
		const csp = response.headers.get('content-security-policy') ?? ''
		const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
		expect(nonce).toBeTruthy()
		expect(csp).toContain("frame-ancestors 'none'")
		expect(csp).not.toContain('unsafe-eval')
		expect(response.headers.get('x-content-type-options')).toBe('nosniff')
		expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
		expect(response.headers.get('permissions-policy')).toContain('camera=()')
		const html = await response.text()
		const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0])
		expect(scripts.length).toBeGreaterThan(0)
		for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
		const again = (await fetch(`${base}/`)).headers.get('content-security-policy')
		expect(again).not.toContain(nonce)
	})

	test('refuses cross-site and origin-less writes with a problem document, and allows same-origin ones', async () => {
		const form = { method: 'POST', body: 'email=a%40b.test', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
		const crossSite = await fetch(`${base}/login`, { ...form, headers: { ...form.headers, origin: 'https://evil.example' }, redirect: 'manual' })
		expect(crossSite.status).toBe(403)
		expect(crossSite.headers.get('content-type')).toContain('application/problem+json')
		expect(await crossSite.json()).toMatchObject({ status: 403, title: 'Cross-site request refused', detail: 'Requests from https://evil.example may not change anything here.' })
		const noOrigin = await fetch(`${base}/logout`, { method: 'POST', redirect: 'manual' })
		expect(noOrigin.status).toBe(403)
		const sameSite = await fetch(`${base}/logout`, { method: 'POST', headers: { origin: base }, redirect: 'manual' })
		expect(sameSite.status).toBe(302)
	})

	test('stops cleanly on SIGTERM and starts again on the same data without reseeding', async () => {
		server.child.kill('SIGTERM')
		expect(await server.exited).toBe(0)
		expect(fs.existsSync(path.join(dataDir, 'lorica.pid'))).toBe(false)

		const port = await freePort()
		base = `http://127.0.0.1:${port}`
		server = startScript(['scripts/start.ts'], { DATA_DIR: dataDir, PORT: String(port) })
		await waitForListening(server)
		const messages = logLines().map((line) => line.msg)
		expect(messages).toContain('migrations up to date')
		expect(messages.filter((msg) => String(msg).startsWith('seeded'))).toEqual([])
		expect((await fetch(`${base}/healthz`)).status).toBe(200)
	}, 120_000)
})
