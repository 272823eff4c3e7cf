import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keyedHash } from '#app/auth/crypto.server.ts'
import { setLoginChallengeCookie } from '#app/auth/login-cookie.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { setDatabase } from '#app/db/db.server.ts'
import type { OrderStatus } from '#app/generated/prisma/enums.ts'
import { createTestDatabase } from '#tests/db.ts'
import { applySetCookies, createUser, signIn, type TestUser } from '#tests/support/auth.ts'
import { routeArgs, TEST_ORIGIN } from '#tests/support/route.ts'
import { useStripeMode } from '#tests/support/stripe-server.ts'

// Random and adversarial input to every action and loader, discovered from app/routes (a new
// route is fuzzed without editing this file), as every kind of visitor. Whatever arrives:
// no 5xx and no thrown error that is not a Response; a 4xx says why; and a refused (4xx)
// request leaves every table's row count as it was. Replay a failure with the seed and path
// fast-check prints: FUZZ_SEED=<seed> (the path narrows it to the one shrunk case).

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647)
const ACTION_RUNS = Number(process.env.FUZZ_RUNS ?? 24)
const LOADER_RUNS = Math.max(4, Math.round(ACTION_RUNS / 3))

/** Written on purpose by refused requests: counting failed attempts is what rate limits do. */
const COUNTED_ON_REFUSAL = new Set(['RateLimitBucket'])

type Handler = (args: ReturnType<typeof routeArgs>) => unknown
type RouteModule = { loader?: Handler; action?: Handler }

const ROUTES_DIR = path.resolve('app/routes')
const modules = import.meta.glob<RouteModule>('/app/routes/*.{ts,tsx}', { eager: true })
const routes = Object.entries(modules)
	.map(([file, module]) => ({ id: path.basename(file).replace(/\.tsx?$/, ''), file: path.join(ROUTES_DIR, path.basename(file)), module }))
	.sort((a, b) => a.id.localeCompare(b.id))

// ---------------------------------------------------------------------------------------------
// What a route reads, found in its source and in the app modules it imports (its schemas and
// form components): field names and the literal values (intents, enum members) it compares.

function sourcesOf(file: string) {
	const source = fs.readFileSync(file, 'utf8')
	const imported = [...source.matchAll(/from '#app\/([^']+)'/g)].map((match) => path.resolve('app', match[1]!)).filter((target) => fs.existsSync(target))
	return [source, ...imported.map((target) => fs.readFileSync(target, 'utf8'))]
}

const GENERIC_FIELDS = ['intent', 'redirectTo', 'email', 'code', 'token', 'id', 'userId', 'orderId', 'imageId', 'resultId', 'sessionId', 'reason', 'file', 'website']

function discover(file: string) {
	const names = new Set(GENERIC_FIELDS)
	const literals = new Set<string>(['on', ''])
	for (const source of sourcesOf(file)) {
		for (const match of source.matchAll(/name="([A-Za-z]\w{0,40})"/g)) names.add(match[1]!)
		for (const match of source.matchAll(/\.get(?:All)?\('([A-Za-z]\w{0,40})'\)/g)) names.add(match[1]!)
		for (const match of source.matchAll(/^\s*([A-Za-z]\w{0,40}): (?:z\b|text\(|multilineText\(|idField\(|between\()/gm)) names.add(match[1]!)
		for (const match of source.matchAll(/fields\.([A-Za-z]\w{0,40})/g)) names.add(match[1]!)
		for (const match of source.matchAll(/'([a-z][a-z0-9_.-]{0,30})'/g)) literals.add(match[1]!)
	}
	return { names: [...names], literals: [...literals] }
}

// ---------------------------------------------------------------------------------------------
// Values

const ADVERSARIAL = [
	'\0',
	'a\0b',
	'\u0001\u0007\u001b[31m\u007f',
	'\ud800',
	'x\udfffy',
	'\u202egpj.exe',
	'\u2066isolate\u2069',
	'<script>alert(1)</script>',
	'"><img src=x onerror=alert(1)>',
	"' OR '1'='1' --",
	'1; DROP TABLE "User"; --',
	'%00',
	'../../etc/passwd',
	'//evil.example',
	'/\\evil.example',
	'/orders/😀',
	'javascript:alert(1)',
	'-1',
	'-0',
	'0',
	'1e308',
	'-1e308',
	'9007199254740993',
	'99999999999999999999999999',
	'NaN',
	'Infinity',
	'0x10',
	' ',
	'\r\n',
	'{"$ne":null}',
	'[object Object]',
]

const texts = (literals: string[], ids: string[]) =>
	fc.oneof(
		{ weight: 4, arbitrary: fc.constantFrom(...literals) },
		{ weight: 3, arbitrary: fc.constantFrom(...ADVERSARIAL) },
		{ weight: 2, arbitrary: fc.constantFrom(...ids) },
		{ weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
		{ weight: 1, arbitrary: fc.string({ maxLength: 20, unit: 'grapheme' }) },
		{ weight: 1, arbitrary: fc.integer().map(String) },
		{ weight: 1, arbitrary: fc.double().map(String) },
		{ weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((kilobytes) => 'x'.repeat(kilobytes * 1024)) },
		// Past the 64 KB form limit: a 413, not a 500.
		{ weight: 1, arbitrary: fc.constant('y'.repeat(70 * 1024)) },
	)

type Field = { name: string; value: string | { bytes: Uint8Array; fileName: string } }
type Body = { kind: 'urlencoded' | 'multipart' | 'json' | 'text' | 'none' | 'broken-multipart' | 'no-boundary'; fields: Field[] }

function bodies(names: string[], literals: string[], ids: string[]) {
	const value = texts(literals, ids)
	const file = fc.record({ bytes: fc.uint8Array({ maxLength: 2048 }), fileName: fc.oneof(fc.constantFrom('a.png', 'x.jpg', '../../x.png', 'a;b=c.png', ''), fc.constantFrom(...ADVERSARIAL)) })
	// Repeating a name sends an array where the route expects one value.
	const field = fc.record({ name: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...ADVERSARIAL, 'a[]', '__proto__') }), value: fc.oneof({ weight: 8, arbitrary: value }, { weight: 1, arbitrary: file }) })
	return fc.record({
		kind: fc.oneof(
			{ weight: 8, arbitrary: fc.constant('urlencoded' as const) },
			{ weight: 3, arbitrary: fc.constant('multipart' as const) },
			{ weight: 1, arbitrary: fc.constantFrom('json', 'text', 'none', 'broken-multipart', 'no-boundary') },
		),
		fields: fc.array(field, { maxLength: 12 }),
	}) as fc.Arbitrary<Body>
}

async function encode(body: Body): Promise<{ body: BodyInit | null; type: string | null }> {
	const strings = body.fields.map(({ name, value }) => [name, typeof value === 'string' ? value : new TextDecoder().decode(value.bytes)] as [string, string])
	switch (body.kind) {
		case 'urlencoded':
			return { body: new URLSearchParams(strings).toString(), type: 'application/x-www-form-urlencoded' }
		case 'multipart': {
			const form = new FormData()
			for (const { name, value } of body.fields) {
				if (typeof value === 'string') form.append(name, value)
				else form.append(name, new Blob([new Uint8Array(value.bytes)]), value.fileName)
			}
			// Serialised first: undici's own FormData stream rejects unhandled when the reader stops early.
			const serialised = new Response(form)
			return { body: await serialised.arrayBuffer(), type: serialised.headers.get('content-type') }
		}
		case 'json':
			return { body: JSON.stringify(Object.fromEntries(strings)), type: 'application/json' }
		case 'text':
			return { body: strings.map(([name, value]) => `${name}=${value}`).join('\n'), type: 'text/plain;charset=UTF-8' }
		case 'none':
			return { body: null, type: null }
		case 'broken-multipart':
			return { body: `--b\r\nContent-Disposition: form-data; name="${strings[0]?.[0] ?? 'intent'}"\r\n\r\n${strings[0]?.[1] ?? ''}`, type: 'multipart/form-data; boundary=b' }
		case 'no-boundary':
			return { body: 'intent=x', type: 'multipart/form-data' }
	}
}

function summary(body: Body) {
	return JSON.stringify({ kind: body.kind, fields: body.fields.map(({ name, value }) => [name, typeof value === 'string' ? (value.length > 60 ? `${value.slice(0, 60)}…(${value.length})` : value) : `<file ${value.fileName} ${value.bytes.length} B>`]) })
}

// ---------------------------------------------------------------------------------------------
// Who asks, and what they own

type Persona = 'anonymous' | 'challenger' | 'customer' | 'support' | 'dpo' | 'admin'
const PERSONAS: Persona[] = ['anonymous', 'challenger', 'customer', 'support', 'dpo', 'admin']

const WIZARD_STATES: Array<{ status: OrderStatus; wizardStep: number }> = [
	{ status: 'draft', wizardStep: 1 },
	{ status: 'draft', wizardStep: 2 },
	{ status: 'draft', wizardStep: 3 },
	{ status: 'draft', wizardStep: 4 },
	{ status: 'draft', wizardStep: 5 },
	{ status: 'awaiting_payment', wizardStep: 5 },
	{ status: 'queued', wizardStep: 5 },
	{ status: 'completed', wizardStep: 5 },
	{ status: 'canceled', wizardStep: 5 },
]

type World = { db: Database; users: Record<Exclude<Persona, 'anonymous' | 'challenger'>, TestUser>; orders: string[]; payments: string[]; ids: string[] }

async function buildWorld(db: Database): Promise<World> {
	const users = {
		customer: await createUser(db, 'customer'),
		support: await createUser(db, 'support'),
		dpo: await createUser(db, 'dpo'),
		admin: await createUser(db, 'admin'),
	}
	const orders: string[] = []
	for (const state of WIZARD_STATES) {
		const order = await db.prisma.order.create({
			data: {
				customerId: users.customer.id,
				baseModel: 'sdxl',
				conceptType: 'style',
				conceptDescription: `Fuzzed order (${state.status}, step ${state.wizardStep})`,
				triggerWords: ['fuzz'],
				...state,
				...(state.wizardStep >= 5 ? { attestedAt: new Date(), priceCoins: 400 } : {}),
			},
			select: { id: true },
		})
		orders.push(order.id)
	}
	const payment = await db.prisma.payment.create({
		data: { userId: users.customer.id, purpose: 'coins', mode: 'test', coins: 1000, amountSubtotal: 1000, amountTotal: 1000, currency: 'eur' },
		select: { id: true },
	})
	return { db, users, orders, payments: [payment.id], ids: [...orders, payment.id, ...Object.values(users).map((user) => user.id)] }
}

/** A fresh browser for each request: actions that sign out must not disarm the next run. */
async function cookieFor(world: World, persona: Persona) {
	if (persona === 'anonymous') return undefined
	if (persona === 'challenger') {
		// Mid sign-in: verified e-mail, no account yet (the code and sign-up pages act for them).
		const challenge = await world.db.prisma.loginChallenge.create({
			data: { email: `fuzz-${Date.now()}-${Math.random()}@people.test`, tokenHash: keyedHash('login-token', `${Math.random()}`), codeHash: keyedHash('login-code', '000000'), expiresAt: new Date(Date.now() + 600_000), verifiedAt: new Date() },
			select: { id: true },
		})
		return applySetCookies('', new Headers({ 'Set-Cookie': await setLoginChallengeCookie(challenge.id) }))
	}
	return (await signIn(world.db, world.users[persona], { reverified: persona !== 'customer' })).cookie
}

async function rowCounts(db: Database) {
	const tables = await db.prisma.$queryRawUnsafe<Array<{ name: string }>>(
		`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
	)
	const union = tables.map(({ name }) => `SELECT '${name.replace(/'/g, "''")}' AS name, count(*)::int AS rows FROM "${name.replace(/"/g, '""')}"`).join(' UNION ALL ')
	const rows = await db.prisma.$queryRawUnsafe<Array<{ name: string; rows: number }>>(union)
	return Object.fromEntries(rows.filter(({ name }) => !COUNTED_ON_REFUSAL.has(name)).map(({ name, rows: count }) => [name, Number(count)]))
}

// ---------------------------------------------------------------------------------------------
// Calling a route and judging the answer

type Answer = { status: number; message: string }

/** Strings under keys that carry a message to the person: error(s), message, detail, formError. */
function messagesIn(value: unknown, key = ''): string[] {
	if (typeof value === 'string') return /error|message|detail/i.test(key) && value.trim() ? [value] : []
	if (Array.isArray(value)) return value.flatMap((item) => messagesIn(item, key))
	if (value && typeof value === 'object') return Object.entries(value).flatMap(([name, item]) => messagesIn(item, /error|message|detail/i.test(key) ? key : name))
	return []
}

async function call(handler: Handler, request: Request, params: Record<string, string>): Promise<Answer> {
	let value: unknown
	try {
		value = await handler(routeArgs(request, params))
	} catch (thrown) {
		if (!(thrown instanceof Response)) throw thrown
		value = thrown
	}
	if (value instanceof Response) return { status: value.status, message: await value.text() }
	if (value && typeof value === 'object' && (value as { type?: string }).type === 'DataWithResponseInit') {
		const { data, init } = value as { data: unknown; init: ResponseInit | null }
		return { status: init?.status ?? 200, message: messagesIn(data).join(' | ') }
	}
	return { status: 200, message: messagesIn(value).join(' | ') }
}

function paramNames(id: string) {
	return [...id.matchAll(/\$(\w+)/g)].map((match) => match[1]!)
}

function paramValue(world: World, name: string) {
	const known = name === 'orderId' ? world.orders : name === 'paymentId' ? world.payments : name === 'imageId' ? ['upload'] : name === 'kind' ? ['privacy', 'terms', 'cookies'] : name === 'version' ? ['1.0', '1.1'] : []
	return fc.oneof({ weight: 3, arbitrary: known.length ? fc.constantFrom(...known) : fc.constantFrom(...world.ids) }, { weight: 1, arbitrary: fc.constantFrom(...ADVERSARIAL) }, { weight: 1, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) })
}

/** Lone surrogates as a browser sends them: U+FFFD (the route still gets the raw value as its param). */
function wellFormed(value: string) {
	return Buffer.from(value, 'utf8').toString('utf8')
}

/** /orders/$orderId_/images → /orders/<id>/images, each segment percent-encoded as a browser would. */
function urlFor(id: string, params: Record<string, string>, query: Array<[string, string]>) {
	const segments = id === '_index' ? [] : id.split('.').filter((segment) => segment !== '_index')
	const pathname = segments.map((segment) => (segment.startsWith('$') ? encodeURIComponent(wellFormed(params[segment.replace(/^\$|_$/g, '')] ?? '')) : segment.replace(/_$/, ''))).join('/')
	const search = new URLSearchParams(query).toString()
	return `${TEST_ORIGIN}/${pathname}${search ? `?${search}` : ''}`
}

function requestFor(method: 'GET' | 'POST', url: string, cookie: string | undefined, encoded?: { body: BodyInit | null; type: string | null }) {
	const headers = new Headers({ origin: TEST_ORIGIN, 'user-agent': 'fuzz' })
	if (cookie) headers.set('cookie', cookie)
	if (encoded?.type) headers.set('content-type', encoded.type)
	return new Request(url, { method, headers, body: method === 'POST' ? encoded?.body ?? null : null })
}

async function checkAnswer(world: World, description: string, run: () => Promise<Answer>) {
	const before = await rowCounts(world.db)
	let answer: Answer
	try {
		answer = await run()
	} catch (error) {
		throw new Error(`${description}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error })
	}
	expect(answer.status, `${description}: ${answer.message.slice(0, 300)}`).toBeLessThan(500)
	if (answer.status >= 400) {
		expect(answer.message.trim(), `${description}: a ${answer.status} without a message`).not.toBe('')
		expect(await rowCounts(world.db), `${description}: a ${answer.status} wrote rows`).toEqual(before)
	}
}

// ---------------------------------------------------------------------------------------------

let world: World
let database: Database

beforeAll(async () => {
	database = await createTestDatabase()
	setDatabase(database)
	world = await buildWorld(database)
})
afterAll(async () => {
	setDatabase(undefined)
	await database.close()
})

describe(`fuzzing every route (FUZZ_SEED=${SEED}, ${ACTION_RUNS} runs per action)`, () => {
	test('routes were discovered', () => {
		expect(routes.filter((route) => route.module.action).length).toBeGreaterThan(20)
	})

	routes.forEach((route, index) => {
		const { names, literals } = discover(route.file)
		const paramArbitrary = () => fc.record(Object.fromEntries(paramNames(route.id).map((name) => [name.replace(/_$/, ''), paramValue(world, name.replace(/_$/, ''))])))
		const query = fc.array(fc.tuple(fc.constantFrom(...names), texts(literals, ['x'])), { maxLength: 4 })

		if (route.module.loader)
			test(`GET ${route.id}`, async () => {
				await fc.assert(
					fc.asyncProperty(fc.constantFrom(...PERSONAS), paramArbitrary(), query, async (persona, routeParams, search) => {
						const url = urlFor(route.id, routeParams, search)
						const cookie = await cookieFor(world, persona)
						await checkAnswer(world, `GET ${url} as ${persona}`, () => call(route.module.loader!, requestFor('GET', url, cookie), routeParams))
					}),
					{ numRuns: LOADER_RUNS, seed: SEED + index },
				)
			})

		if (route.module.action && route.id !== 'webhooks.stripe')
			test(`POST ${route.id}`, async () => {
				await fc.assert(
					fc.asyncProperty(fc.constantFrom(...PERSONAS), paramArbitrary(), query, bodies(names, literals, world.ids), async (persona, routeParams, search, body) => {
						const url = urlFor(route.id, routeParams, search)
						const cookie = await cookieFor(world, persona)
						const encoded = await encode(body)
						await checkAnswer(world, `POST ${url} as ${persona} with ${summary(body)}`, () => call(route.module.action!, requestFor('POST', url, cookie, encoded), routeParams))
					}),
					{ numRuns: ACTION_RUNS, seed: SEED + index },
				)
			})
	})
})

describe('the Stripe webhook, signed and unsigned', () => {
	const stripe = useStripeMode()

	const TYPES = ['checkout.session.completed', 'checkout.session.expired', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'charge.refunded', 'charge.dispute.created', 'charge.dispute.closed', 'customer.created']
	const json = fc.jsonValue({ maxDepth: 3 })
	const eventLike = (paymentIds: string[]) => fc.record(
		{
			id: fc.oneof(fc.constant('evt_fuzz'), fc.constantFrom(...ADVERSARIAL), fc.string({ maxLength: 20 })),
			type: fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 20 })),
			created: fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), fc.constantFrom(1e16, -1, 0, 1.5, Number.MAX_SAFE_INTEGER), fc.integer()),
			data: fc.oneof(
				json,
				fc.record({
					object: fc.oneof(
						json,
						fc.record(
							{
								id: fc.oneof(fc.constant('cs_fuzz'), fc.constantFrom(...ADVERSARIAL)),
								mode: fc.constantFrom('payment', 'setup', 'x'),
								payment_status: fc.constantFrom('paid', 'unpaid'),
								metadata: fc.dictionary(fc.constantFrom('paymentId', 'refundId'), fc.oneof(fc.constantFrom(...paymentIds, 'pay_unknown'), fc.constantFrom(...ADVERSARIAL))),
								payment_intent: fc.oneof(fc.constant('pi_fuzz'), fc.constant(null), json),
								amount_total: fc.oneof(fc.integer(), fc.double(), fc.constant(1e12)),
								amount: fc.oneof(fc.integer(), fc.constant(-1)),
								amount_refunded: fc.integer(),
								currency: fc.constantFrom('eur', 'EUR', '€', ''),
								reason: fc.constantFrom(...ADVERSARIAL, 'fraudulent'),
								status: fc.constantFrom('won', 'lost', '\0'),
							},
							{ requiredKeys: [] },
						),
					),
				}),
			),
		},
		{ requiredKeys: [] },
	)

	test('POST webhooks.stripe: random bodies, random signatures, and validly signed events of any shape', async () => {
		const webhook = routes.find((route) => route.id === 'webhooks.stripe')!
		const client = new Stripe(stripe.secretKey)
		await fc.assert(
			fc.asyncProperty(fc.oneof(eventLike(world.payments), json, fc.constantFrom('[]', 'null', '', '{', '\0')), fc.constantFrom('valid', 'none', 'garbage', 'old'), async (payloadValue, signature) => {
				const payload = typeof payloadValue === 'string' ? payloadValue : JSON.stringify(payloadValue)
				const headers = new Headers({ 'content-type': 'application/json' })
				const timestamp = Math.floor(Date.now() / 1000) - (signature === 'old' ? 3600 : 0)
				if (signature === 'valid' || signature === 'old') headers.set('stripe-signature', client.webhooks.generateTestHeaderString({ payload, secret: stripe.webhookSecret, timestamp }))
				if (signature === 'garbage') headers.set('stripe-signature', 't=abc,v1=\u00ff,v0=')
				const request = new Request(`${TEST_ORIGIN}/webhooks/stripe`, { method: 'POST', body: payload, headers })
				await checkAnswer(world, `POST /webhooks/stripe (${signature} signature) with ${payload.slice(0, 300)}`, () => call(webhook.module.action!, request, {}))
			}),
			{ numRuns: ACTION_RUNS * 4, seed: SEED },
		)
	})
})
