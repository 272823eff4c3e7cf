import { recordAudit } from '#app/audit/audit.server.ts'
import { addMonths, creditLot, LOT_LIFETIME_MONTHS } from '#app/coins/ledger.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { COIN_VALUE_CENTS, formatCents } from '#app/orders/catalog.ts'
import { transitionOrder } from '#app/orders/transitions.server.ts'
import { placeDisputeHold, releaseDisputeHold } from './holds.server.ts'

// What a payment's outcome does to Lorica's records. Stripe's webhook and the local
// test-payment page both end here, inside a transaction the caller opened (the webhook
// records the event id in the same one). Each function is safe to run twice and in any
// order against the others: a payment only ever moves forward.

type Tx = Prisma.TransactionClient

/** Work that must not run inside the transaction (calls to Stripe, e-mail): enqueued in it by follow-ups.server.ts. */
export type AfterCommit =
	| { kind: 'refund_order'; orderId: string; reason: string }
	| { kind: 'refund_payment'; paymentId: string; reason: string }
	| { kind: 'top_up_failed_notice'; paymentId: string }

export type Settlement = { outcome: string; after: AfterCommit[] }

export type CompletedCheckout = {
	paymentId: string
	checkoutSessionId: string | null
	paymentIntentId: string | null
	setupIntentId?: string | null
	paymentMethodId?: string | null
	amountSubtotal: number
	amountTax: number
	amountTotal: number
	currency: string
	billingCountry: string | null
}

const SETTLED = ['succeeded', 'refunded', 'partially_refunded'] as const

async function lockPayment(tx: Tx, paymentId: string) {
	await tx.$queryRaw`SELECT "id" FROM "Payment" WHERE "id" = ${paymentId} FOR UPDATE`
	return tx.payment.findUnique({
		where: { id: paymentId },
		select: { id: true, userId: true, orderId: true, purpose: true, mode: true, status: true, coins: true, amountTotal: true, amountRefunded: true },
	})
}

/** Gap-free per series; test payments count in their own series so real numbers never skip. */
export async function nextDocumentNumber(tx: Tx, mode: string, now = new Date()) {
	const series = `${mode === 'test' ? 'TEST' : 'LOR'}-${now.getUTCFullYear()}`
	const rows = await tx.$queryRaw<Array<{ last: number }>>`
		INSERT INTO "InvoiceCounter" ("series", "last") VALUES (${series}, 1)
		ON CONFLICT ("series") DO UPDATE SET "last" = "InvoiceCounter"."last" + 1
		RETURNING "last"`
	return `${series}-${String(rows[0]!.last).padStart(6, '0')}`
}

export async function settleCompletedCheckout(tx: Tx, checkout: CompletedCheckout, now = new Date()): Promise<Settlement> {
	const payment = await lockPayment(tx, checkout.paymentId)
	if (!payment) return { outcome: 'ignored_unknown_payment', after: [] }
	if ((SETTLED as readonly string[]).includes(payment.status)) return { outcome: 'already_settled', after: [] }
	const isSetup = payment.purpose === 'card_setup'
	await tx.payment.update({
		where: { id: payment.id },
		data: {
			status: 'succeeded',
			stripeCheckoutSessionId: checkout.checkoutSessionId ?? undefined,
			stripePaymentIntentId: checkout.paymentIntentId ?? undefined,
			stripeSetupIntentId: checkout.setupIntentId ?? undefined,
			amountSubtotal: checkout.amountSubtotal,
			amountTax: checkout.amountTax,
			amountTotal: checkout.amountTotal,
			currency: checkout.currency,
			billingCountry: checkout.billingCountry,
			paidAt: now,
			failureReason: null,
			invoiceNumber: isSetup ? undefined : await nextDocumentNumber(tx, payment.mode, now),
		},
		select: { id: true },
	})
	if (!payment.userId) return { outcome: 'settled_without_customer', after: [] }
	switch (payment.purpose) {
		case 'card_setup':
			await tx.wallet.upsert({
				where: { userId: payment.userId },
				create: { userId: payment.userId, paymentMethodId: checkout.paymentMethodId ?? null },
				update: { paymentMethodId: checkout.paymentMethodId ?? null, autoTopUpFailedAt: null, autoTopUpFailure: null },
				select: { userId: true },
			})
			return { outcome: 'card_saved', after: [] }
		case 'coins':
		case 'auto_top_up':
			await creditLot(tx, {
				userId: payment.userId,
				coins: payment.coins ?? 0,
				source: 'purchase',
				kind: 'top_up',
				paymentId: payment.id,
				expiresAt: addMonths(now, LOT_LIFETIME_MONTHS),
				now,
			})
			return { outcome: 'coins_credited', after: [] }
		case 'order':
			return settleOrderPayment(tx, payment.id, payment.orderId, checkout.amountTotal, now)
	}
}

async function settleOrderPayment(tx: Tx, paymentId: string, orderId: string | null, paidCents: number, now: Date): Promise<Settlement> {
	const order = orderId ? await tx.order.findUnique({ where: { id: orderId }, select: { status: true, priceCoins: true } }) : null
	if (!orderId || !order) return { outcome: 'order_missing_refunding', after: [{ kind: 'refund_payment', paymentId, reason: 'The order no longer exists' }] }
	if (order.status === 'draft' || order.status === 'awaiting_payment') {
		// The price is compared now, not when Checkout opened: the order may have been edited
		// since (a payment Stripe had already taken when the customer reopened the order).
		const costCents = (order.priceCoins ?? 0) * COIN_VALUE_CENTS
		if (!order.priceCoins || paidCents !== costCents) return refundMismatchedPayment(tx, { paymentId, orderId, status: order.status, paidCents, costCents })
		await transitionOrder(tx, orderId, ['draft', 'awaiting_payment'], 'paid', { paidWith: 'card', paidAt: now })
		// Dispatch to the provider picks queued orders up; nothing else has to happen first.
		await transitionOrder(tx, orderId, ['paid'], 'queued')
		return { outcome: 'order_queued', after: [] }
	}
	// The customer canceled while Checkout was open, or paid the order twice: this money goes back.
	const reason = order.status === 'canceled' ? 'Payment arrived after the order was canceled' : 'The order was already paid'
	return { outcome: 'order_not_payable_refunding', after: [{ kind: 'refund_payment', paymentId, reason }] }
}

/** An order is never queued for a different amount than it costs: the money goes back and the order waits for a payment of the right amount. */
async function refundMismatchedPayment(
	tx: Tx,
	mismatch: { paymentId: string; orderId: string; status: 'draft' | 'awaiting_payment'; paidCents: number; costCents: number },
): Promise<Settlement> {
	const { paymentId, orderId, paidCents, costCents } = mismatch
	if (mismatch.status === 'awaiting_payment') await reopenUnlessAnotherPaymentIsOpen(tx, orderId, paymentId)
	await recordAudit(tx, {
		actor: null,
		action: 'payment.amount_mismatch_refunded',
		target: { type: 'order', id: orderId },
		detail: { paymentId, paidCents, costCents },
	})
	const reason = `Paid ${formatCents(paidCents)}, but the order costs ${formatCents(costCents)} now: refunded in full; pay the order again at its current price`
	return { outcome: 'order_price_mismatch_refunding', after: [{ kind: 'refund_payment', paymentId, reason }] }
}

/** Checkout closed unpaid: the order goes back to its draft so the customer can try again. */
export async function settleExpiredCheckout(tx: Tx, paymentId: string): Promise<Settlement> {
	const payment = await lockPayment(tx, paymentId)
	if (!payment) return { outcome: 'ignored_unknown_payment', after: [] }
	if (payment.status !== 'pending') return { outcome: `ignored_${payment.status}`, after: [] }
	await tx.payment.update({ where: { id: payment.id }, data: { status: 'expired', checkoutUrl: null }, select: { id: true } })
	if (payment.orderId) {
		const order = await tx.order.findUnique({ where: { id: payment.orderId }, select: { status: true } })
		if (order?.status === 'awaiting_payment') await reopenUnlessAnotherPaymentIsOpen(tx, payment.orderId, payment.id)
	}
	return { outcome: 'checkout_expired', after: [] }
}

/** An order waiting for payment becomes a draft again once no other payment of it is still open. */
async function reopenUnlessAnotherPaymentIsOpen(tx: Tx, orderId: string, paymentId: string) {
	const open = await tx.payment.count({ where: { orderId, status: 'pending', id: { not: paymentId } } })
	if (!open) await transitionOrder(tx, orderId, ['awaiting_payment'], 'draft')
}

/**
 * A declined attempt. In Checkout the customer can try another card in the same session, so
 * the payment stays open with the reason; an off-session top-up has no second try.
 */
export async function settleFailedPayment(tx: Tx, paymentId: string, reason: string): Promise<Settlement> {
	const payment = await lockPayment(tx, paymentId)
	if (!payment) return { outcome: 'ignored_unknown_payment', after: [] }
	if (payment.status !== 'pending') return { outcome: `ignored_${payment.status}`, after: [] }
	if (payment.purpose !== 'auto_top_up') {
		await tx.payment.update({ where: { id: payment.id }, data: { failureReason: reason }, select: { id: true } })
		return { outcome: 'attempt_failed', after: [] }
	}
	await tx.payment.update({ where: { id: payment.id }, data: { status: 'failed', failureReason: reason }, select: { id: true } })
	if (!payment.userId) return { outcome: 'top_up_failed', after: [] }
	await tx.wallet.update({
		where: { userId: payment.userId },
		data: { autoTopUp: false, autoTopUpFailedAt: new Date(), autoTopUpFailure: reason },
		select: { userId: true },
	})
	return { outcome: 'top_up_failed', after: [{ kind: 'top_up_failed_notice', paymentId: payment.id }] }
}

export type RefundedCharge = {
	paymentIntentId: string
	amountRefunded: number
	refunds: Array<{ id: string; amount: number; status: string | null; refundId: string | null }>
}

/** Stripe's view of a charge's refunds is absolute, so applying it twice or late is harmless. */
export async function settleChargeRefunded(tx: Tx, charge: RefundedCharge, now = new Date()): Promise<Settlement> {
	const found = await tx.payment.findUnique({ where: { stripePaymentIntentId: charge.paymentIntentId }, select: { id: true } })
	if (!found) return { outcome: 'ignored_unknown_payment', after: [] }
	const payment = (await lockPayment(tx, found.id))!
	const refundedAmount = Math.max(payment.amountRefunded, charge.amountRefunded)
	await tx.payment.update({
		where: { id: payment.id },
		data: {
			amountRefunded: refundedAmount,
			status: refundedAmount >= payment.amountTotal ? 'refunded' : refundedAmount > 0 ? 'partially_refunded' : undefined,
		},
		select: { id: true },
	})
	for (const refund of charge.refunds) {
		const status = refund.status === 'succeeded' ? 'succeeded' : refund.status === 'failed' || refund.status === 'canceled' ? 'failed' : 'pending'
		const ours = await tx.refund.findFirst({
			where: { OR: [{ stripeRefundId: refund.id }, ...(refund.refundId ? [{ id: refund.refundId }] : [])] },
			select: { id: true },
		})
		if (ours) {
			await tx.refund.update({
				where: { id: ours.id },
				data: { stripeRefundId: refund.id, status, completedAt: status === 'succeeded' ? now : null },
				select: { id: true },
			})
		} else {
			// Refunded by someone in Stripe's dashboard: keep the accounting record complete.
			await tx.refund.create({
				data: {
					paymentId: payment.id,
					orderId: payment.orderId,
					destination: 'card',
					amount: refund.amount,
					reason: 'Refunded in the Stripe dashboard',
					status,
					stripeRefundId: refund.id,
					completedAt: status === 'succeeded' ? now : null,
				},
				select: { id: true },
			})
		}
	}
	return { outcome: 'refund_recorded', after: [] }
}

export type Dispute = { id: string; paymentIntentId: string; reason: string; status: string }

export async function settleDisputeCreated(tx: Tx, dispute: Dispute): Promise<Settlement> {
	const payment = await tx.payment.findUnique({ where: { stripePaymentIntentId: dispute.paymentIntentId }, select: { id: true, userId: true, orderId: true } })
	if (!payment) return { outcome: 'ignored_unknown_payment', after: [] }
	await tx.payment.update({ where: { id: payment.id }, data: { disputeStatus: dispute.status }, select: { id: true } })
	const placed = await placeDisputeHold(tx, { disputeId: dispute.id, userId: payment.userId, orderId: payment.orderId, reason: dispute.reason })
	return { outcome: placed ? 'hold_placed' : 'hold_exists', after: [] }
}

export async function settleDisputeClosed(tx: Tx, dispute: Dispute): Promise<Settlement> {
	const payment = await tx.payment.findUnique({ where: { stripePaymentIntentId: dispute.paymentIntentId }, select: { id: true, userId: true, orderId: true } })
	if (!payment) return { outcome: 'ignored_unknown_payment', after: [] }
	await tx.payment.update({ where: { id: payment.id }, data: { disputeStatus: dispute.status }, select: { id: true } })
	await releaseDisputeHold(tx, { disputeId: dispute.id, userId: payment.userId, orderId: payment.orderId, reason: dispute.reason, outcome: dispute.status })
	return { outcome: 'hold_released', after: [] }
}
