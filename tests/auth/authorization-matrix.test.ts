import path from 'node:path'
import type { Role } from '#app/generated/prisma/enums.ts'
import * as account from '#app/routes/account._index.tsx'
import { describe, expect, test } from '../db.ts'
import { createUser, get, post, signIn, type TestUser } from '../support/auth.ts'
import { callRoute, routeArgs } from '../support/route.ts'

// Every route module is discovered from app/routes, so a new route without a row here
// fails this test. For each: every role, signed out, and own/foreign resources.

type Who = 'anonymous' | Role
type Row = Record<Who, number>
type RouteModule = { loader?: (args: never) => unknown; action?: (args: never) => unknown }
type Expectation = {
	path: string
	params?: Record<string, string>
	loader?: Row | { own: Row; foreign: Row }
	/** Posted with each user's own order when the path has :orderId. */
	action?: Row
}

const WHO: Who[] = ['anonymous', 'customer', 'support', 'dpo', 'admin']
const all = (status: number): Row => ({ anonymous: status, customer: status, support: status, dpo: status, admin: status })
const signedIn = (status: number): Row => ({ ...all(status), anonymous: 302 })
const staff = (status: number): Row => ({ anonymous: 302, customer: 403, support: status, dpo: status, admin: status })
/** Customer-only pages (admins hold every customer permission too; other staff are refused). */
const customers = (status: number, refused = 403): Row => ({ anonymous: 302, customer: status, support: refused, dpo: refused, admin: status })
/** The order wizard: only the order's owner, whoever else asks gets 404. */
const wizard = (own: number): { own: Row; foreign: Row } => ({ own: customers(own, 404), foreign: { anonymous: 302, customer: 404, support: 404, dpo: 404, admin: 404 } })

const EXPECTED: Record<string, Expectation> = {
	// The home page's loader only reads the data map's retention periods.
	_index: { path: '/', loader: all(200) },
	healthz: { path: '/healthz', loader: all(200) },
	'policies.$kind': { path: '/policies/privacy', params: { kind: 'privacy' }, loader: all(200) },
	'policies.$kind_.$version': { path: '/policies/privacy/1.0', params: { kind: 'privacy', version: '1.0' }, loader: all(200) },
	// The cookie policy has one version: nothing earlier to compare it with.
	// Nothing to accept for these users: the page sends them on; posting without the tick is refused.
	consent: { path: '/consent', loader: all(200), action: all(400) },
	unsubscribe: { path: '/unsubscribe', loader: all(400), action: all(400) },
	'policies.accept': { path: '/policies/accept', loader: all(302), action: signedIn(400) },
	'policies.$kind_.diff': { path: '/policies/cookies/diff', params: { kind: 'cookies' }, loader: all(404) },
	'login._index': { path: '/login', loader: { ...all(302), anonymous: 200 }, action: all(400) },
	'login.code': { path: '/login/code', loader: all(302), action: all(302) },
	'login.link': { path: '/login/link', loader: all(200), action: all(400) },
	'login.two-factor': { path: '/login/two-factor', loader: all(302), action: { ...all(400), anonymous: 302 } },
	signup: { path: '/signup', loader: all(302), action: all(302) },
	logout: { path: '/logout', loader: all(302), action: all(302) },
	'account._index': { path: '/account', loader: signedIn(200), action: signedIn(400) },
	'account.two-factor': { path: '/account/two-factor', loader: signedIn(200), action: signedIn(400) },
	reverify: { path: '/reverify', loader: { ...signedIn(200), customer: 302 }, action: signedIn(400) },
	'orders._index': { path: '/orders', loader: signedIn(200) },
	'orders.$orderId': {
		path: '/orders/:orderId',
		loader: { own: signedIn(200), foreign: { anonymous: 302, customer: 404, support: 200, dpo: 200, admin: 200 } },
		// No intent: the owner is sent back to the page; staff may not act on their own "orders".
		action: customers(302, 404),
	},
	'orders.new': { path: '/orders/new', loader: customers(200), action: customers(400) },
	// The fixture's orders are drafts at step 1: later steps send the owner back to it.
	'orders.$orderId_.edit': { path: '/orders/:orderId/edit', loader: wizard(200), action: customers(400, 404) },
	'orders.$orderId_.images': { path: '/orders/:orderId/images', loader: wizard(302), action: customers(302, 404) },
	'orders.$orderId_.images.$imageId': { path: '/orders/:orderId/images/none', params: { imageId: 'none' }, loader: wizard(404), action: all(404) },
	'orders.$orderId_.settings': { path: '/orders/:orderId/settings', loader: wizard(302), action: customers(302, 404) },
	'orders.$orderId_.attestations': { path: '/orders/:orderId/attestations', loader: wizard(302), action: customers(302, 404) },
	'orders.$orderId_.review': { path: '/orders/:orderId/review', loader: wizard(302), action: customers(302, 404) },
	'orders.$orderId_.receipt': { path: '/orders/:orderId/receipt', loader: { own: signedIn(404), foreign: signedIn(404) } },
	'invoices.$paymentId': { path: '/invoices/none', params: { paymentId: 'none' }, loader: signedIn(404) },
	'test-checkout.$paymentId': { path: '/test-checkout/none', params: { paymentId: 'none' }, loader: signedIn(404), action: signedIn(404) },
	'wallet._index': { path: '/wallet', loader: customers(200), action: customers(400) },
	'webhooks.stripe': { path: '/webhooks/stripe', loader: all(405), action: all(404) },
	'downloads.$token': { path: '/downloads/not-a-link', params: { token: 'not-a-link' }, loader: all(404) },
	'gallery._index': { path: '/gallery', loader: all(200) },
	'gallery.$resultId': { path: '/gallery/none', params: { resultId: 'none' }, loader: all(404) },
	'admin.coins': { path: '/admin/coins', loader: { ...staff(403), admin: 200 }, action: { ...staff(403), admin: 422 } },
	'admin._index': { path: '/admin', loader: staff(200) },
	'admin.orders': { path: '/admin/orders', loader: staff(200) },
	'admin.users': { path: '/admin/users', loader: staff(200), action: { anonymous: 302, customer: 403, support: 403, dpo: 403, admin: 302 } },
	'admin.audit': { path: '/admin/audit', loader: { ...staff(200), support: 403 } },
	// Publishing needs a fresh TOTP check: the signed-in DPO and admin are sent to /reverify.
	'admin.policies': { path: '/admin/policies', loader: { ...staff(200), support: 403 }, action: { anonymous: 302, customer: 403, support: 403, dpo: 302, admin: 302 } },
	// The DPO may read the job queues; only admins retry a failed job.
	'admin.jobs': { path: '/admin/jobs', loader: { ...staff(200), support: 403 }, action: { ...staff(403), admin: 422 } },
	// The test visitor is remote (203.0.113.7): the outbox of sign-in codes is for this machine only.
	'dev.outbox._index': { path: '/dev/outbox', loader: all(404) },
	'dev.outbox.$id': { path: '/dev/outbox/unknown', params: { id: 'unknown' }, loader: all(404) },
}

const modules = import.meta.glob<RouteModule>('/app/routes/*.{ts,tsx}', { eager: true })
const routes = Object.entries(modules).map(([file, module]) => ({ id: path.basename(file).replace(/\.tsx?$/, ''), module }))

describe('authorization matrix', () => {
	test('every route module has a row, and every row a route', () => {
		expect(routes.map((route) => route.id).sort()).toEqual(Object.keys(EXPECTED).sort())
		for (const { id, module } of routes) {
			expect(Boolean(module.loader), `${id} loader`).toBe(Boolean(EXPECTED[id]!.loader))
			expect(Boolean(module.action), `${id} action`).toBe(Boolean(EXPECTED[id]!.action))
		}
	})

	test('each role gets exactly the expected answer from every loader and action', async ({ db }) => {
		const users = {} as Record<Role, TestUser>
		const ownOrder = {} as Record<Who, string>
		for (const role of ['customer', 'support', 'dpo', 'admin'] as const) users[role] = await createUser(db, role)
		const stranger = await createUser(db, 'customer')
		const order = (customerId: string) =>
			db.prisma.order.create({
				data: { customerId, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Test style', triggerWords: ['tst'] },
				select: { id: true },
			})
		const foreignOrder = (await order(stranger.id)).id
		for (const role of ['customer', 'support', 'dpo', 'admin'] as const) ownOrder[role] = (await order(users[role].id)).id
		ownOrder.anonymous = foreignOrder

		const failures: string[] = []
		for (const { id, module } of routes) {
			const expectation = EXPECTED[id]!
			const variants =
				expectation.loader && 'own' in expectation.loader
					? [
							{ label: 'own', rows: expectation.loader.own, orderFor: (who: Who) => ownOrder[who] },
							{ label: 'foreign', rows: expectation.loader.foreign, orderFor: () => foreignOrder },
						]
					: [{ label: '', rows: expectation.loader as Row | undefined, orderFor: () => foreignOrder }]
			// Fresh sessions per route: /logout and sign-out-everywhere end the ones they are given.
			const cookies: Record<Who, string | undefined> = { anonymous: undefined } as Record<Who, string | undefined>
			for (const role of ['customer', 'support', 'dpo', 'admin'] as const) cookies[role] = (await signIn(db, users[role])).cookie
			for (const who of WHO) {
				for (const variant of variants) {
					const orderId = variant.orderFor(who)
					const params = { ...expectation.params, ...(expectation.path.includes(':orderId') ? { orderId } : {}) }
					const url = expectation.path.replace(':orderId', orderId)
					if (module.loader && variant.rows) {
						const { status } = await callRoute(module.loader as never, routeArgs(get(url, cookies[who]), params))
						if (status !== variant.rows[who]) failures.push(`GET ${url} as ${who}${variant.label && ` (${variant.label})`}: ${status}, expected ${variant.rows[who]}`)
					}
				}
				if (module.action && expectation.action) {
					const orderId = ownOrder[who]
					const url = expectation.path.replace(':orderId', orderId)
					const params = { ...expectation.params, ...(expectation.path.includes(':orderId') ? { orderId } : {}) }
					const { status } = await callRoute(module.action as never, routeArgs(post(url, {}, cookies[who]), params))
					if (status !== expectation.action[who]) failures.push(`POST ${url} as ${who}: ${status}, expected ${expectation.action[who]}`)
				}
			}
		}
		expect(failures).toEqual([])
		// Staff reading a customer's order leaves a trace; reading their own does not.
		expect(await db.prisma.auditEvent.count({ where: { action: 'order.viewed', actorId: users.support.id, targetId: foreignOrder } })).toBe(1)
		expect(await db.prisma.auditEvent.count({ where: { action: 'order.viewed', targetId: ownOrder.support } })).toBe(0)
	})

	test("a customer cannot end another customer's session", async ({ db }) => {
		const alice = await createUser(db, 'customer')
		const bob = await createUser(db, 'customer')
		const aliceSession = await signIn(db, alice)
		const bobSession = await signIn(db, bob)
		const result = await callRoute(
			account.action,
			routeArgs(post('/account', { intent: 'sign-out-session', sessionId: bobSession.sessionId }, aliceSession.cookie)),
		)
		expect(result.status).toBe(404)
		const still = await db.prisma.session.findUniqueOrThrow({ where: { id: bobSession.sessionId }, select: { revokedAt: true } })
		expect(still.revokedAt).toBeNull()
	})
})
