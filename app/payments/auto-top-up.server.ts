import Stripe from 'stripe'
import { coinBalance, lockWallet } from '#app/coins/ledger.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { sendMailOnce } from '#app/mail/receipts.server.ts'
import { COIN_BUNDLES, CURRENCY, isBundleId } from '#app/orders/catalog.ts'
import { log } from '#app/utils/logger.server.ts'
import { absoluteUrl } from '#app/utils/trusted-origin.server.ts'
import { enqueueFollowUps } from './follow-ups.server.ts'
import { settleCompletedCheckout, settleFailedPayment } from './settlement.server.ts'
import { getStripe, paymentMode } from './stripe.server.ts'

// When the balance falls below the customer's threshold, charge the card they saved with
// Checkout in setup mode, off-session (the `auto-top-up` job, enqueued with the spend).
// One attempt at a time per customer; a decline turns auto top-up off and tells the
// customer (the `top-up-failed-notice` job), so a dead card is not charged again and again.

/** In test mode a saved card whose id ends like this declines off-session charges. */
export const TEST_DECLINING_CARD_SUFFIX = '_declines'

/**
 * An off-session charge has no Checkout to compute tax: it uses the rate Stripe Tax applied
 * to this customer's last card payment (same customer, same billing country).
 */
async function lastTaxRate(userId: string) {
	const last = await prisma.payment.findFirst({
		where: { userId, mode: 'stripe', status: { in: ['succeeded', 'partially_refunded', 'refunded'] }, amountTotal: { gt: 0 } },
		select: { amountTax: true, amountTotal: true, billingCountry: true },
		orderBy: { paidAt: 'desc' },
	})
	if (!last || last.amountTax === 0) return { rate: 0, country: last?.billingCountry ?? null }
	return { rate: last.amountTax / (last.amountTotal - last.amountTax), country: last.billingCountry }
}

export async function maybeAutoTopUp(userId: string): Promise<'off' | 'not_needed' | 'in_progress' | 'succeeded' | 'failed'> {
	const claim = await prisma.$transaction(async (tx) => {
		await lockWallet(tx, userId)
		const wallet = await tx.wallet.findUnique({ where: { userId }, select: { autoTopUp: true, autoTopUpThreshold: true, autoTopUpBundle: true, paymentMethodId: true, stripeCustomerId: true } })
		if (!wallet?.autoTopUp || !wallet.paymentMethodId || !isBundleId(wallet.autoTopUpBundle)) return 'off' as const
		if ((await coinBalance(tx, userId)) >= wallet.autoTopUpThreshold) return 'not_needed' as const
		const running = await tx.payment.count({ where: { userId, purpose: 'auto_top_up', status: 'pending', createdAt: { gt: new Date(Date.now() - 15 * 60_000) } } })
		if (running) return 'in_progress' as const
		const bundle = COIN_BUNDLES[wallet.autoTopUpBundle]
		const payment = await tx.payment.create({
			data: { userId, purpose: 'auto_top_up', mode: paymentMode(), coins: bundle.coins, amountSubtotal: bundle.priceCents, amountTotal: bundle.priceCents, currency: CURRENCY },
			select: { id: true, amountTotal: true, mode: true },
		})
		return { payment, paymentMethodId: wallet.paymentMethodId, customerId: wallet.stripeCustomerId }
	})
	if (typeof claim === 'string') return claim
	const { payment } = claim
	const { rate, country } = await lastTaxRate(userId)
	const tax = payment.amountTotal - Math.round(payment.amountTotal / (1 + rate))
	const settleSuccess = (paymentIntentId: string | null) =>
		prisma.$transaction((tx) =>
			settleCompletedCheckout(tx, {
				paymentId: payment.id,
				checkoutSessionId: null,
				paymentIntentId,
				amountSubtotal: payment.amountTotal - tax,
				amountTax: tax,
				amountTotal: payment.amountTotal,
				currency: CURRENCY,
				billingCountry: country,
			}),
		)
	const settleFailure = async (reason: string) => {
		await prisma.$transaction(async (tx) => enqueueFollowUps(tx, (await settleFailedPayment(tx, payment.id, reason)).after))
		return 'failed' as const
	}
	if (payment.mode === 'test') {
		if (claim.paymentMethodId.endsWith(TEST_DECLINING_CARD_SUFFIX)) return settleFailure('card_declined')
		await settleSuccess(`pi_test_${payment.id}`)
		return 'succeeded'
	}
	try {
		const intent = await getStripe().paymentIntents.create(
			{
				amount: payment.amountTotal,
				currency: CURRENCY,
				customer: claim.customerId ?? undefined,
				payment_method: claim.paymentMethodId,
				off_session: true,
				confirm: true,
				metadata: { paymentId: payment.id, userId },
			},
			{ idempotencyKey: `top-up-${payment.id}` },
		)
		if (intent.status !== 'succeeded') return settleFailure(`payment_${intent.status}`)
		await settleSuccess(intent.id)
		return 'succeeded'
	} catch (error) {
		if (error instanceof Stripe.errors.StripeCardError) return settleFailure(error.decline_code ?? error.code ?? 'card_declined')
		// Network trouble: the payment stays pending; Stripe's webhook settles it if it went through.
		log.error('automatic top-up could not reach Stripe', { paymentId: payment.id, error: error instanceof Error ? error.message : String(error) })
		return 'in_progress'
	}
}

const REASONS: Record<string, string> = {
	card_declined: 'your bank declined the charge',
	generic_decline: 'your bank declined the charge',
	insufficient_funds: 'the card has insufficient funds',
	expired_card: 'the card has expired',
	authentication_required: 'your bank asked for confirmation, which cannot be given while you are away',
}

/** Once per failed payment, however often the job runs. */
export async function sendTopUpFailedNotice(paymentId: string) {
	const payment = await prisma.payment.findUnique({ where: { id: paymentId }, select: { failureReason: true, user: { select: { email: true } } } })
	if (!payment?.user) return 'no_customer'
	const reason = payment.failureReason ?? 'payment_failed'
	const url = absoluteUrl('/wallet')
	return sendMailOnce(`top-up-failed:${paymentId}`, {
		to: payment.user.email,
		category: 'transactional',
		subject: 'Your automatic coin top-up failed',
		text: [
			`We tried to top up your Lorica coins automatically, but ${REASONS[reason] ?? `the payment failed (${reason})`}.`,
			'',
			'Nothing was charged, and automatic top-up is now switched off so we do not try again.',
			`You can buy coins or save another card and switch it back on here: ${url}`,
		].join('\n'),
	})
}
