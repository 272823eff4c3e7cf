import { recordAudit, type AuditActor } from '#app/audit/audit.server.ts'
import { addMonths, creditLot, LOT_LIFETIME_MONTHS, refundOrderCoins } from '#app/coins/ledger.server.ts'
import { prisma } from '#app/db/db.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { enqueue } from '#app/jobs/enqueue.server.ts'
import type { JobContext } from '#app/jobs/definition.ts'
import { lockOrder, OrderStateError, transitionOrder } from '#app/orders/transitions.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { settleChargeRefunded } from './settlement.server.ts'
import { getStripe } from './stripe.server.ts'

// Failed and canceled orders are refunded automatically: coins go back to the wallet; a card
// payment goes back to the card or into coins, as the customer chose at checkout. The
// database part is one transaction, which also enqueues the `card-refund` job: the call to
// Stripe, keyed by our refund id so a retry never refunds twice, and confirmed by the
// charge.refunded webhook.

type Tx = Prisma.TransactionClient

export type RefundResult = { destination: 'coins' | 'card' | 'none'; amount: number; refundId: string | null }

const REFUNDABLE = ['failed', 'canceled', 'completed', 'paid', 'queued'] as const

async function orderPayment(tx: Tx, orderId: string) {
	return tx.payment.findFirst({
		where: { orderId, purpose: 'order', status: { in: ['succeeded', 'partially_refunded'] } },
		select: { id: true, amountTotal: true, amountRefunded: true, refunds: { where: { status: { not: 'failed' } }, select: { amount: true, destination: true } } },
		orderBy: { paidAt: 'asc' },
	})
}

function stillRefundable(payment: { amountTotal: number; amountRefunded: number; refunds: Array<{ amount: number; destination: string }> }) {
	const cardRefunds = payment.refunds.filter((refund) => refund.destination === 'card').reduce((sum, refund) => sum + refund.amount, 0)
	return payment.amountTotal - Math.max(cardRefunds, payment.amountRefunded)
}

/** Coins go back to a wallet; an order anonymised after its statutory period has none. */
function walletOwner(customerId: string | null) {
	if (!customerId) throw new OrderStateError('This order is anonymised: there is no customer wallet to refund coins to.')
	return customerId
}

async function refundInTransaction(tx: Tx, orderId: string, reason: string, actor: AuditActor): Promise<RefundResult> {
	const order = await lockOrder(tx, orderId)
	if (!order) throw new OrderStateError('This order does not exist.')
	if (order.status === 'refunded') return { destination: 'none', amount: 0, refundId: null }
	if (!(REFUNDABLE as readonly string[]).includes(order.status)) throw new OrderStateError(`A ${order.status.replace('_', ' ')} order cannot be refunded.`)
	// Staff refunding an order that has not gone to the provider also stops it.
	if (order.status === 'paid' || order.status === 'queued') await transitionOrder(tx, orderId, [order.status], 'canceled')
	let result: RefundResult = { destination: 'none', amount: 0, refundId: null }
	if (order.paidWith === 'coins') {
		const coins = await refundOrderCoins(tx, { userId: walletOwner(order.customerId), orderId, reason, actorId: actor?.id })
		const refund = await tx.refund.create({
			data: { orderId, destination: 'coins', amount: coins, reason, status: 'succeeded', completedAt: new Date(), createdById: actor?.id ?? null },
			select: { id: true },
		})
		result = { destination: 'coins', amount: coins, refundId: refund.id }
	} else if (order.paidWith === 'card') {
		const payment = await orderPayment(tx, orderId)
		if (payment && order.refundTo === 'coins' && order.priceCoins) {
			await creditLot(tx, {
				userId: walletOwner(order.customerId),
				coins: order.priceCoins,
				source: 'refund',
				kind: 'refund',
				orderId,
				paymentId: payment.id,
				reason,
				actorId: actor?.id,
				expiresAt: addMonths(new Date(), LOT_LIFETIME_MONTHS),
			})
			const refund = await tx.refund.create({
				data: { orderId, paymentId: payment.id, destination: 'coins', amount: order.priceCoins, reason, status: 'succeeded', completedAt: new Date(), createdById: actor?.id ?? null },
				select: { id: true },
			})
			result = { destination: 'coins', amount: order.priceCoins, refundId: refund.id }
		} else if (payment) {
			const amount = stillRefundable(payment)
			if (amount > 0) {
				const refund = await tx.refund.create({
					data: { orderId, paymentId: payment.id, destination: 'card', amount, reason, createdById: actor?.id ?? null },
					select: { id: true },
				})
				await enqueue(tx, 'card-refund', { refundId: refund.id })
				result = { destination: 'card', amount, refundId: refund.id }
			}
		}
	}
	if (order.paidWith) await transitionOrder(tx, orderId, ['failed', 'canceled', 'completed'], 'refunded')
	if (actor) await recordAudit(tx, { actor, action: 'order.refunded', target: { type: 'order', id: orderId }, detail: { destination: result.destination, amount: result.amount, reason } })
	return result
}

/**
 * Refunds what the order was paid with; a second call finds it refunded and does nothing.
 * A card refund is recorded as pending and handed to the `card-refund` job.
 */
export async function refundOrder(orderId: string, options: { reason: string; actor?: AuditActor }) {
	return prisma.$transaction((tx) => refundInTransaction(tx, orderId, options.reason, options.actor ?? null))
}

/** Money that arrived for an order that could not take it (canceled meanwhile, or paid twice). */
export async function refundPayment(paymentId: string, reason: string) {
	const refundId = await prisma.$transaction(async (tx) => {
		await tx.$queryRaw`SELECT "id" FROM "Payment" WHERE "id" = ${paymentId} FOR UPDATE`
		const payment = await tx.payment.findUnique({
			where: { id: paymentId },
			select: { id: true, orderId: true, amountTotal: true, amountRefunded: true, refunds: { where: { status: { not: 'failed' } }, select: { amount: true, destination: true } } },
		})
		if (!payment) return null
		const amount = stillRefundable(payment)
		if (amount <= 0) return null
		const refund = await tx.refund.create({ data: { paymentId, orderId: payment.orderId, destination: 'card', amount, reason }, select: { id: true } })
		await enqueue(tx, 'card-refund', { refundId: refund.id })
		return refund.id
	})
	return refundId
}

/**
 * Asks Stripe (or, in test mode, pretends to) for a pending card refund. Safe to repeat: the
 * idempotency key is our refund id. A failure throws, so the job retries; the refund stays
 * pending and the refunds schedule picks it up again if every retry fails.
 */
export async function executeCardRefund(refundId: string) {
	const refund = await prisma.refund.findUnique({
		where: { id: refundId },
		select: { id: true, status: true, amount: true, stripeRefundId: true, payment: { select: { mode: true, stripePaymentIntentId: true, amountRefunded: true } } },
	})
	if (!refund || refund.status !== 'pending' || refund.stripeRefundId || !refund.payment) return
	const payment = refund.payment
	if (payment.mode === 'test') {
		// What Stripe's charge.refunded would report, applied by the same settlement.
		await prisma.$transaction((tx) =>
			settleChargeRefunded(tx, {
				paymentIntentId: payment.stripePaymentIntentId ?? '',
				amountRefunded: payment.amountRefunded + refund.amount,
				refunds: [{ id: `re_test_${refund.id}`, amount: refund.amount, status: 'succeeded', refundId: refund.id }],
			}),
		)
		return
	}
	try {
		const created = await getStripe().refunds.create(
			{ payment_intent: payment.stripePaymentIntentId ?? undefined, amount: refund.amount, metadata: { refundId: refund.id } },
			{ idempotencyKey: `refund-${refund.id}` },
		)
		await prisma.refund.update({
			where: { id: refund.id },
			data: { stripeRefundId: created.id, status: created.status === 'failed' || created.status === 'canceled' ? 'failed' : refund.status },
			select: { id: true },
		})
	} catch (error) {
		throw new Error(`Stripe did not take card refund ${refund.id}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
	}
}

const PENDING_GRACE_MS = 60_000

/**
 * The resumable part: orders that failed or were canceled after payment, and card refunds
 * Stripe has not taken a minute after they were recorded (their job died or gave up).
 */
export async function runRefundJob(context: Pick<JobContext, 'now' | 'dryRun' | 'progress'> = { now: new Date(), dryRun: false, progress: () => {} }) {
	const orders = await prisma.order.findMany({ where: { status: { in: ['failed', 'canceled'] }, paidWith: { not: null } }, select: { id: true, status: true }, take: 100 })
	const pending = await prisma.refund.findMany({
		where: { status: 'pending', destination: 'card', stripeRefundId: null, createdAt: { lt: new Date(context.now.getTime() - PENDING_GRACE_MS) } },
		select: { id: true },
		take: 100,
	})
	if (context.dryRun) return { orders: orders.length, cardRefunds: pending.length, orderIds: orders.map((order) => order.id), refundIds: pending.map((refund) => refund.id) }
	let failed = 0
	for (const [index, order] of orders.entries()) {
		try {
			await refundOrder(order.id, { reason: order.status === 'failed' ? 'The training failed' : 'The order was canceled' })
		} catch (error) {
			failed++
			log.error('automatic refund failed', { orderId: order.id, error: error instanceof Error ? error.message : String(error) })
		}
		context.progress(`orders ${index + 1}/${orders.length}`)
	}
	for (const [index, refund] of pending.entries()) {
		try {
			await executeCardRefund(refund.id)
		} catch (error) {
			failed++
			log.error('card refund failed; it stays pending', { refundId: refund.id, error: error instanceof Error ? error.message : String(error) })
		}
		context.progress(`card refunds ${index + 1}/${pending.length}`)
	}
	return { orders: orders.length, cardRefunds: pending.length, failed }
}
