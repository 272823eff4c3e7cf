import { verifyAuditChain } from '#app/audit/audit.server.ts'
import * as account from '#app/routes/account._index.tsx'
import * as code from '#app/routes/login.code.tsx'
import * as link from '#app/routes/login.link.tsx'
import * as login from '#app/routes/login._index.tsx'
import * as signup from '#app/routes/signup.tsx'
import { describe, expect, test } from '../db.ts'
import { applySetCookies, get, post } from '../support/auth.ts'
import { callRoute, routeArgs, testContext } from '../support/route.ts'
import { useSmtpServer } from '../support/smtp.ts'

// The whole e-mail sign-in, through a real SMTP server: the test reads the mail it got.

const smtp = useSmtpServer()

function decodeQuotedPrintable(text: string) {
	return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

function lastMail(to: string) {
	const mail = smtp.received.filter((message) => message.to.includes(to)).at(-1)
	if (!mail) throw new Error(`no mail to ${to}`)
	const body = decodeQuotedPrintable(mail.data)
	return {
		code: /sign-in code is (\d{6})/.exec(body)?.[1] ?? '',
		token: /\/login\/link\?token=([A-Za-z0-9_-]+)/.exec(body)?.[1] ?? '',
		body,
	}
}

/** Starts a sign-in in a fresh browser; returns that browser's cookies. */
async function requestCode(email: string, context = testContext()) {
	const result = await callRoute(login.action, routeArgs(post('/login', { email, redirectTo: '/orders' }), {}, context))
	expect(result.status, JSON.stringify(result.data)).toBe(302)
	expect(result.location).toBe('/login/code')
	return applySetCookies('', result.headers)
}

describe('sign-up and sign-in by e-mail', () => {
	test('a new customer signs up with the code, signs in on a second browser with the link, then signs out everywhere', async ({ db }) => {
		const email = 'new.person@people.test'
		let browserA = await requestCode(email)
		const first = lastMail(email)
		expect(first.code).toMatch(/^\d{6}$/)
		expect(first.body).toContain('expire in 15 minutes')

		const verified = await callRoute(code.action, routeArgs(post('/login/code', { code: first.code }, browserA)))
		expect(verified.location).toBe('/signup')
		browserA = applySetCookies(browserA, verified.headers)

		const incomplete = await callRoute(signup.action, routeArgs(post('/signup', { termsVersion: '1.0', privacyVersion: '1.0' }, browserA)))
		expect(incomplete.status).toBe(400)
		expect(JSON.stringify(incomplete.data)).toContain('confirm that you are 18 or older')
		expect(await db.prisma.user.count({ where: { email } })).toBe(0)

		const created = await callRoute(
			signup.action,
			routeArgs(post('/signup', { displayName: 'New Person', ageConfirmed: 'on', acceptPolicies: 'on', termsVersion: '1.0', privacyVersion: '1.0' }, browserA)),
		)
		expect(created.status).toBe(302)
		expect(created.location).toBe('/orders')
		browserA = applySetCookies(browserA, created.headers)
		const user = await db.prisma.user.findUniqueOrThrow({
			where: { email },
			select: { id: true, role: true, ageConfirmedAt: true, acceptances: { select: { kind: true, version: true, context: true } } },
		})
		expect(user.role).toBe('customer')
		expect(user.ageConfirmedAt).toBeInstanceOf(Date)
		expect(user.acceptances.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
			{ kind: 'privacy', version: '1.0', context: 'signup' },
			{ kind: 'terms', version: '1.0', context: 'signup' },
		])

		// Second browser: the magic link. Opening it changes nothing; the button press signs in.
		const browserB0 = await requestCode(email)
		const second = lastMail(email)
		const opened = await callRoute(link.loader, routeArgs(get(`/login/link?token=${second.token}`)))
		expect(opened.data).toEqual({ token: second.token })
		const viaLink = await callRoute(link.action, routeArgs(post('/login/link', { token: second.token }, browserB0)))
		expect(viaLink.location).toBe('/orders')
		const browserB = applySetCookies(browserB0, viaLink.headers)

		const reused = await callRoute(link.action, routeArgs(post('/login/link', { token: second.token })))
		expect(reused.status).toBe(400)
		expect(reused.data).toEqual({ error: 'This code or link has already been used. Request a new one.' })

		const onA = await callRoute(account.loader, routeArgs(get('/account', browserA)))
		expect(onA.status).toBe(200)
		expect((onA.data as { sessions: unknown[] }).sessions).toHaveLength(2)

		const everywhere = await callRoute(account.action, routeArgs(post('/account', { intent: 'sign-out-everywhere' }, browserB)))
		expect(everywhere.location).toBe('/login')
		for (const browser of [browserA, browserB]) {
			const after = await callRoute(account.loader, routeArgs(get('/account', browser)))
			expect(after.status).toBe(302)
			expect(after.location).toMatch(/^\/login\?redirectTo=/)
		}

		const actions = await db.prisma.auditEvent.findMany({ where: { actorId: user.id }, select: { action: true }, orderBy: { seq: 'asc' } })
		expect(actions.map((event) => event.action)).toEqual(['auth.signup', 'auth.signin', 'auth.signout_everywhere'])
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 3 })
	})

	test('an existing account signs in directly with the code', async ({ db }) => {
		await db.prisma.user.create({ data: { email: 'known@people.test', role: 'customer' } })
		const browser = await requestCode('Known@People.test ')
		const mail = lastMail('known@people.test')
		const result = await callRoute(code.action, routeArgs(post('/login/code', { code: mail.code }, browser)))
		expect(result.location).toBe('/orders')
		expect(result.headers.getSetCookie().some((line) => line.startsWith('__lorica_session=') && /HttpOnly/i.test(line) && /SameSite=Lax/i.test(line))).toBe(true)
	})

	test('wrong codes count down, then the code is locked', async ({ db }) => {
		expect(db).toBeDefined()
		const browser = await requestCode('guess@people.test')
		const { code: right } = lastMail('guess@people.test')
		const wrong = right === '000000' ? '111111' : '000000'
		const messages: string[] = []
		for (let attempt = 0; attempt < 5; attempt++) {
			const result = await callRoute(code.action, routeArgs(post('/login/code', { code: wrong }, browser)))
			messages.push(JSON.stringify(result.data))
		}
		expect(messages[0]).toContain('4 attempts left')
		expect(messages[3]).toContain('1 attempt left')
		expect(messages[4]).toContain('Too many wrong codes')
		const locked = await callRoute(code.action, routeArgs(post('/login/code', { code: right }, browser)))
		expect(locked.status).toBe(429)
	})

	test('an expired code is refused', async ({ db }) => {
		const browser = await requestCode('late@people.test')
		const { code: right } = lastMail('late@people.test')
		await db.prisma.loginChallenge.updateMany({ where: { email: 'late@people.test' }, data: { expiresAt: new Date(Date.now() - 1000) } })
		const result = await callRoute(code.action, routeArgs(post('/login/code', { code: right }, browser)))
		expect(result.status).toBe(400)
		expect(JSON.stringify(result.data)).toContain('This code or link has expired')
	})

	test('a used code cannot be used again', async ({ db }) => {
		await db.prisma.user.create({ data: { email: 'once@people.test', role: 'customer' } })
		const browser = await requestCode('once@people.test')
		const { code: right } = lastMail('once@people.test')
		expect((await callRoute(code.action, routeArgs(post('/login/code', { code: right }, browser)))).status).toBe(302)
		const again = await callRoute(code.action, routeArgs(post('/login/code', { code: right }, browser)))
		expect(again.status).toBe(400)
		expect(JSON.stringify(again.data)).toContain('already been used')
	})

	test('requesting codes for one address is rate limited, with a clear wait time', async ({ db }) => {
		for (let attempt = 0; attempt < 5; attempt++) await requestCode('flood@people.test', testContext({ clientIp: `198.51.100.${attempt}` }))
		const sixth = await callRoute(login.action, routeArgs(post('/login', { email: 'flood@people.test' }), {}, testContext({ clientIp: '198.51.100.99' })))
		expect(sixth.status).toBe(429)
		expect(JSON.stringify(sixth.data)).toMatch(/Too many sign-in attempts\. Please wait \d+ minutes? and try again\./)
		expect(await db.prisma.loginChallenge.count({ where: { email: 'flood@people.test' } })).toBe(5)
	})

	test('one address trying many e-mails hits the per-IP limit', async ({ db }) => {
		expect(db).toBeDefined()
		const context = testContext({ clientIp: '192.0.2.50' })
		const statuses: number[] = []
		for (let attempt = 0; attempt < 21; attempt++)
			statuses.push((await callRoute(login.action, routeArgs(post('/login', { email: `p${attempt}@people.test` }), {}, context))).status)
		expect(statuses.slice(0, 20).every((status) => status === 302)).toBe(true)
		expect(statuses[20]).toBe(429)
	})

	test('a filled honeypot is refused without sending mail or storing anything', async ({ db }) => {
		const result = await callRoute(login.action, routeArgs(post('/login', { email: 'bot@people.test', website: 'http://spam' })))
		expect(result.status).toBe(400)
		expect(smtp.received).toHaveLength(0)
		expect(await db.prisma.loginChallenge.count()).toBe(0)
	})

	test('a malformed e-mail gets a field message', async ({ db }) => {
		expect(db).toBeDefined()
		const result = await callRoute(login.action, routeArgs(post('/login', { email: 'not-an-address' })))
		expect(result.status).toBe(400)
		expect(JSON.stringify(result.data)).toContain('Enter an e-mail address like name@example.com')
	})

	test('sign-up cannot be reached without a confirmed e-mail', async ({ db }) => {
		expect(db).toBeDefined()
		const result = await callRoute(signup.loader, routeArgs(get('/signup')))
		expect(result.location).toBe('/login')
	})
})
