import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { sendMarketingMail } from '#app/consent/marketing.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { listOutbox, readOutboxMessage, resetMailTransportForTests } from '#app/mail/mail.server.ts'
import { publishPolicies } from '#app/policies/publish.server.ts'
import { loader as rootLoader } from '#app/root.tsx'
import * as account from '#app/routes/account._index.tsx'
import * as consent from '#app/routes/consent.tsx'
import * as code from '#app/routes/login.code.tsx'
import * as login from '#app/routes/login._index.tsx'
import * as unsubscribe from '#app/routes/unsubscribe.tsx'
import { describe, expect, test } from './db.ts'
import { applySetCookies, createUser, get, post, signIn } from './support/auth.ts'
import { callRoute, routeArgs, TEST_ORIGIN } from './support/route.ts'

type RootData = { consent: { banner: boolean; analytics: boolean; advertising: boolean } }

async function root(cookie = '', headers: Record<string, string> = {}) {
	const request = new Request(`${TEST_ORIGIN}/`, { headers: { ...(cookie ? { cookie } : {}), ...headers } })
	const result = await callRoute(rootLoader as never, routeArgs(request))
	return { data: result.data as RootData, cookie: applySetCookies(cookie, result.headers) }
}

async function choose(cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
	const request = post('/consent', { redirectTo: '/orders', ...fields }, cookie)
	for (const [name, value] of Object.entries(headers)) request.headers.set(name, value)
	const result = await callRoute(consent.action, routeArgs(request))
	expect(result.status, JSON.stringify(result.data)).toBe(302)
	expect(result.location).toBe('/orders')
	return applySetCookies(cookie, result.headers)
}

const events = (db: Database) =>
	db.prisma.consentEvent.findMany({
		select: { subjectId: true, userId: true, purpose: true, granted: true, method: true, noticeKind: true, noticeVersion: true, gpc: true, ipHash: true },
		orderBy: [{ at: 'asc' }, { purpose: 'asc' }],
	})

let policiesDir: string | undefined
afterEach(() => {
	delete process.env.POLICIES_DIR
	if (policiesDir) fs.rmSync(policiesDir, { recursive: true, force: true })
	policiesDir = undefined
})

describe('cookie consent', () => {
	test('the banner shows until a choice; reject all is recorded with the notice version and proves the choice', async ({ db }) => {
		const first = await root()
		expect(first.data.consent).toEqual({ banner: true, analytics: false, advertising: false })
		const cookie = await choose('', { intent: 'reject_all' })
		expect(cookie).toMatch(/^__lorica_consent=/)
		expect((await root(cookie)).data.consent).toEqual({ banner: false, analytics: false, advertising: false })
		const recorded = await events(db)
		expect(recorded.map(({ purpose, granted, method, noticeKind, noticeVersion }) => ({ purpose, granted, method, noticeKind, noticeVersion }))).toEqual([
			{ purpose: 'advertising', granted: false, method: 'reject_all', noticeKind: 'cookies', noticeVersion: '1.0' },
			{ purpose: 'analytics', granted: false, method: 'reject_all', noticeKind: 'cookies', noticeVersion: '1.0' },
		])
		expect(recorded[0]!.ipHash).toMatch(/^[0-9a-f]{64}$/)
		expect(new Set(recorded.map((event) => event.subjectId)).size).toBe(1)
	})

	test('accept all, customize and a one-click withdrawal are each recorded', async ({ db }) => {
		let cookie = await choose('', { intent: 'accept_all' })
		expect((await root(cookie)).data.consent).toEqual({ banner: false, analytics: true, advertising: true })
		cookie = await choose(cookie, { intent: 'custom', analytics: 'on' })
		expect((await root(cookie)).data.consent).toMatchObject({ analytics: true, advertising: false })
		cookie = await choose(cookie, { intent: 'withdraw' })
		expect((await root(cookie)).data.consent).toMatchObject({ analytics: false, advertising: false })
		expect((await events(db)).map((event) => `${event.purpose}:${event.granted}:${event.method}`)).toEqual([
			'advertising:true:accept_all',
			'analytics:true:accept_all',
			'advertising:false:custom',
			'analytics:true:custom',
			'advertising:false:withdrawal',
			'analytics:false:withdrawal',
		])
		const bad = await callRoute(consent.action, routeArgs(post('/consent', { intent: 'everything' }, cookie)))
		expect(bad.status).toBe(400)
	})

	test('Global Privacy Control turns advertising off and records it, unless the person opted in with GPC on', async ({ db }) => {
		const gpc = { 'sec-gpc': '1' }
		let cookie = await choose('', { intent: 'accept_all' })
		const applied = await root(cookie, gpc)
		expect(applied.data.consent).toMatchObject({ advertising: false, analytics: true })
		expect((await events(db)).at(-1)).toMatchObject({ purpose: 'advertising', granted: false, method: 'gpc', gpc: true })
		await root(cookie, gpc)
		expect((await events(db)).filter((event) => event.method === 'gpc')).toHaveLength(1)

		cookie = await choose(cookie, { intent: 'custom', analytics: 'on', advertising: 'on' }, gpc)
		expect((await root(cookie, gpc)).data.consent).toMatchObject({ advertising: true })
		expect((await events(db)).filter((event) => event.method === 'gpc')).toHaveLength(1)

		// A first visit with GPC: advertising is off without writing anything; the first choice carries the flag.
		const before = (await events(db)).length
		const fresh = await root('', gpc)
		expect(fresh.cookie).toBe('')
		expect(fresh.data.consent).toMatchObject({ banner: true, advertising: false })
		expect(await events(db)).toHaveLength(before)
		await choose('', { intent: 'reject_all' }, gpc)
		expect((await events(db)).at(-1)).toMatchObject({ method: 'reject_all', gpc: true })
	})

	test('a new cookie policy that changes a purpose makes that choice lapse, and only that one', async ({ db }) => {
		const cookie = await choose('', { intent: 'accept_all' })
		policiesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-consent-'))
		fs.cpSync('policies', policiesDir, { recursive: true })
		const current = fs.readFileSync(path.join(policiesDir, 'cookies/1.0.md'), 'utf8')
		fs.writeFileSync(
			path.join(policiesDir, 'cookies/1.1.md'),
			current
				.replace('version: "1.0"', 'version: "1.1"')
				.replace('effective: 2026-11-01', `effective: ${new Date(Date.now() - 60_000).toISOString()}`)
				.replace('summary: First published Cookie Policy.', 'summary: Analytics now also measures page speed.\nchangedPurposes: [analytics]'),
		)
		process.env.POLICIES_DIR = policiesDir
		await publishPolicies(db.prisma, null)
		const after = await root(cookie)
		expect(after.data.consent).toEqual({ banner: true, analytics: false, advertising: true })
		const again = await choose(cookie, { intent: 'custom', analytics: 'on', advertising: 'on' })
		expect((await root(again)).data.consent).toEqual({ banner: false, analytics: true, advertising: true })
		expect((await events(db)).at(-1)).toMatchObject({ noticeVersion: '1.1' })
	})

	test('choices made before signing in become the account’s, and show in its consent history', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		let browser = await choose('', { intent: 'reject_all' })
		const started = await callRoute(login.action, routeArgs(post('/login', { email: customer.email }, browser)))
		browser = applySetCookies(browser, started.headers)
		const challenge = await db.prisma.loginChallenge.findFirstOrThrow({ where: { email: customer.email }, select: { id: true } })
		// The code itself went to the outbox; here it is replaced by a known one.
		const { keyedHash } = await import('#app/auth/crypto.server.ts')
		await db.prisma.loginChallenge.update({ where: { id: challenge.id }, data: { codeHash: keyedHash('login-code', '123456') } })
		const signedIn = await callRoute(code.action, routeArgs(post('/login/code', { code: '123456' }, browser)))
		browser = applySetCookies(browser, signedIn.headers)
		expect((await events(db)).every((event) => event.userId === customer.id)).toBe(true)

		const page = await callRoute(account.loader, routeArgs(get('/account', browser)))
		expect((page.data as { consents: { purpose: string; method: string }[] }).consents.map((event) => `${event.purpose}:${event.method}`).sort()).toEqual([
			'advertising:reject_all',
			'analytics:reject_all',
		])
	})

	test('the record is append-only: only the account link may change', async ({ db }) => {
		await choose('', { intent: 'accept_all' })
		await expect(db.withSql((sql) => sql.exec(`UPDATE "ConsentEvent" SET "granted" = false`))).rejects.toThrow(/append-only/)
		const user = await createUser(db, 'customer')
		await db.withSql((sql) => sql.query(`UPDATE "ConsentEvent" SET "userId" = $1`, [user.id]))
		expect((await events(db)).every((event) => event.userId === user.id && event.granted)).toBe(true)
	})
})

describe('marketing e-mail', () => {
	test('is a separate opt-in; every marketing mail has a one-click unsubscribe that works without signing in', async ({ db }) => {
		resetMailTransportForTests()
		const customer = await createUser(db, 'customer')
		expect(await sendMarketingMail(customer.id, { subject: 'News', text: 'Hello' })).toEqual({ sent: false })

		const { cookie } = await signIn(db, customer)
		const optIn = await callRoute(account.action, routeArgs(post('/account', { intent: 'marketing', marketing: 'on' }, cookie)))
		expect(optIn.status).toBe(200)
		const sent = await sendMarketingMail(customer.id, { subject: 'News', text: 'Hello' })
		expect(sent.sent).toBe(true)

		const [entry] = await listOutbox()
		const message = await readOutboxMessage(entry!.id)
		const url = /Unsubscribe with one click: (\S+)/.exec(message!.text)?.[1]
		expect(url).toMatch(/\/unsubscribe\?u=.+&t=[0-9a-f]{32}$/)
		const eml = fs.readFileSync(path.join(process.env.DATA_DIR!, 'outbox', `${entry!.id}.eml`), 'utf8')
		expect(eml).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
		expect(eml).toMatch(/List-Unsubscribe:\s+<http:\/\/lorica\.test\/unsubscribe\?u=/)

		const path_ = new URL(url!).pathname + new URL(url!).search
		const forged = await callRoute(unsubscribe.action, routeArgs(new Request(`${TEST_ORIGIN}${path_.replace(/t=[0-9a-f]+/, 't=' + '0'.repeat(32))}`, { method: 'POST' })))
		expect(forged.status).toBe(400)
		// A mail client's one-click POST: no cookie, no Origin header.
		const oneClick = await callRoute(
			unsubscribe.action,
			routeArgs(new Request(`${TEST_ORIGIN}${path_}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })),
		)
		expect(oneClick.data).toEqual({ done: true, error: null })
		expect(await sendMarketingMail(customer.id, { subject: 'News', text: 'Hello again' })).toEqual({ sent: false })
		expect((await events(db)).map((event) => `${event.purpose}:${event.granted}:${event.method}`)).toEqual(['marketing_email:true:settings', 'marketing_email:false:unsubscribe'])
		expect((await events(db))[0]).toMatchObject({ noticeKind: 'privacy', noticeVersion: '1.0' })
	})
})
