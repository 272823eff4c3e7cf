import { prisma } from '#app/db/db.server.ts'
import type { JobContext } from '#app/jobs/definition.ts'
import { enqueueFollowUps } from './follow-ups.server.ts'
import { settleCompletedCheckout, settleExpiredCheckout, settleFailedPayment } from './settlement.server.ts'

// The embedded demo has no Stripe account. Its test-payment page plays Stripe Checkout's
// part — the customer's choice of outcome and billing country — and hands the result to
// the very settlement functions the webhook calls. Tax follows a small demo VAT table so
// invoices look like real ones; every document says TEST.

export const DEMO_VAT_RATES: Record<string, number> = { DE: 0.19, FR: 0.2, NL: 0.21, IE: 0.23, AT: 0.2, IT: 0.22, ES: 0.21 }

export async function testPayment(paymentId: string, userId: string) {
	return prisma.payment.findFirst({
		where: { id: paymentId, userId, mode: 'test' },
		select: { id: true, purpose: true, status: true, amountTotal: true, currency: true, coins: true, orderId: true, failureReason: true, order: { select: { conceptDescription: true } } },
	})
}

export function returnPath(payment: { purpose: string; orderId: string | null }) {
	return payment.purpose === 'order' && payment.orderId ? `/orders/${payment.orderId}` : '/wallet'
}

export async function completeTestPayment(paymentId: string, options: { billingCountry: string; card: 'succeeds' | 'declines_later' }) {
	const payment = await prisma.payment.findUniqueOrThrow({ where: { id: paymentId }, select: { amountTotal: true, currency: true, purpose: true } })
	const rate = DEMO_VAT_RATES[options.billingCountry] ?? 0
	const tax = payment.amountTotal - Math.round(payment.amountTotal / (1 + rate))
	const settlement = await prisma.$transaction(async (tx) => {
		const settled = await settleCompletedCheckout(tx, {
			paymentId,
			checkoutSessionId: null,
			paymentIntentId: payment.purpose === 'card_setup' ? null : `pi_test_${paymentId}`,
			setupIntentId: payment.purpose === 'card_setup' ? `seti_test_${paymentId}` : null,
			paymentMethodId: payment.purpose === 'card_setup' ? `pm_test_${paymentId}${options.card === 'declines_later' ? '_declines' : ''}` : null,
			amountSubtotal: payment.amountTotal - tax,
			amountTax: tax,
			amountTotal: payment.amountTotal,
			currency: payment.currency,
			billingCountry: options.billingCountry,
		})
		await enqueueFollowUps(tx, settled.after)
		return settled
	})
	return settlement.outcome
}

export async function declineTestPayment(paymentId: string) {
	await prisma.$transaction(async (tx) => enqueueFollowUps(tx, (await settleFailedPayment(tx, paymentId, 'card_declined')).after))
}

export async function abandonTestPayment(paymentId: string) {
	await prisma.$transaction((tx) => settleExpiredCheckout(tx, paymentId))
}

/** Stripe expires an abandoned Checkout after an hour and tells us; the test page does the same here. */
export async function expireStaleTestCheckouts(now = new Date(), options: Partial<Pick<JobContext, 'dryRun' | 'progress'>> = {}) {
	const stale = await prisma.payment.findMany({
		where: { mode: 'test', status: 'pending', purpose: { not: 'auto_top_up' }, createdAt: { lt: new Date(now.getTime() - 60 * 60_000) } },
		select: { id: true },
		take: 100,
	})
	if (options.dryRun) return stale.length
	for (const [index, payment] of stale.entries()) {
		await abandonTestPayment(payment.id)
		options.progress?.(`checkouts ${index + 1}/${stale.length}`)
	}
	return stale.length
}
