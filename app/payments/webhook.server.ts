import Stripe from 'stripe'
import { prisma } from '#app/db/db.server.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { log } from '#app/utils/logger.server.ts'
import { problem } from '#app/utils/problem.server.ts'
import { readText } from '#app/utils/request-body.server.ts'
import { enqueueFollowUps } from './follow-ups.server.ts'
import {
	settleChargeRefunded,
	settleCompletedCheckout,
	settleDisputeClosed,
	settleDisputeCreated,
	settleExpiredCheckout,
	settleFailedPayment,
	type Settlement,
} from './settlement.server.ts'
import { checkStripeEvent } from './stripe-event.server.ts'
import { getStripe, paymentMode, webhookSecret } from './stripe.server.ts'

// POST /webhooks/stripe. The signature is checked on the raw body (Stripe's scheme, 300 s
// tolerance); the event id is inserted in the same transaction as its effect and its
// follow-up jobs, so a replay finds it and changes nothing, and a crash mid-way leaves no
// trace and Stripe retries.
// Events about payments we do not know are acknowledged, never retried forever.

const TOLERANCE_S = 300
/** Stripe's events are a few KB; the largest (a charge with many refunds) well under this. */
export const WEBHOOK_MAX_BYTES = 256 * 1024

/** A signed event that cannot be applied as sent: 400, and Stripe shows the reason in its dashboard. */
class UnusableEvent extends Error {}

function idOf(value: string | { id: string } | null | undefined) {
	return typeof value === 'string' ? value : (value?.id ?? null)
}

type Tx = Prisma.TransactionClient
type Apply = (tx: Tx) => Promise<Settlement>

async function paymentIdForIntent(intent: Stripe.PaymentIntent) {
	if (intent.metadata?.paymentId) return intent.metadata.paymentId
	const payment = await prisma.payment.findUnique({ where: { stripePaymentIntentId: intent.id }, select: { id: true } })
	return payment?.id ?? null
}

function checkoutResult(session: Stripe.Checkout.Session, paymentMethodId: string | null) {
	const tax = session.total_details?.amount_tax ?? 0
	return {
		paymentId: session.metadata?.paymentId ?? session.client_reference_id ?? '',
		checkoutSessionId: session.id,
		paymentIntentId: idOf(session.payment_intent),
		setupIntentId: idOf(session.setup_intent),
		paymentMethodId,
		// Stripe's amount_subtotal includes inclusive tax; ours is the net amount.
		amountSubtotal: (session.amount_total ?? 0) - tax,
		amountTax: tax,
		amountTotal: session.amount_total ?? 0,
		currency: session.currency ?? 'eur',
		billingCountry: session.customer_details?.address?.country ?? null,
	}
}

/** Maps an event to its effect; null for types we do not act on. */
async function applierFor(event: Stripe.Event): Promise<Apply | null> {
	switch (event.type) {
		case 'checkout.session.completed': {
			const session = event.data.object
			// A setup session carries only the SetupIntent id; the saved card is on it.
			let paymentMethodId: string | null = null
			if (session.mode === 'setup' && session.setup_intent) paymentMethodId = await savedPaymentMethod(idOf(session.setup_intent)!)
			if (session.mode === 'payment' && session.payment_status !== 'paid') return null
			const result = checkoutResult(session, paymentMethodId)
			return (tx) => settleCompletedCheckout(tx, result, new Date(event.created * 1000))
		}
		case 'checkout.session.expired': {
			const paymentId = event.data.object.metadata?.paymentId ?? event.data.object.client_reference_id
			return paymentId ? (tx) => settleExpiredCheckout(tx, paymentId) : null
		}
		case 'payment_intent.payment_failed': {
			const intent = event.data.object
			const paymentId = await paymentIdForIntent(intent)
			const reason = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code ?? 'payment_failed'
			return paymentId ? (tx) => settleFailedPayment(tx, paymentId, reason) : null
		}
		case 'payment_intent.succeeded': {
			// Checkout payments settle on checkout.session.completed; this catches an off-session
			// top-up whose synchronous answer was lost.
			const intent = event.data.object
			const paymentId = await paymentIdForIntent(intent)
			if (!paymentId) return null
			const payment = await prisma.payment.findUnique({ where: { id: paymentId }, select: { purpose: true, amountTax: true } })
			if (payment?.purpose !== 'auto_top_up') return null
			return (tx) =>
				settleCompletedCheckout(tx, {
					paymentId,
					checkoutSessionId: null,
					paymentIntentId: intent.id,
					amountSubtotal: intent.amount - payment.amountTax,
					amountTax: payment.amountTax,
					amountTotal: intent.amount,
					currency: intent.currency,
					billingCountry: null,
				})
		}
		case 'charge.refunded': {
			const charge = event.data.object
			const paymentIntentId = idOf(charge.payment_intent)
			if (!paymentIntentId) return null
			const refunds = (charge.refunds?.data ?? []).map((refund) => ({ id: refund.id, amount: refund.amount, status: refund.status, refundId: refund.metadata?.refundId ?? null }))
			return (tx) => settleChargeRefunded(tx, { paymentIntentId, amountRefunded: charge.amount_refunded, refunds })
		}
		case 'charge.dispute.created':
		case 'charge.dispute.closed': {
			const dispute = event.data.object
			const paymentIntentId = idOf(dispute.payment_intent)
			if (!paymentIntentId) return null
			const input = { id: dispute.id, paymentIntentId, reason: dispute.reason, status: dispute.status }
			return event.type === 'charge.dispute.created' ? (tx) => settleDisputeCreated(tx, input) : (tx) => settleDisputeClosed(tx, input)
		}
		default:
			return null
	}
}

async function savedPaymentMethod(setupIntentId: string) {
	try {
		return idOf((await getStripe().setupIntents.retrieve(setupIntentId)).payment_method)
	} catch (error) {
		// Stripe not knowing its own SetupIntent will not change on a retry; an outage might.
		if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404)
			throw new UnusableEvent(`The SetupIntent ${setupIntentId} of this setup session does not exist at Stripe.`)
		throw error
	}
}

function isUniqueViolation(error: unknown) {
	return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002'
}

/** Applies one verified event exactly once; returns the outcome recorded with it. */
export async function processStripeEvent(event: Stripe.Event): Promise<{ outcome: string; duplicate: boolean }> {
	const seen = await prisma.stripeEvent.findUnique({ where: { id: event.id }, select: { outcome: true } })
	if (seen) return { outcome: seen.outcome, duplicate: true }
	const apply = await applierFor(event)
	try {
		const settlement = await prisma.$transaction(async (tx) => {
			const result = apply ? await apply(tx) : { outcome: 'ignored_type', after: [] }
			await tx.stripeEvent.create({
				data: { id: event.id, type: event.type, stripeCreatedAt: new Date(event.created * 1000), outcome: result.outcome },
				select: { id: true },
			})
			await enqueueFollowUps(tx, result.after)
			return result
		})
		return { outcome: settlement.outcome, duplicate: false }
	} catch (error) {
		// The same event delivered twice at once: the other delivery committed it.
		if (isUniqueViolation(error)) return { outcome: 'duplicate', duplicate: true }
		throw error
	}
}

export async function handleStripeWebhook(request: Request): Promise<Response> {
	if (paymentMode() !== 'stripe') return problem(404, 'Stripe is not configured', 'This installation takes payments in test mode; there is no Stripe webhook.')
	const signature = request.headers.get('stripe-signature')
	if (!signature) return problem(400, 'Missing signature', 'The Stripe-Signature header is required.')
	const payload = await readText(request, { maxBytes: WEBHOOK_MAX_BYTES })
	let signed: unknown
	try {
		signed = getStripe().webhooks.constructEvent(payload, signature, webhookSecret(), TOLERANCE_S)
	} catch (error) {
		const detail = error instanceof Error ? error.message : 'The signature does not match.'
		log.warn('stripe webhook refused', { reason: detail.slice(0, 120) })
		return problem(400, 'Invalid signature', detail)
	}
	const checked = checkStripeEvent(signed)
	if (!checked.ok) {
		log.warn('stripe webhook refused', { reason: checked.detail.slice(0, 120) })
		return problem(400, 'Unexpected event', `The event is signed but not of the shape its type promises. ${checked.detail}`)
	}
	const { event } = checked
	try {
		const { outcome, duplicate } = await processStripeEvent(event)
		log.info('stripe webhook', { eventId: event.id, type: event.type, outcome, duplicate })
		return Response.json({ received: true, outcome, duplicate })
	} catch (error) {
		if (error instanceof UnusableEvent) {
			log.warn('stripe webhook refused', { eventId: event.id, type: event.type, reason: error.message })
			return problem(400, 'Event cannot be applied', error.message)
		}
		log.error('stripe webhook failed; Stripe will retry', { eventId: event.id, type: event.type, error: error instanceof Error ? error.message : String(error) })
		return problem(500, 'Processing failed', 'The event was not applied and will be accepted on retry.')
	}
}
