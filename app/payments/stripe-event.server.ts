import type Stripe from 'stripe'
import { z } from 'zod'

// A valid signature proves who sent an event, not what is in it: a changed API version, a
// dashboard test event or a bug on either side can sign any JSON. What the settlement reads
// is checked here first, so a surprise is a 400 naming the field, never a 500 mid-way.

/** Stripe ids are letters, digits and underscores (`cs_test_a1B2…`). */
const stripeId = z.string().regex(/^[A-Za-z0-9_]{1,255}$/, 'must be a Stripe id')
/** A free-text value we store or query with: PostgreSQL refuses NUL in text. */
const text = z.string().max(5000).refine((value) => !value.includes('\0'), 'must not contain NUL characters')
/** Minor units, stored in 32-bit integer columns. */
const amount = z.number().int().min(0).max(2_147_483_647)
const expandable = z.union([stripeId, z.looseObject({ id: stripeId })]).nullish()
const metadata = z.record(z.string(), text).nullish()

// 2001-09-09 to 2100-01-01, in seconds: anything else is not a time Stripe created an event.
const created = z.number().int().min(1_000_000_000).max(4_102_444_800)

const envelope = z.looseObject({
	id: stripeId,
	type: z.string().regex(/^[a-z_.]{1,100}$/, 'must be an event type like checkout.session.completed'),
	created,
	data: z.looseObject({ object: z.looseObject({}) }),
})

const expiredSession = z.looseObject({ id: stripeId, metadata, client_reference_id: text.nullish() })

const completedSession = expiredSession.extend({
	mode: z.enum(['payment', 'setup', 'subscription']),
	payment_status: z.string().max(50).nullish(),
	payment_intent: expandable,
	setup_intent: expandable,
	amount_total: amount.nullish(),
	currency: z.string().regex(/^[a-z]{3}$/, 'must be a three-letter currency code').nullish(),
	total_details: z.looseObject({ amount_tax: amount.nullish() }).nullish(),
	customer_details: z.looseObject({ address: z.looseObject({ country: z.string().regex(/^[A-Z]{2}$/).nullish() }).nullish() }).nullish(),
})

const paymentIntent = z.looseObject({
	id: stripeId,
	metadata,
	amount,
	currency: z.string().regex(/^[a-z]{3}$/, 'must be a three-letter currency code'),
	last_payment_error: z.looseObject({ decline_code: text.nullish(), code: text.nullish() }).nullish(),
})

const charge = z.looseObject({
	payment_intent: expandable,
	amount_refunded: amount,
	refunds: z.looseObject({ data: z.array(z.looseObject({ id: stripeId, amount, status: text.nullish(), metadata })) }).nullish(),
})

const dispute = z.looseObject({ id: stripeId, payment_intent: expandable, reason: text, status: text })

const OBJECTS: Record<string, z.ZodType> = {
	'checkout.session.completed': completedSession,
	'checkout.session.expired': expiredSession,
	'payment_intent.succeeded': paymentIntent,
	'payment_intent.payment_failed': paymentIntent,
	'charge.refunded': charge,
	'charge.dispute.created': dispute,
	'charge.dispute.closed': dispute,
}

function describe(error: z.ZodError, prefix: string) {
	const issue = error.issues[0]!
	const at = [prefix, ...issue.path.map(String)].filter(Boolean).join('.')
	return `${at || 'The event'}: ${issue.message}`
}

export type EventCheck = { ok: true; event: Stripe.Event } | { ok: false; detail: string }

/** The signed payload as an event of the shape its type promises (types we ignore: the envelope only). */
export function checkStripeEvent(payload: unknown): EventCheck {
	const parsed = envelope.safeParse(payload)
	if (!parsed.success) return { ok: false, detail: describe(parsed.error, '') }
	const schema = OBJECTS[parsed.data.type]
	if (schema) {
		const object = schema.safeParse(parsed.data.data.object)
		if (!object.success) return { ok: false, detail: describe(object.error, 'data.object') }
	}
	return { ok: true, event: parsed.data as unknown as Stripe.Event }
}
