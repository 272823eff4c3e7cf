import { createHmac, randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { lateBound } from './late-bound.ts'

// An in-memory Stripe on a random local port, spoken to by the real `stripe` client over its
// real wire format. The test controls stand in for what a customer does on the hosted Checkout
// page and for what Stripe does on its own (disputes, expiry); every event is kept for delivery.

const HOST = '127.0.0.1'
const SECRET_KEY = 'sk_test_lorica_fake'
const WEBHOOK_URL = 'http://lorica.test/webhooks/stripe'
const API_VERSION: string = Stripe.API_VERSION
const SESSION_LIFETIME = 24 * 60 * 60
// The app derives expires_at from its own clock a moment before the request arrives.
const CLOCK_SLACK = 60
const VAT_BASIS_POINTS: Record<string, number> = { DE: 1900, FR: 2000, NL: 2100, IE: 2300, AT: 2000 }
const MINIMUM_CHARGE: Record<string, number> = { eur: 50, usd: 50, gbp: 30, chf: 50 }
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

type Param = string | Param[] | Params
type Params = { [key: string]: Param }
type Json = Record<string, unknown>
type Obj = Json & { id: string; object: string }
type Metadata = Record<string, string>

type Customer = Obj & { email: string | null }
type Session = Obj & {
	mode: 'payment' | 'setup'
	status: 'open' | 'complete' | 'expired'
	currency: string | null
	customer: string | null
	customer_email: string | null
	amount_total: number | null
	payment_intent: string | null
}
type Intent = Obj & {
	amount: number
	currency: string
	customer: string | null
	metadata: Metadata
	status: string
	latest_charge: string | null
}
type Charge = Obj & {
	amount: number
	amount_refunded: number
	currency: string
	customer: string | null
	payment_intent: string
	metadata: Metadata
	status: 'succeeded' | 'failed'
	disputed: boolean
}
type Method = Obj & { customer: string | null; billing_details: Json }
type Dispute = Obj & { charge: string; status: string }
type Refund = Obj & { charge: string }

type TaxBehavior = 'inclusive' | 'exclusive' | 'unspecified'
type LineItem = {
	id: string
	price: string
	product: string
	description: string
	currency: string
	unitAmount: number
	quantity: number
	taxBehavior: TaxBehavior
}
/** What a session was created with that Stripe keeps to itself until the session completes. */
type CheckoutPlan = {
	lineItems: LineItem[]
	automaticTax: boolean
	intentMetadata: Metadata
	setupFutureUsage: 'on_session' | 'off_session' | null
	setupMetadata: Metadata
	country: string | null
}

type Recorded = { method: string; path: string; body: Record<string, unknown> }
type Saved = { method: string; path: string; raw: string; status: number; body: string }
type World = {
	baseUrl: string
	objects: Map<string, Obj>
	plans: Map<string, CheckoutPlan>
	decliningMethods: Set<string>
	events: Stripe.Event[]
	requests: Recorded[]
	idempotent: Map<string, Saved>
	activeRequest: { id: string; idempotencyKey: string | null } | null
}

export type CompleteOptions = {
	billingCountry?: string
	paymentMethod?: 'succeeds' | 'declines_off_session'
	email?: string
}
export type SignOptions = { timestamp?: number; secret?: string }
export type WebhookTarget = string | ((request: Request) => Promise<Response>)

export type FakeStripe = {
	url: string
	host: string
	port: number
	protocol: 'http'
	secretKey: string
	webhookSecret: string
	client(): Stripe
	requests: Recorded[]
	events: Stripe.Event[]
	completeCheckoutSession(id: string, options?: CompleteOptions): Stripe.Event[]
	expireCheckoutSession(id: string): Stripe.Event
	failCheckoutPayment(id: string): Stripe.Event
	createDispute(paymentIntentId: string, reason?: string): Stripe.Event
	closeDispute(disputeId: string, status: 'won' | 'lost'): Stripe.Event
	signPayload(payload: string, options?: SignOptions): string
	deliver(event: Stripe.Event, target: WebhookTarget, options?: SignOptions & { signature?: string }): Promise<Response>
	close(): Promise<void>
}

export async function startStripeServer(): Promise<FakeStripe> {
	const world: World = {
		baseUrl: '',
		objects: new Map(),
		plans: new Map(),
		decliningMethods: new Set(),
		events: [],
		requests: [],
		idempotent: new Map(),
		activeRequest: null,
	}
	const server = http.createServer((request, response) => void serve(world, request, response))
	await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
	const { port } = server.address() as AddressInfo
	world.baseUrl = `http://${HOST}:${port}`
	const webhookSecret = newId('whsec_', 32)
	const signPayload = (payload: string, options: SignOptions = {}) =>
		sign(payload, options.timestamp ?? now(), options.secret ?? webhookSecret)
	return {
		url: world.baseUrl,
		host: HOST,
		port,
		protocol: 'http',
		secretKey: SECRET_KEY,
		webhookSecret,
		client: () => new Stripe(SECRET_KEY, { host: HOST, port, protocol: 'http', maxNetworkRetries: 0 }),
		requests: world.requests,
		events: world.events,
		completeCheckoutSession: (id, options) => completeCheckoutSession(world, id, options),
		expireCheckoutSession: (id) => expireSession(world, openSession(world, id)),
		failCheckoutPayment: (id) => failCheckoutPayment(world, id),
		createDispute: (paymentIntentId, reason) => createDispute(world, paymentIntentId, reason),
		closeDispute: (disputeId, status) => closeDispute(world, disputeId, status),
		signPayload,
		deliver: (event, target, options = {}) =>
			deliver(event, target, (payload) => options.signature ?? signPayload(payload, options)),
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()))
				// The client keeps its sockets alive; close() would otherwise wait for them to time out.
				server.closeAllConnections()
			}),
	}
}

// ---------------------------------------------------------------------------------------------
// Webhooks

function sign(payload: string, timestamp: number, secret: string) {
	const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')
	return `t=${timestamp},v1=${signature}`
}

async function deliver(event: Stripe.Event, target: WebhookTarget, signature: (payload: string) => string) {
	const payload = JSON.stringify(event, null, 2)
	const init = {
		method: 'POST',
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Stripe-Signature': signature(payload),
			'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
		},
		body: payload,
	}
	if (typeof target === 'string') return fetch(target, init)
	return target(new Request(WEBHOOK_URL, init))
}

function emit(world: World, type: string, object: Json): Stripe.Event {
	const event = {
		id: newId('evt_'),
		object: 'event',
		api_version: API_VERSION,
		created: now(),
		data: { object: structuredClone(object) },
		livemode: false,
		pending_webhooks: 1,
		request: { id: world.activeRequest?.id ?? null, idempotency_key: world.activeRequest?.idempotencyKey ?? null },
		type,
	}
	world.objects.set(event.id, event)
	world.events.push(event as unknown as Stripe.Event)
	return event as unknown as Stripe.Event
}

// ---------------------------------------------------------------------------------------------
// HTTP

type Call = { method: string; path: string; params: Params; raw: string; key: string | null; requestId: string }
type Reply = { status: number; body: string; saved: boolean; replayed?: boolean }

async function serve(world: World, request: IncomingMessage, response: ServerResponse) {
	try {
		const raw = await readBody(request)
		const url = new URL(request.url ?? '/', world.baseUrl)
		const method = request.method ?? 'GET'
		const params = decodeForm(method === 'POST' ? raw : url.search.slice(1))
		world.requests.push({ method, path: url.pathname, body: params })
		if (method === 'GET' && url.pathname.startsWith('/pay/')) return checkoutPage(world, url.pathname.slice(5), response)
		const key = method === 'POST' ? (header(request, 'idempotency-key') ?? null) : null
		const call = { method, path: url.pathname, params, raw, key, requestId: newId('req_', 14) }
		const reply = answer(world, call, header(request, 'authorization'))
		response.writeHead(reply.status, {
			'Content-Type': 'application/json',
			'Request-Id': call.requestId,
			'Stripe-Version': header(request, 'stripe-version') ?? API_VERSION,
			...(key ? { 'Idempotency-Key': key } : {}),
			...(reply.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
		})
		response.end(reply.body)
	} catch (error) {
		response.writeHead(500, { 'Content-Type': 'application/json' })
		response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }))
	}
}

function answer(world: World, call: Call, authorization: string | undefined): Reply {
	const refusal = authenticate(authorization)
	if (refusal) return failure(refusal)
	const saved = call.key ? world.idempotent.get(call.key) : undefined
	if (saved) return replay(saved, call)
	const reply = execute(world, call)
	if (call.key && reply.saved) world.idempotent.set(call.key, { ...call, status: reply.status, body: reply.body })
	return reply
}

function replay(saved: Saved, call: Call): Reply {
	if (saved.method === call.method && saved.path === call.path && saved.raw === call.raw)
		return { status: saved.status, body: saved.body, saved: true, replayed: true }
	return failure(
		new ApiError(400, {
			type: 'idempotency_error',
			message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${call.key}' if you meant to execute a different request.`,
		}),
	)
}

function execute(world: World, call: Call): Reply {
	world.activeRequest = { id: call.requestId, idempotencyKey: call.key }
	try {
		const result = route(world, call)
		return { status: 200, body: JSON.stringify(result, null, 2), saved: true }
	} catch (error) {
		if (error instanceof ApiError) return failure(error)
		throw error
	} finally {
		world.activeRequest = null
	}
}

function failure(error: ApiError): Reply {
	const docs = error.body.code ? { doc_url: `https://stripe.com/docs/error-codes/${error.body.code}` } : {}
	return { status: error.status, body: JSON.stringify({ error: { ...error.body, ...docs } }, null, 2), saved: error.saved }
}

function authenticate(authorization: string | undefined) {
	if (!authorization)
		return new ApiError(401, {
			type: 'invalid_request_error',
			message:
				"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
		})
	const key = /^Bearer (.+)$/.exec(authorization)?.[1] ?? ''
	if (key === SECRET_KEY) return null
	const redacted = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
	return new ApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${redacted}` })
}

type Handler = (world: World, params: Params, ids: string[]) => Json
const COLLECTIONS: Record<string, string> = {
	customers: 'customer',
	'checkout/sessions': 'checkout.session',
	payment_intents: 'payment_intent',
	charges: 'charge',
	refunds: 'refund',
	setup_intents: 'setup_intent',
	payment_methods: 'payment_method',
	disputes: 'dispute',
	events: 'event',
}
const ROUTES: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
	{ method: 'POST', pattern: /^\/v1\/customers$/, handler: createCustomer },
	{ method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, handler: createCheckoutSession },
	{
		method: 'POST',
		pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
		handler: (world, _params, [id = '']) => expireByApi(world, id),
	},
	{
		method: 'GET',
		pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/,
		handler: (world, _params, [id = '']) => lineItemList(world, find<Session>(world, 'checkout.session', id)),
	},
	{ method: 'POST', pattern: /^\/v1\/payment_intents$/, handler: createPaymentIntent },
	{ method: 'POST', pattern: /^\/v1\/refunds$/, handler: createRefund },
	{
		method: 'GET',
		pattern: new RegExp(`^/v1/(${Object.keys(COLLECTIONS).join('|')})/([^/]+)$`),
		handler: (world, _params, [collection = '', id = '']) => find(world, COLLECTIONS[collection] ?? '', id),
	},
]

function route(world: World, call: Call): Json {
	for (const { method, pattern, handler } of ROUTES) {
		const match = method === call.method ? pattern.exec(call.path) : null
		if (!match) continue
		const ids = match.slice(1).map((part) => decodeURIComponent(part))
		return expand(world, handler(world, call.params, ids), list(call.params, 'expand'))
	}
	throw new ApiError(404, {
		type: 'invalid_request_error',
		message: `Unrecognized request URL (${call.method}: ${call.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
	})
}

function checkoutPage(world: World, id: string, response: ServerResponse) {
	const session = world.objects.get(decodeURIComponent(id))
	const open = session?.object === 'checkout.session' && session.status === 'open'
	response.writeHead(open ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' })
	response.end(open ? `<!doctype html><title>Fake Stripe Checkout</title><h1>Checkout ${session.id}</h1>` : 'Not found')
}

async function readBody(request: IncomingMessage) {
	const chunks: Buffer[] = []
	for await (const chunk of request) chunks.push(chunk as Buffer)
	return Buffer.concat(chunks).toString('utf8')
}

function header(request: IncomingMessage, name: string) {
	const value = request.headers[name]
	return Array.isArray(value) ? value[0] : value
}

// ---------------------------------------------------------------------------------------------
// Form bodies: `line_items[0][price_data][unit_amount]=500` → { line_items: [{ price_data: … }] }

function decodeForm(encoded: string): Params {
	const root: Params = {}
	for (const [key, value] of new URLSearchParams(encoded)) place(root, splitKey(key), value)
	return toArrays(root) as Params
}

function splitKey(key: string) {
	const open = key.indexOf('[')
	if (open <= 0) return [key]
	const parts = Array.from(key.slice(open).matchAll(/\[([^\]]*)\]/g), (match) => match[1] ?? '')
	return [key.slice(0, open), ...parts]
}

function place(target: Params, [head, ...rest]: string[], value: string) {
	if (head === undefined || UNSAFE_KEYS.has(head)) return
	// `expand[]=a&expand[]=b`: an empty index appends.
	const key = head === '' ? String(Object.keys(target).length) : head
	if (rest.length === 0) {
		target[key] = value
		return
	}
	const existing = target[key]
	const child = existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : {}
	target[key] = child
	place(child, rest, value)
}

function toArrays(value: Param, name = ''): Param {
	if (typeof value === 'string' || Array.isArray(value)) return value
	const entries = Object.entries(value).map(([key, child]) => [key, toArrays(child, key)] as const)
	// Metadata keys are the caller's own; `metadata[0]` stays a key.
	const indexed = name !== 'metadata' && entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key))
	if (!indexed) return Object.fromEntries(entries)
	return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, child]) => child)
}

// ---------------------------------------------------------------------------------------------
// Errors and parameter validation

type ErrorBody = { type: string; message: string; code?: string; param?: string; [field: string]: unknown }

class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: ErrorBody,
		// Stripe stores an idempotent result only once the endpoint started executing.
		readonly saved = false,
	) {
		super(body.message)
	}
}

function invalid(message: string, fields: { code?: string; param?: string } = {}) {
	return new ApiError(400, { type: 'invalid_request_error', message, ...fields })
}

function missing(param: string) {
	return invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param })
}

function notFound(object: string, id: string, param = 'id') {
	return new ApiError(404, {
		type: 'invalid_request_error',
		code: 'resource_missing',
		message: `No such ${object}: '${id}'`,
		param,
	})
}

function text(params: Params, key: string, path = key) {
	const value = params[key]
	if (value === undefined || typeof value === 'string') return value
	throw invalid(`Invalid string: ${path}`, { code: 'parameter_invalid_string', param: path })
}

function required(params: Params, key: string, path = key) {
	const value = text(params, key, path)
	if (!value) throw missing(path)
	return value
}

function hash(params: Params, key: string, path = key): Params {
	const value = params[key]
	if (value === undefined || value === '') return {}
	if (typeof value === 'string' || Array.isArray(value))
		throw invalid(`Invalid object: ${path}`, { code: 'parameter_invalid_object', param: path })
	return value
}

function list(params: Params, key: string, path = key): Param[] {
	const value = params[key]
	if (value === undefined || value === '') return []
	if (Array.isArray(value)) return value
	throw invalid(`Invalid array: ${path}`, { code: 'parameter_invalid_array', param: path })
}

function integer(params: Params, key: string, path = key) {
	const value = text(params, key, path)
	if (value === undefined) return undefined
	if (!/^-?\d+$/.test(value)) throw invalid(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param: path })
	return Number(value)
}

function flag(params: Params, key: string, path = key) {
	const value = text(params, key, path)
	if (value === undefined) return undefined
	if (value === 'true' || value === 'false') return value === 'true'
	throw invalid(`Invalid boolean: ${value}`, { param: path })
}

function oneOf<T extends string>(params: Params, key: string, allowed: readonly T[], path = key): T | undefined {
	const value = text(params, key, path)
	if (value === undefined) return undefined
	if ((allowed as readonly string[]).includes(value)) return value as T
	throw invalid(`Invalid ${path}: must be one of ${allowed.join(', ')}`, { param: path })
}

function currency(params: Params, key: string, path = key) {
	const value = required(params, key, path).toLowerCase()
	if (!/^[a-z]{3}$/.test(value)) throw invalid(`Invalid currency: ${value}.`, { param: path })
	return value
}

function metadata(params: Params, key = 'metadata', path = key): Metadata {
	const entries = Object.entries(hash(params, key, path))
	if (entries.length > 50) throw invalid('Invalid metadata: metadata cannot have more than 50 keys', { param: path })
	const result: Metadata = {}
	for (const [name, value] of entries) {
		const where = `${path}[${name}]`
		if (typeof value !== 'string') throw invalid(`Invalid string: ${where}`, { param: where })
		if (name.length > 40) throw invalid(`Metadata keys can have up to 40 characters: ${name}`, { param: where })
		if (value.length > 500)
			throw invalid(`Metadata values can have up to 500 characters, but you passed in a value that is ${value.length} characters.`, {
				param: where,
			})
		// An empty value unsets a key; on create there is nothing to unset.
		if (value !== '') result[name] = value
	}
	return result
}

function checkUrl(value: string, param: string) {
	if (!URL.canParse(value)) throw invalid('Not a valid URL', { code: 'url_invalid', param })
}

function checkMinimum(amount: number, currencyCode: string, param: string, message = 'Amount must be at least') {
	const minimum = MINIMUM_CHARGE[currencyCode] ?? 1
	if (amount < minimum) throw invalid(`${message} ${money(minimum, currencyCode)}`, { code: 'amount_too_small', param })
}

function money(amount: number, currencyCode: string) {
	return `${(amount / 100).toFixed(2)} ${currencyCode}`
}

// ---------------------------------------------------------------------------------------------
// Storage, ids, expansion

function now() {
	return Math.floor(Date.now() / 1000)
}

function newId(prefix: string, length = 24) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
	return prefix + Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('')
}

function store<T extends Obj>(world: World, object: T) {
	world.objects.set(object.id, object)
	return object
}

function find<T extends Obj>(world: World, object: string, id: string, param = 'id'): T {
	const found = world.objects.get(id)
	if (!found || found.object !== object) throw notFound(object, id, param)
	return found as T
}

function planOf(world: World, session: Session) {
	const plan = world.plans.get(session.id)
	if (!plan) throw new Error(`No checkout plan for ${session.id}`)
	return plan
}

function expand(world: World, result: Json, paths: Param[]) {
	const copy = structuredClone(result)
	for (const path of paths) {
		if (typeof path !== 'string') throw invalid('Invalid array: expand', { param: 'expand' })
		expandPath(world, copy, path.split('.'), path)
	}
	return copy
}

function expandPath(world: World, target: Json, [field, ...rest]: string[], path: string) {
	if (field === undefined) return
	if (field === 'line_items' && target.object === 'checkout.session') {
		target.line_items = lineItemList(world, find<Session>(world, 'checkout.session', String(target.id)))
		return
	}
	const value = target[field]
	if (value === null) return
	const found = typeof value === 'string' ? world.objects.get(value) : undefined
	if (found) target[field] = structuredClone(found)
	const next = target[field]
	if (!next || typeof next !== 'object' || (typeof value === 'string' && !found))
		throw invalid(`This property cannot be expanded (${path}).`, { param: 'expand' })
	expandPath(world, next as Json, rest, path)
}

// ---------------------------------------------------------------------------------------------
// Customers

function createCustomer(world: World, params: Params): Customer {
	const email = text(params, 'email') || null
	if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid(`Invalid email address: ${email}`, { code: 'email_invalid', param: 'email' })
	return store<Customer>(world, {
		id: newId('cus_', 14),
		object: 'customer',
		address: null,
		balance: 0,
		created: now(),
		currency: null,
		default_source: null,
		delinquent: false,
		description: text(params, 'description') || null,
		discount: null,
		email,
		invoice_prefix: newId('', 8).toUpperCase(),
		invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
		livemode: false,
		metadata: metadata(params),
		name: text(params, 'name') || null,
		next_invoice_sequence: 1,
		phone: text(params, 'phone') || null,
		preferred_locales: list(params, 'preferred_locales'),
		shipping: null,
		tax_exempt: 'none',
		test_clock: null,
	})
}

// ---------------------------------------------------------------------------------------------
// Checkout Sessions

function createCheckoutSession(world: World, params: Params): Session {
	const mode = oneOf(params, 'mode', ['payment', 'setup', 'subscription'] as const)
	if (!mode) throw missing('mode')
	if (mode === 'subscription') throw invalid('This fake Stripe does not implement subscription mode.', { param: 'mode' })
	const successUrl = required(params, 'success_url')
	checkUrl(successUrl, 'success_url')
	const cancelUrl = text(params, 'cancel_url') || null
	if (cancelUrl) checkUrl(cancelUrl, 'cancel_url')
	const customerId = text(params, 'customer') || null
	if (customerId) find(world, 'customer', customerId, 'customer')
	const clientReferenceId = text(params, 'client_reference_id') || null
	if (clientReferenceId && clientReferenceId.length > 200)
		throw invalid('client_reference_id must be at most 200 characters.', { param: 'client_reference_id' })
	const automaticTax = automaticTaxParam(params)
	const plan = mode === 'payment' ? paymentPlan(params, automaticTax) : setupPlan(params, automaticTax)
	const created = now()
	const expiresAt = expiry(params, created)
	const sessionCurrency = plan.lineItems[0]?.currency ?? setupCurrency(params)
	const amounts = mode === 'payment' ? totals(plan) : null
	if (amounts && sessionCurrency)
		checkMinimum(amounts.total, sessionCurrency, 'line_items', "The Checkout Session's total amount due must add up to at least")
	const id = newId('cs_test_a1', 48)
	const session = store<Session>(world, {
		id,
		object: 'checkout.session',
		after_expiration: null,
		allow_promotion_codes: null,
		amount_subtotal: amounts?.subtotal ?? null,
		amount_total: amounts?.total ?? null,
		automatic_tax: {
			enabled: automaticTax,
			liability: automaticTax ? { type: 'self' } : null,
			provider: automaticTax ? 'stripe' : null,
			status: automaticTax ? 'requires_location_inputs' : null,
		},
		billing_address_collection: oneOf(params, 'billing_address_collection', ['auto', 'required'] as const) ?? null,
		cancel_url: cancelUrl,
		client_reference_id: clientReferenceId,
		client_secret: null,
		consent: null,
		consent_collection: null,
		created,
		currency: sessionCurrency,
		custom_fields: [],
		custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
		customer: customerId,
		customer_creation: customerId ? null : 'if_required',
		customer_details: null,
		customer_email: text(params, 'customer_email') || null,
		expires_at: expiresAt,
		invoice: null,
		invoice_creation: null,
		livemode: false,
		locale: text(params, 'locale') || null,
		metadata: metadata(params),
		mode,
		payment_intent: null,
		payment_link: null,
		payment_method_collection: 'always',
		payment_method_types: ['card'],
		payment_status: mode === 'payment' ? 'unpaid' : 'no_payment_required',
		phone_number_collection: { enabled: false },
		recovered_from: null,
		setup_intent: null,
		shipping_address_collection: null,
		shipping_cost: null,
		shipping_options: [],
		status: 'open',
		submit_type: null,
		subscription: null,
		success_url: successUrl,
		total_details: amounts ? { amount_discount: 0, amount_shipping: 0, amount_tax: amounts.tax } : null,
		ui_mode: 'hosted',
		url: `${world.baseUrl}/pay/${id}`,
	})
	world.plans.set(id, plan)
	return session
}

// Setup mode needs a currency to pick payment methods unless the caller lists them itself.
function setupCurrency(params: Params) {
	if (params.currency === undefined && params.payment_method_types !== undefined) return null
	return currency(params, 'currency')
}

function automaticTaxParam(params: Params) {
	if (params.automatic_tax === undefined) return false
	const enabled = flag(hash(params, 'automatic_tax'), 'enabled', 'automatic_tax[enabled]')
	if (enabled === undefined) throw missing('automatic_tax[enabled]')
	return enabled
}

function expiry(params: Params, created: number) {
	const expiresAt = integer(params, 'expires_at') ?? created + SESSION_LIFETIME
	const earliest = created + 30 * 60 - CLOCK_SLACK
	const latest = created + SESSION_LIFETIME + CLOCK_SLACK
	if (expiresAt < earliest || expiresAt > latest)
		throw invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', {
			param: 'expires_at',
		})
	return expiresAt
}

function paymentPlan(params: Params, automaticTax: boolean): CheckoutPlan {
	if (params.setup_intent_data !== undefined)
		throw invalid('You can only pass in `setup_intent_data` in `setup` mode.', { param: 'setup_intent_data' })
	const items = list(params, 'line_items')
	if (items.length === 0) throw invalid('`line_items` is required in `payment` mode.', { code: 'parameter_missing', param: 'line_items' })
	const lineItems = items.map((item, index) => lineItem(item, `line_items[${index}]`))
	if (new Set(lineItems.map((line) => line.currency)).size > 1)
		throw invalid('All line items must use the same currency.', { param: 'line_items' })
	const intentData = hash(params, 'payment_intent_data')
	const setupFutureUsage = oneOf(
		intentData,
		'setup_future_usage',
		['on_session', 'off_session'] as const,
		'payment_intent_data[setup_future_usage]',
	)
	return {
		lineItems,
		automaticTax,
		intentMetadata: metadata(intentData, 'metadata', 'payment_intent_data[metadata]'),
		setupFutureUsage: setupFutureUsage ?? null,
		setupMetadata: {},
		country: null,
	}
}

function setupPlan(params: Params, automaticTax: boolean): CheckoutPlan {
	if (params.line_items !== undefined) throw invalid('You cannot pass `line_items` in `setup` mode.', { param: 'line_items' })
	if (params.payment_intent_data !== undefined)
		throw invalid('You can only pass in `payment_intent_data` in `payment` mode.', { param: 'payment_intent_data' })
	if (automaticTax) throw invalid('Automatic tax is not supported in `setup` mode.', { param: 'automatic_tax[enabled]' })
	const setupData = hash(params, 'setup_intent_data')
	return {
		lineItems: [],
		automaticTax: false,
		intentMetadata: {},
		setupFutureUsage: null,
		setupMetadata: metadata(setupData, 'metadata', 'setup_intent_data[metadata]'),
		country: null,
	}
}

function lineItem(item: Param, path: string): LineItem {
	if (typeof item === 'string' || Array.isArray(item)) throw invalid(`Invalid object: ${path}`, { param: path })
	const price = text(item, 'price', `${path}[price]`)
	if (price) throw notFound('price', price, `${path}[price]`)
	if (item.price_data === undefined)
		throw invalid(`You must specify either \`price\` or \`price_data\` in ${path}.`, { code: 'parameter_missing', param: path })
	const data = hash(item, 'price_data', `${path}[price_data]`)
	const where = `${path}[price_data]`
	const unitAmount = integer(data, 'unit_amount', `${where}[unit_amount]`)
	if (unitAmount === undefined) throw missing(`${where}[unit_amount]`)
	if (unitAmount < 0) throw invalid('This value must be greater than or equal to 0.', { param: `${where}[unit_amount]` })
	const product = text(data, 'product', `${where}[product]`)
	if (product) throw notFound('product', product, `${where}[product]`)
	if (data.product_data === undefined) throw missing(`${where}[product_data]`)
	const name = required(hash(data, 'product_data', `${where}[product_data]`), 'name', `${where}[product_data][name]`)
	const quantity = integer(item, 'quantity', `${path}[quantity]`)
	if (quantity === undefined)
		throw invalid(`Quantity is required. Add \`quantity\` to \`${path}\``, { code: 'parameter_missing', param: `${path}[quantity]` })
	if (quantity < 1) throw invalid('This value must be greater than or equal to 1.', { param: `${path}[quantity]` })
	return {
		id: newId('li_'),
		price: newId('price_'),
		product: newId('prod_', 14),
		description: name,
		currency: currency(data, 'currency', `${where}[currency]`),
		unitAmount,
		quantity,
		taxBehavior: oneOf(data, 'tax_behavior', ['inclusive', 'exclusive', 'unspecified'] as const, `${where}[tax_behavior]`) ?? 'unspecified',
	}
}

/** Per line, like Stripe Tax; the billing country is only known once the customer has entered it. */
function lineAmounts(line: LineItem, plan: CheckoutPlan) {
	const subtotal = line.unitAmount * line.quantity
	const rate = plan.automaticTax && plan.country ? (VAT_BASIS_POINTS[plan.country] ?? 0) : 0
	// `unspecified` follows the account's default, which for an EU seller is tax-inclusive.
	if (line.taxBehavior !== 'exclusive') {
		const tax = subtotal - divideHalfUp(subtotal * 10_000, 10_000 + rate)
		return { subtotal, tax, total: subtotal }
	}
	const tax = divideHalfUp(subtotal * rate, 10_000)
	return { subtotal, tax, total: subtotal + tax }
}

function totals(plan: CheckoutPlan) {
	const lines = plan.lineItems.map((line) => lineAmounts(line, plan))
	const sum = (field: 'subtotal' | 'tax' | 'total') => lines.reduce((total, line) => total + line[field], 0)
	return { subtotal: sum('subtotal'), tax: sum('tax'), total: sum('total') }
}

function divideHalfUp(numerator: number, denominator: number) {
	return Math.floor((2 * numerator + denominator) / (2 * denominator))
}

function lineItemList(world: World, session: Session): Json {
	const plan = planOf(world, session)
	const data = plan.lineItems.map((line) => {
		const amounts = lineAmounts(line, plan)
		return {
			id: line.id,
			object: 'item',
			amount_discount: 0,
			amount_subtotal: amounts.subtotal,
			amount_tax: amounts.tax,
			amount_total: amounts.total,
			currency: line.currency,
			description: line.description,
			price: {
				id: line.price,
				object: 'price',
				active: false,
				billing_scheme: 'per_unit',
				created: session.created,
				currency: line.currency,
				livemode: false,
				metadata: {},
				product: line.product,
				recurring: null,
				tax_behavior: line.taxBehavior,
				type: 'one_time',
				unit_amount: line.unitAmount,
				unit_amount_decimal: String(line.unitAmount),
			},
			quantity: line.quantity,
		}
	})
	return { object: 'list', data, has_more: false, url: `/v1/checkout/sessions/${session.id}/line_items` }
}

function openSession(world: World, id: string) {
	const session = find<Session>(world, 'checkout.session', id)
	if (session.status !== 'open') throw new Error(`Checkout session ${id} is ${session.status}, not open`)
	return session
}

function expireByApi(world: World, id: string) {
	const session = find<Session>(world, 'checkout.session', id)
	if (session.status !== 'open')
		throw invalid('Only Checkout Sessions with a status in ["open"] can be expired.', { param: 'session' })
	expireSession(world, session)
	return session
}

function expireSession(world: World, session: Session) {
	Object.assign(session, { status: 'expired', url: null })
	return emit(world, 'checkout.session.expired', session)
}

function completeCheckoutSession(world: World, id: string, options: CompleteOptions = {}): Stripe.Event[] {
	const session = openSession(world, id)
	const plan = planOf(world, session)
	plan.country = (options.billingCountry ?? 'DE').toUpperCase()
	const customer = session.customer ? find<Customer>(world, 'customer', session.customer) : null
	const email = options.email ?? customer?.email ?? session.customer_email ?? 'customer@example.com'
	const method = createPaymentMethod(world, plan.country, email, options.paymentMethod === 'declines_off_session')
	const customerDetails = {
		address: { city: null, country: plan.country, line1: null, line2: null, postal_code: null, state: null },
		business_name: null,
		email,
		individual_name: null,
		name: null,
		phone: null,
		tax_exempt: 'none',
		tax_ids: [],
	}
	Object.assign(session, { status: 'complete', customer_details: customerDetails, url: null })
	if (session.mode === 'setup') return completeSetup(world, session, plan, method)
	return completePayment(world, session, plan, method)
}

function completeSetup(world: World, session: Session, plan: CheckoutPlan, method: Method) {
	if (session.customer) method.customer = session.customer
	const setupIntent = store<Obj>(world, {
		id: newId('seti_'),
		object: 'setup_intent',
		application: null,
		automatic_payment_methods: null,
		cancellation_reason: null,
		client_secret: null,
		created: now(),
		customer: session.customer,
		description: null,
		flow_directions: null,
		last_setup_error: null,
		latest_attempt: newId('setatt_'),
		livemode: false,
		mandate: null,
		metadata: plan.setupMetadata,
		next_action: null,
		on_behalf_of: null,
		payment_method: method.id,
		payment_method_configuration_details: null,
		payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
		payment_method_types: ['card'],
		single_use_mandate: null,
		status: 'succeeded',
		usage: 'off_session',
	})
	session.setup_intent = setupIntent.id
	return [emit(world, 'checkout.session.completed', session)]
}

function completePayment(world: World, session: Session, plan: CheckoutPlan, method: Method) {
	if (session.customer && plan.setupFutureUsage) method.customer = session.customer
	const amounts = totals(plan)
	Object.assign(session, {
		amount_subtotal: amounts.subtotal,
		amount_total: amounts.total,
		total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: amounts.tax },
		automatic_tax: { ...(session.automatic_tax as Json), status: plan.automaticTax ? 'complete' : null },
		payment_status: 'paid',
	})
	const intent = sessionIntent(world, session, plan)
	intent.amount = amounts.total
	succeed(world, intent, method)
	session.payment_intent = intent.id
	return [emit(world, 'checkout.session.completed', session), emit(world, 'payment_intent.succeeded', intent)]
}

function failCheckoutPayment(world: World, id: string) {
	const session = openSession(world, id)
	if (session.mode !== 'payment') throw new Error(`Checkout session ${id} is in ${session.mode} mode; nothing to pay`)
	const plan = planOf(world, session)
	const method = createPaymentMethod(world, plan.country ?? 'DE', session.customer_email ?? 'customer@example.com', false)
	const intent = sessionIntent(world, session, plan)
	decline(world, intent, method)
	session.payment_intent = intent.id
	return emit(world, 'payment_intent.payment_failed', intent)
}

/** A failed attempt leaves its PaymentIntent on the session; the next attempt reuses it. */
function sessionIntent(world: World, session: Session, plan: CheckoutPlan) {
	if (session.payment_intent) return find<Intent>(world, 'payment_intent', session.payment_intent)
	return newPaymentIntent(world, {
		amount: session.amount_total ?? 0,
		currency: session.currency ?? 'eur',
		customer: session.customer,
		metadata: plan.intentMetadata,
		setupFutureUsage: plan.setupFutureUsage,
	})
}

// ---------------------------------------------------------------------------------------------
// Payment methods, PaymentIntents, Charges

function createPaymentMethod(world: World, country: string, email: string, declinesOffSession: boolean): Method {
	const method = store<Method>(world, {
		id: newId('pm_'),
		object: 'payment_method',
		allow_redisplay: 'unspecified',
		billing_details: {
			address: { city: null, country, line1: null, line2: null, postal_code: null, state: null },
			email,
			name: null,
			phone: null,
			tax_id: null,
		},
		card: {
			brand: 'visa',
			checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
			country,
			display_brand: 'visa',
			exp_month: 12,
			exp_year: new Date().getFullYear() + 3,
			fingerprint: newId('', 16),
			funding: 'credit',
			// Stripe's test card that attaches fine and is declined when charged later.
			last4: declinesOffSession ? '0341' : '4242',
			networks: { available: ['visa'], preferred: null },
			wallet: null,
		},
		created: now(),
		customer: null,
		livemode: false,
		metadata: {},
		type: 'card',
	})
	if (declinesOffSession) world.decliningMethods.add(method.id)
	return method
}

type IntentFields = {
	amount: number
	currency: string
	customer: string | null
	metadata: Metadata
	setupFutureUsage: string | null
}

function newPaymentIntent(world: World, fields: IntentFields): Intent {
	const id = newId('pi_')
	return store<Intent>(world, {
		id,
		object: 'payment_intent',
		amount: fields.amount,
		amount_capturable: 0,
		amount_details: { tip: {} },
		amount_received: 0,
		application: null,
		application_fee_amount: null,
		automatic_payment_methods: { allow_redirects: 'always', enabled: true },
		canceled_at: null,
		cancellation_reason: null,
		capture_method: 'automatic_async',
		client_secret: `${id}_secret_${newId('', 25)}`,
		confirmation_method: 'automatic',
		created: now(),
		currency: fields.currency,
		customer: fields.customer,
		description: null,
		last_payment_error: null,
		latest_charge: null,
		livemode: false,
		metadata: fields.metadata,
		next_action: null,
		on_behalf_of: null,
		payment_method: null,
		payment_method_configuration_details: null,
		payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
		payment_method_types: ['card'],
		processing: null,
		receipt_email: null,
		review: null,
		setup_future_usage: fields.setupFutureUsage,
		shipping: null,
		source: null,
		statement_descriptor: null,
		statement_descriptor_suffix: null,
		status: 'requires_payment_method',
		transfer_data: null,
		transfer_group: null,
	})
}

function newCharge(world: World, intent: Intent, method: Method, succeeded: boolean): Charge {
	const id = newId('ch_')
	return store<Charge>(world, {
		id,
		object: 'charge',
		amount: intent.amount,
		amount_captured: succeeded ? intent.amount : 0,
		amount_refunded: 0,
		application: null,
		application_fee: null,
		application_fee_amount: null,
		balance_transaction: succeeded ? newId('txn_') : null,
		billing_details: method.billing_details,
		calculated_statement_descriptor: 'LORICA',
		captured: succeeded,
		created: now(),
		currency: intent.currency,
		customer: intent.customer,
		description: null,
		disputed: false,
		failure_balance_transaction: null,
		failure_code: succeeded ? null : 'card_declined',
		failure_message: succeeded ? null : 'Your card was declined.',
		fraud_details: {},
		livemode: false,
		metadata: intent.metadata,
		on_behalf_of: null,
		outcome: succeeded
			? { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' }
			: {
					network_status: 'declined_by_network',
					reason: 'generic_decline',
					risk_level: 'normal',
					seller_message: 'The bank did not return any further details with this decline.',
					type: 'issuer_declined',
				},
		paid: succeeded,
		payment_intent: intent.id,
		payment_method: method.id,
		payment_method_details: { card: method.card, type: 'card' },
		receipt_email: null,
		receipt_number: null,
		receipt_url: succeeded ? `${world.baseUrl}/receipts/${id}` : null,
		refunded: false,
		review: null,
		shipping: null,
		source: null,
		source_transfer: null,
		statement_descriptor: null,
		statement_descriptor_suffix: null,
		status: succeeded ? 'succeeded' : 'failed',
		transfer_data: null,
		transfer_group: null,
	})
}

function succeed(world: World, intent: Intent, method: Method) {
	const charge = newCharge(world, intent, method, true)
	Object.assign(intent, {
		status: 'succeeded',
		amount_received: intent.amount,
		latest_charge: charge.id,
		payment_method: method.id,
		last_payment_error: null,
	})
}

function decline(world: World, intent: Intent, method: Method): ErrorBody {
	const charge = newCharge(world, intent, method, false)
	const error = {
		type: 'card_error',
		code: 'card_declined',
		decline_code: 'generic_decline',
		message: 'Your card was declined.',
		charge: charge.id,
		payment_method: structuredClone(method),
	}
	Object.assign(intent, { status: 'requires_payment_method', latest_charge: charge.id, payment_method: null, last_payment_error: error })
	return error
}

function createPaymentIntent(world: World, params: Params): Intent {
	const amount = integer(params, 'amount')
	if (amount === undefined) throw missing('amount')
	const currencyCode = currency(params, 'currency')
	checkMinimum(amount, currencyCode, 'amount')
	const customerId = text(params, 'customer') || null
	if (customerId) find(world, 'customer', customerId, 'customer')
	const methodId = text(params, 'payment_method')
	const method = methodId ? find<Method>(world, 'payment_method', methodId, 'payment_method') : null
	const confirm = flag(params, 'confirm') ?? false
	const offSession = offSessionParam(params)
	if (offSession && !confirm) throw invalid('`off_session` can only be used when `confirm=true`.', { param: 'off_session' })
	if (method) checkReusable(method, customerId, offSession)
	if (confirm && !method)
		throw invalid("You cannot confirm this PaymentIntent because it's missing a payment method.", {
			code: 'payment_intent_unexpected_state',
		})
	const intent = newPaymentIntent(world, {
		amount,
		currency: currencyCode,
		customer: customerId,
		metadata: metadata(params),
		setupFutureUsage: oneOf(params, 'setup_future_usage', ['on_session', 'off_session'] as const) ?? null,
	})
	if (!method || !confirm) return Object.assign(intent, { payment_method: method?.id ?? null, status: method ? 'requires_confirmation' : 'requires_payment_method' })
	if (offSession && world.decliningMethods.has(method.id)) {
		const error = decline(world, intent, method)
		emit(world, 'payment_intent.payment_failed', intent)
		throw new ApiError(402, { ...error, payment_intent: structuredClone(intent) }, true)
	}
	succeed(world, intent, method)
	emit(world, 'payment_intent.succeeded', intent)
	return intent
}

function offSessionParam(params: Params) {
	const value = text(params, 'off_session')
	if (value === 'one_off' || value === 'recurring') return true
	return flag(params, 'off_session') ?? false
}

function checkReusable(method: Method, customerId: string | null, offSession: boolean) {
	if (method.customer && method.customer !== customerId)
		throw invalid(
			customerId
				? `The provided PaymentMethod ${method.id} belongs to a different Customer.`
				: `The provided PaymentMethod ${method.id} is attached to a Customer; pass that Customer's ID in the \`customer\` parameter.`,
			{ param: 'payment_method' },
		)
	if (offSession && !method.customer)
		throw invalid(
			'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
			{ param: 'payment_method' },
		)
}

// ---------------------------------------------------------------------------------------------
// Refunds

function createRefund(world: World, params: Params): Refund {
	const charge = refundedCharge(world, params)
	const remaining = charge.amount - charge.amount_refunded
	if (remaining <= 0)
		throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', param: 'charge' })
	if (openDispute(world, charge)) throw invalid(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' })
	const amount = integer(params, 'amount') ?? remaining
	if (amount < 1) throw invalid('This value must be greater than or equal to 1.', { param: 'amount' })
	if (amount > remaining)
		throw invalid(
			`Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`,
			{ code: 'amount_too_large', param: 'amount' },
		)
	const refund = store<Refund>(world, {
		id: newId('re_'),
		object: 'refund',
		amount,
		balance_transaction: newId('txn_'),
		charge: charge.id,
		created: now(),
		currency: charge.currency,
		destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
		metadata: metadata(params),
		payment_intent: charge.payment_intent,
		reason: oneOf(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null,
		receipt_number: null,
		source_transfer_reversal: null,
		status: 'succeeded',
		transfer_reversal: null,
	})
	charge.amount_refunded += amount
	charge.refunded = charge.amount_refunded === charge.amount
	emit(world, 'charge.refunded', { ...charge, refunds: refundList(world, charge) })
	return refund
}

function refundedCharge(world: World, params: Params) {
	const intentId = text(params, 'payment_intent')
	const chargeId = text(params, 'charge')
	if (!intentId && !chargeId)
		throw invalid('One of the following params should be provided for this request: payment_intent or charge.', {
			code: 'parameter_missing',
		})
	const charge = chargeId ? find<Charge>(world, 'charge', chargeId, 'charge') : null
	if (!intentId && charge) return charge
	const intent = find<Intent>(world, 'payment_intent', intentId ?? '', 'payment_intent')
	if (intent.status !== 'succeeded' || !intent.latest_charge)
		throw invalid(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
			code: 'charge_not_refundable',
			param: 'payment_intent',
		})
	if (charge && charge.id !== intent.latest_charge)
		throw invalid(`Charge ${charge.id} does not belong to PaymentIntent ${intent.id}.`, { param: 'charge' })
	return find<Charge>(world, 'charge', intent.latest_charge)
}

function refundList(world: World, charge: Charge) {
	const data = [...world.objects.values()]
		.filter((object): object is Refund => object.object === 'refund' && object.charge === charge.id)
		.reverse()
	return { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/charges/${charge.id}/refunds` }
}

// ---------------------------------------------------------------------------------------------
// Disputes

function openDispute(world: World, charge: Charge) {
	return [...world.objects.values()].some(
		(object) => object.object === 'dispute' && object.charge === charge.id && object.status !== 'won',
	)
}

function createDispute(world: World, paymentIntentId: string, reason = 'fraudulent') {
	const intent = find<Intent>(world, 'payment_intent', paymentIntentId)
	if (intent.status !== 'succeeded' || !intent.latest_charge) throw new Error(`PaymentIntent ${paymentIntentId} has no successful charge to dispute`)
	const charge = find<Charge>(world, 'charge', intent.latest_charge)
	charge.disputed = true
	const created = now()
	const dispute = store<Dispute>(world, {
		id: newId('dp_'),
		object: 'dispute',
		amount: charge.amount - charge.amount_refunded,
		balance_transactions: [],
		charge: charge.id,
		created,
		currency: charge.currency,
		enhanced_eligibility_types: [],
		evidence: { customer_email_address: null, product_description: null, uncategorized_text: null },
		evidence_details: { due_by: created + 7 * 24 * 60 * 60, has_evidence: false, past_due: false, submission_count: 0 },
		is_charge_refundable: false,
		livemode: false,
		metadata: {},
		payment_intent: intent.id,
		reason,
		status: 'needs_response',
	})
	return emit(world, 'charge.dispute.created', dispute)
}

function closeDispute(world: World, disputeId: string, status: 'won' | 'lost') {
	const dispute = find<Dispute>(world, 'dispute', disputeId)
	dispute.status = status
	return emit(world, 'charge.dispute.closed', dispute)
}

/**
 * One local Stripe for the test file, and Stripe mode (keys, webhook secret, API URL)
 * switched on around every test. The returned object stands for the server started in beforeAll.
 */
export function useStripeMode() {
	let stripe: FakeStripe | undefined
	beforeAll(async () => {
		stripe = await startStripeServer()
	})
	afterAll(async () => {
		await stripe?.close()
	})
	beforeEach(() => {
		process.env.STRIPE_SECRET_KEY = stripe!.secretKey
		process.env.STRIPE_WEBHOOK_SECRET = stripe!.webhookSecret
		process.env.STRIPE_API_URL = stripe!.url
		resetEnvCache()
	})
	afterEach(() => {
		delete process.env.STRIPE_SECRET_KEY
		delete process.env.STRIPE_WEBHOOK_SECRET
		delete process.env.STRIPE_API_URL
		resetEnvCache()
	})
	return lateBound(() => stripe, 'the local Stripe')
}
