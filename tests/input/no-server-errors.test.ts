import { keyedHash } from '#app/auth/crypto.server.ts'
import { setLoginChallengeCookie } from '#app/auth/login-cookie.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { newFileKey, writeFile } from '#app/files/file-store.server.ts'
import { signDownload } from '#app/files/signed-links.server.ts'
import * as account from '#app/routes/account._index.tsx'
import * as audit from '#app/routes/admin.audit.tsx'
import * as consent from '#app/routes/consent.tsx'
import * as download from '#app/routes/downloads.$token.tsx'
import * as code from '#app/routes/login.code.tsx'
import * as login from '#app/routes/login._index.tsx'
import * as order from '#app/routes/orders.$orderId.tsx'
import * as images from '#app/routes/orders.$orderId_.images.tsx'
import * as newOrder from '#app/routes/orders.new.tsx'
import * as webhook from '#app/routes/webhooks.stripe.tsx'
import { describe, expect, test } from '#tests/db.ts'
import { applySetCookies, createUser, get, post, signIn } from '#tests/support/auth.ts'
import { callRoute, routeArgs, TEST_ORIGIN } from '#tests/support/route.ts'
import { useStripeMode } from '#tests/support/stripe-server.ts'

// Each of these inputs used to answer 500 (some after writing a row): now a 4xx saying why.

type Handler = Parameters<typeof callRoute>[0]

/** The answer, thrown or returned, with its text: a refusal must say something. */
async function answer(fn: Handler, request: Request, params: Record<string, string> = {}) {
	try {
		const value = (await fn(routeArgs(request, params))) as unknown
		if (value instanceof Response) return { status: value.status, text: await value.text(), location: value.headers.get('Location') }
		const outcome = await callRoute(() => value, routeArgs(request, params))
		return { status: outcome.status, text: JSON.stringify(outcome.data), location: outcome.location }
	} catch (thrown) {
		if (!(thrown instanceof Response)) throw thrown
		return { status: thrown.status, text: await thrown.text(), location: thrown.headers.get('Location') }
	}
}

function raw(path: string, body: BodyInit | null, contentType: string | null, cookie?: string) {
	const headers: Record<string, string> = { origin: TEST_ORIGIN }
	if (contentType) headers['content-type'] = contentType
	if (cookie) headers.cookie = cookie
	return new Request(`${TEST_ORIGIN}${path}`, { method: 'POST', body, headers })
}

async function rowCounts(db: Database) {
	const [users, sessions, challenges, consents, orders, audits] = await Promise.all([
		db.prisma.user.count(),
		db.prisma.session.count(),
		db.prisma.loginChallenge.count(),
		db.prisma.consentEvent.count(),
		db.prisma.order.count(),
		db.prisma.auditEvent.count(),
	])
	return { users, sessions, challenges, consents, orders, audits }
}

describe('bodies of the wrong kind', () => {
	test('JSON, text/plain, no body or broken multipart posted to a form: 415 or 400 with a message, nothing written', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { cookie } = await signIn(db, customer)
		const before = await rowCounts(db)
		const bodies = [
			{ body: JSON.stringify({ intent: 'accept_all', email: 'a@b.test' }), type: 'application/json', status: 415 },
			{ body: 'intent=accept_all', type: 'text/plain', status: 415 },
			{ body: null, type: null, status: 415 },
			{ body: '--xyz\r\nContent-Disposition: form-data; name="intent"\r\n\r\naccept_all', type: 'multipart/form-data; boundary=xyz', status: 400 },
			{ body: '', type: 'multipart/form-data', status: 400 },
		]
		for (const [path, action] of [
			['/login', login.action],
			['/consent', consent.action],
			['/account', account.action],
			['/orders/new', newOrder.action],
		] as const) {
			for (const { body, type, status } of bodies) {
				const result = await answer(action as Handler, raw(path, body, type, path === '/login' ? undefined : cookie))
				expect(result.status, `${path} ${type}`).toBe(status)
				expect(result.text).toMatch(status === 415 ? /^This address takes a form/ : /^The form could not be read/)
			}
		}
		expect(await rowCounts(db)).toEqual(before)
	})
})

describe('NUL and other control characters', () => {
	test('an order id with a NUL in the URL is a 404 without a query; a caption or concept with control characters is a 400 naming the field', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { cookie } = await signIn(db, customer)
		expect((await answer(order.loader as Handler, get('/orders/ab%00cd', cookie), { orderId: 'ab\0cd' })).status).toBe(404)
		expect((await answer(order.action as Handler, post('/orders/ab%00cd', { intent: 'cancel' }, cookie), { orderId: 'ab\0cd' })).status).toBe(404)
		expect((await answer(images.loader as Handler, get('/orders/%F0%9F%98%80/images', cookie), { orderId: '😀' })).status).toBe(404)

		const draft = await db.prisma.order.create({
			data: { customerId: customer.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Captions', triggerWords: ['cap'], wizardStep: 2 },
			select: { id: true },
		})
		const nul = await answer(images.action as Handler, post(`/orders/${draft.id}/images`, { intent: 'caption', imageId: 'img1', caption: 'a\0b' }, cookie), { orderId: draft.id })
		expect(nul).toMatchObject({ status: 400, text: 'The form field "caption" contains a NUL character, which no form sends.' })
		const escape = await callRoute(images.action, routeArgs(post(`/orders/${draft.id}/images`, { intent: 'caption', imageId: 'img1', caption: 'red \u001b[31m fox' }, cookie), { orderId: draft.id }))
		expect(escape.status).toBe(400)
		expect((escape.data as { result: { error: Record<string, string[]> } }).result.error.caption).toEqual(['Remove the invisible control characters from this text'])
		const badId = await callRoute(images.action, routeArgs(post(`/orders/${draft.id}/images`, { intent: 'remove', imageId: "x' OR '1'='1" }, cookie), { orderId: draft.id }))
		expect(badId).toMatchObject({ status: 400, data: { error: 'Choose an image to remove.' } })

		const override = await callRoute(
			newOrder.action,
			routeArgs(post('/orders/new', { baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'fox \u202egpj.exe', triggerWords: 'fox' }, cookie)),
		)
		expect(override.status).toBe(400)
		expect((override.data as { result: { error: Record<string, string[]> } }).result.error.conceptDescription).toEqual(['Remove the invisible control characters from this text'])
		expect(await db.prisma.order.count()).toBe(1)
	})

	test('an audit-log filter with a NUL is refused with 400 and no events, not sent to PostgreSQL; nothing is recorded as viewed', async ({ db }) => {
		const dpo = await createUser(db, 'dpo')
		const { cookie } = await signIn(db, dpo)
		const result = await callRoute(audit.loader, routeArgs(get(`/admin/audit?actorId=${encodeURIComponent('a\0b')}&action=auth.signin`, cookie)))
		expect(result.status).toBe(400)
		expect(result.data).toMatchObject({ filters: {}, events: [], filterError: expect.stringContaining('control characters') })
		expect(await db.prisma.auditEvent.count({ where: { action: 'audit.viewed' } })).toBe(0)
		expect((await callRoute(audit.loader, routeArgs(get('/admin/audit?action=auth.signin', cookie)))).status).toBe(200)
	})
})

describe('redirect targets with characters a Location header cannot carry', () => {
	test('/consent with redirectTo=/orders/😀 answers 302 to the percent-encoded path', async ({ db }) => {
		const result = await callRoute(consent.action, routeArgs(post('/consent', { intent: 'reject_all', redirectTo: '/orders/😀?q=é' })))
		expect(result).toMatchObject({ status: 302, location: '/orders/%F0%9F%98%80?q=%C3%A9' })
		expect(await db.prisma.consentEvent.count()).toBeGreaterThan(0)
	})

	test('a sign-in started from /login?redirectTo=/orders/😀 completes: one session, sent to the encoded path', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const started = await callRoute(login.action, routeArgs(post('/login', { email: customer.email, redirectTo: '/orders/😀' })))
		expect(started).toMatchObject({ status: 302, location: '/login/code' })
		const stored = await db.prisma.loginChallenge.findFirstOrThrow({ where: { email: customer.email }, select: { redirectTo: true } })
		expect(stored.redirectTo).toBe('/orders/%F0%9F%98%80')

		// A challenge stored before the fix holds the raw characters: it must sign in too.
		const challenge = await db.prisma.loginChallenge.create({
			data: {
				email: customer.email,
				tokenHash: keyedHash('login-token', 'legacy-token-0123456789'),
				codeHash: keyedHash('login-code', '123456'),
				expiresAt: new Date(Date.now() + 600_000),
				redirectTo: '/orders/😀',
			},
			select: { id: true },
		})
		const browser = applySetCookies('', new Headers({ 'Set-Cookie': await setLoginChallengeCookie(challenge.id) }))
		const signedIn = await callRoute(code.action, routeArgs(post('/login/code', { code: '123456' }, browser)))
		expect(signedIn).toMatchObject({ status: 302, location: '/orders/%F0%9F%98%80' })
		expect(signedIn.headers.getSetCookie().some((line) => line.startsWith('__lorica_session='))).toBe(true)
		expect(await db.prisma.session.count({ where: { userId: customer.id } })).toBe(1)
	})
})

describe('validly signed Stripe events of an unexpected shape', () => {
	const stripe = useStripeMode()

	async function deliverSigned(payload: string) {
		const request = new Request(`${TEST_ORIGIN}/webhooks/stripe`, {
			method: 'POST',
			body: payload,
			headers: { 'content-type': 'application/json', 'stripe-signature': stripe.signPayload(payload) },
		})
		const response = (await webhook.action(routeArgs(request) as never)) as Response
		return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> }
	}

	const now = () => Math.floor(Date.now() / 1000)
	const session = (object: Record<string, unknown>) => ({ id: 'evt_shape', object: 'event', type: 'checkout.session.completed', created: now(), data: { object } })

	test('arrays, null, no data, created=1e16 or an unknown SetupIntent: 400 problem documents, nothing recorded', async ({ db }) => {
		const cases: Array<[string, string, RegExp]> = [
			['array', '[]', /^The event: /],
			['null', 'null', /^The event: /],
			['no data', JSON.stringify({ id: 'evt_nodata', type: 'checkout.session.completed', created: now() }), /^data: /],
			['created 1e16', JSON.stringify({ ...session({ id: 'cs_1', mode: 'payment', payment_status: 'paid', metadata: {} }), created: 1e16 }), /^created: /],
			['amount over int4', JSON.stringify(session({ id: 'cs_1', mode: 'payment', payment_status: 'paid', amount_total: 1e12, metadata: { paymentId: 'p' } })), /^data\.object\.amount_total: /],
			['NUL in metadata', JSON.stringify(session({ id: 'cs_1', mode: 'payment', payment_status: 'paid', metadata: { paymentId: 'a\0b' } })), /^data\.object\.metadata\.paymentId: /],
		]
		for (const [label, payload, detail] of cases) {
			const result = await deliverSigned(payload)
			expect(result.status, label).toBe(400)
			expect(result.type).toBe('application/problem+json')
			expect(result.body.title, label).toBe('Unexpected event')
			expect(String(result.body.detail).replace('The event is signed but not of the shape its type promises. ', ''), label).toMatch(detail)
		}
		const unknownIntent = await deliverSigned(JSON.stringify(session({ id: 'cs_setup', mode: 'setup', setup_intent: 'seti_unknown', metadata: { paymentId: 'pay_x' } })))
		expect(unknownIntent).toMatchObject({ status: 400, body: { title: 'Event cannot be applied', detail: 'The SetupIntent seti_unknown of this setup session does not exist at Stripe.' } })
		expect(await db.prisma.stripeEvent.count()).toBe(0)
	})

	test('a well-formed event of a type we do not act on is acknowledged with 200', async ({ db }) => {
		const result = await deliverSigned(JSON.stringify({ id: 'evt_other', object: 'event', type: 'customer.created', created: now(), data: { object: { id: 'cus_1' } } }))
		expect(result).toMatchObject({ status: 200, body: { received: true, outcome: 'ignored_type' } })
		expect(await db.prisma.stripeEvent.count()).toBe(1)
	})
})

describe('signed download links', () => {
	test('a validly signed link whose claims have the wrong types is a 404, never a database filter', async ({ db }) => {
		const owner = await createUser(db, 'customer')
		const done = await db.prisma.order.create({
			data: { customerId: owner.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Results', triggerWords: ['res'], status: 'completed' },
			select: { id: true },
		})
		const storageKey = newFileKey('result', done.id, 'png')
		await writeFile(storageKey, Buffer.from('someone else’s result'))
		await db.prisma.resultFile.create({ data: { orderId: done.id, kind: 'sample', displayName: 'sample.png', storageKey, mime: 'image/png', bytes: 21 } })
		// Prisma reads { not: '' } as "any id": before the claims were checked this served the file.
		const token = signDownload({ kind: 'result', id: { not: '' } as never, userId: { not: '' } as never })
		const response = (await download.loader(routeArgs(get(`/downloads/${token}`), { token }) as never)) as Response
		expect(response.status).toBe(404)
		expect(await response.text()).toBe('This download link is not valid.')
	})
})
