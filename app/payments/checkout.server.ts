import { debitCoins } from '#app/coins/ledger.server.ts'
import { prisma } from '#app/db/db.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { COIN_BUNDLES, COIN_VALUE_CENTS, CURRENCY, type CoinBundleId } from '#app/orders/catalog.ts'
import { lockOrder, OrderStateError, transitionOrder } from '#app/orders/transitions.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { log } from '#app/utils/logger.server.ts'
import { absoluteUrl } from '#app/utils/trusted-origin.server.ts'
import { enqueueAutoTopUpCheck } from './follow-ups.server.ts'
import { paymentMode, getStripe } from './stripe.server.ts'

// Starting a payment: a Payment row first (its id is the idempotency key and travels in
// Stripe's metadata), then Stripe Checkout, or in test mode the local test-payment page.
// Nothing here marks anything paid; settlement.server.ts does, from the webhook.

const CHECKOUT_LIFETIME_S = 60 * 60

async function stripeCustomerId(userId: string) {
	const wallet = await prisma.wallet.findUnique({ where: { userId }, select: { stripeCustomerId: true } })
	if (wallet?.stripeCustomerId) return wallet.stripeCustomerId
	const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } })
	// The idempotency key makes two concurrent first payments share one Stripe customer.
	const customer = await getStripe().customers.create({ email: user.email, metadata: { userId } }, { idempotencyKey: `customer-${userId}` })
	await prisma.wallet.upsert({ where: { userId }, create: { userId, stripeCustomerId: customer.id }, update: { stripeCustomerId: customer.id }, select: { userId: true } })
	return customer.id
}

type LineItem = { name: string; amountCents: number }

/** Opens Checkout for a created Payment; returns where to send the browser. */
async function openCheckout(paymentId: string, userId: string, mode: 'payment' | 'setup', item: LineItem | null, returnPath: string) {
	if (paymentMode() === 'test') {
		await prisma.payment.update({ where: { id: paymentId }, data: { checkoutUrl: `/test-checkout/${paymentId}` }, select: { id: true } })
		return `/test-checkout/${paymentId}`
	}
	const metadata = { paymentId, userId }
	try {
		const session = await getStripe().checkout.sessions.create(
			{
				mode,
				customer: await stripeCustomerId(userId),
				client_reference_id: paymentId,
				metadata,
				success_url: absoluteUrl(`${returnPath}${returnPath.includes('?') ? '&' : '?'}checkout=success`),
				cancel_url: absoluteUrl(`${returnPath}${returnPath.includes('?') ? '&' : '?'}checkout=canceled`),
				expires_at: Math.floor(Date.now() / 1000) + CHECKOUT_LIFETIME_S,
				...(mode === 'payment' && item
					? {
							line_items: [{ quantity: 1, price_data: { currency: CURRENCY, unit_amount: item.amountCents, tax_behavior: 'inclusive', product_data: { name: item.name } } }],
							automatic_tax: { enabled: getEnv().STRIPE_AUTOMATIC_TAX === 'true' },
							billing_address_collection: 'required',
							payment_intent_data: { metadata },
						}
					: { currency: CURRENCY, setup_intent_data: { metadata } }),
			},
			{ idempotencyKey: `checkout-${paymentId}` },
		)
		await prisma.payment.update({
			where: { id: paymentId },
			data: { stripeCheckoutSessionId: session.id, checkoutUrl: session.url },
			select: { id: true },
		})
		if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL')
		return session.url
	} catch (error) {
		log.error('could not open Stripe Checkout', { paymentId, error: error instanceof Error ? error.message : String(error) })
		await prisma.payment.update({ where: { id: paymentId }, data: { status: 'failed', failureReason: 'checkout_unavailable' }, select: { id: true } })
		throw new UserFacingError('Card payments are unavailable right now. Nothing was charged; please try again in a few minutes or pay with coins.', 503)
	}
}

export type OrderPaymentChoice = { method: 'card' | 'coins'; refundTo: 'coins' | 'card'; termsVersion: string }

/** The Terms accepted at checkout are recorded in the transaction that pays: a refused payment leaves no acceptance behind. */
async function acceptTermsForOrder(tx: Prisma.TransactionClient, userId: string, orderId: string, termsVersion: string) {
	await tx.order.update({ where: { id: orderId }, data: { termsVersion }, select: { id: true } })
	await tx.policyAcceptance.create({ data: { userId, kind: 'terms', version: termsVersion, context: 'checkout' }, select: { id: true } })
}

/**
 * Pays a confirmed order. Coins settle at once (one transaction: charge, paid, queued);
 * a card payment returns the Checkout URL and the order waits for the webhook.
 */
export async function payOrder(userId: string, orderId: string, choice: OrderPaymentChoice): Promise<{ redirectTo: string }> {
	if (choice.method === 'coins') {
		await prisma.$transaction(async (tx) => {
			const order = await lockOrder(tx, orderId)
			if (!order || order.customerId !== userId) throw new OrderStateError('This order does not exist.')
			assertConfirmed(order)
			await debitCoins(tx, { userId, coins: order.priceCoins!, kind: 'order_charge', orderId })
			await acceptTermsForOrder(tx, userId, orderId, choice.termsVersion)
			await transitionOrder(tx, orderId, ['draft', 'awaiting_payment'], 'paid', { paidWith: 'coins', paidAt: new Date(), refundTo: 'coins' })
			await transitionOrder(tx, orderId, ['paid'], 'queued')
			await enqueueAutoTopUpCheck(tx, userId)
		})
		return { redirectTo: `/orders/${orderId}?paid=coins` }
	}
	const payment = await prisma.$transaction(async (tx) => {
		const order = await lockOrder(tx, orderId)
		if (!order || order.customerId !== userId) throw new OrderStateError('This order does not exist.')
		assertConfirmed(order)
		await acceptTermsForOrder(tx, userId, orderId, choice.termsVersion)
		if (order.status === 'draft') await transitionOrder(tx, orderId, ['draft'], 'awaiting_payment', { refundTo: choice.refundTo })
		else await tx.order.update({ where: { id: orderId }, data: { refundTo: choice.refundTo }, select: { id: true } })
		const cents = order.priceCoins! * COIN_VALUE_CENTS
		const created = await tx.payment.create({
			data: { userId, orderId, purpose: 'order', mode: paymentMode(), amountSubtotal: cents, amountTotal: cents, currency: CURRENCY },
			select: { id: true },
		})
		return { id: created.id, item: { name: `LoRA training: ${order.conceptDescription.slice(0, 80)}`, amountCents: cents } }
	})
	const redirectTo = await openCheckout(payment.id, userId, 'payment', payment.item, `/orders/${orderId}`)
	return { redirectTo }
}

function assertConfirmed(order: { status: string; wizardStep: number; priceCoins: number | null }) {
	if (order.status !== 'draft' && order.status !== 'awaiting_payment') throw new OrderStateError('This order is already paid or closed.')
	if (order.wizardStep < 5 || !order.priceCoins) throw new OrderStateError('Finish the order steps and confirm the quote before paying.')
}

export async function buyCoins(userId: string, bundleId: CoinBundleId) {
	const bundle = COIN_BUNDLES[bundleId]
	const payment = await prisma.payment.create({
		data: { userId, purpose: 'coins', mode: paymentMode(), coins: bundle.coins, amountSubtotal: bundle.priceCents, amountTotal: bundle.priceCents, currency: CURRENCY },
		select: { id: true },
	})
	return openCheckout(payment.id, userId, 'payment', { name: `Lorica coins: ${bundle.label}`, amountCents: bundle.priceCents }, '/wallet')
}

/** Checkout in setup mode saves a card for automatic top-ups; nothing is charged. */
export async function saveCardForTopUps(userId: string) {
	const payment = await prisma.payment.create({
		data: { userId, purpose: 'card_setup', mode: paymentMode(), amountSubtotal: 0, amountTotal: 0, currency: CURRENCY },
		select: { id: true },
	})
	return openCheckout(payment.id, userId, 'setup', null, '/wallet')
}

/**
 * The customer stopped waiting: open Checkout sessions of the order are closed. Returns how
 * many Stripe would not close (already paid, or Stripe unreachable): those stay pending and
 * the webhook decides — a late payment is refunded if the order cannot take it.
 */
export async function expireOpenCheckouts(orderId: string) {
	const open = await prisma.payment.findMany({ where: { orderId, status: 'pending' }, select: { id: true, mode: true, stripeCheckoutSessionId: true } })
	let stillOpen = 0
	for (const payment of open) {
		if (payment.mode === 'stripe' && payment.stripeCheckoutSessionId) {
			try {
				await getStripe().checkout.sessions.expire(payment.stripeCheckoutSessionId)
			} catch (error) {
				log.warn('could not expire a Checkout Session', { paymentId: payment.id, error: error instanceof Error ? error.message : String(error) })
				stillOpen++
				continue
			}
		}
		await prisma.payment.updateMany({ where: { id: payment.id, status: 'pending' }, data: { status: 'expired', checkoutUrl: null } })
	}
	return { stillOpen }
}

/**
 * "Cancel the payment and edit the order": open checkouts close and the order is a draft
 * again. A payment Stripe will not close may already have been taken, so the order stays
 * locked for edits until its webhook settles it: editing now could change the price of an
 * order that is paid.
 */
export async function cancelOrderPayment(orderId: string) {
	const { stillOpen } = await expireOpenCheckouts(orderId)
	if (stillOpen)
		throw new UserFacingError(
			'This card payment could not be canceled: Stripe may already have taken it. The order stays as it is until Stripe confirms the outcome (usually within a minute); if it was paid, the order is queued, otherwise you can edit it then.',
			409,
		)
	await prisma.$transaction(async (tx) => {
		const order = await lockOrder(tx, orderId)
		if (order?.status === 'awaiting_payment') await transitionOrder(tx, orderId, ['awaiting_payment'], 'draft')
	})
}
