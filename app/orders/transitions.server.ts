import type { OrderStatus, Prisma } from '#app/generated/prisma/client.ts'
import { UserFacingError } from '#app/utils/errors.ts'

// The order lifecycle. Every change goes through `transitionOrder`, which checks the move is
// allowed from the status the row has *now* (a conditional update, so a webhook and a click
// racing each other cannot both win) and writes the timeline row in the same transaction.

type Tx = Prisma.TransactionClient

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
	draft: ['awaiting_payment', 'paid', 'canceled'],
	awaiting_payment: ['draft', 'paid', 'canceled'],
	paid: ['queued', 'canceled', 'refunded'],
	queued: ['submitted', 'canceled', 'failed'],
	submitted: ['training', 'completed', 'failed', 'canceled'],
	training: ['completed', 'failed'],
	completed: ['refunded'],
	failed: ['refunded'],
	canceled: ['refunded'],
	refunded: [],
}

/** Before the data leaves for the provider: the customer may still change their mind. */
export const CANCELABLE: readonly OrderStatus[] = ['draft', 'awaiting_payment', 'paid', 'queued']

export function canTransition(from: OrderStatus, to: OrderStatus) {
	return NEXT[from].includes(to)
}

export class OrderStateError extends UserFacingError {
	constructor(message: string) {
		super(message, 409)
	}
}

/** Moves the order from one of `from` to `to` (row-locked); throws OrderStateError when it is elsewhere. */
export async function transitionOrder(tx: Tx, orderId: string, from: readonly OrderStatus[], to: OrderStatus, data: Prisma.OrderUpdateInput = {}) {
	const rows = await tx.$queryRaw<Array<{ status: OrderStatus }>>`SELECT "status" FROM "Order" WHERE "id" = ${orderId} FOR UPDATE`
	const current = rows[0]?.status
	if (!current) throw new OrderStateError('This order does not exist.')
	if (!from.includes(current) || !canTransition(current, to))
		throw new OrderStateError(`This order is ${STATUS_WORDS[current]} and cannot become ${STATUS_WORDS[to]}.`)
	await tx.order.update({ where: { id: orderId }, data: { ...data, status: to }, select: { id: true } })
	await tx.orderStatusChange.create({ data: { orderId, from: current, to }, select: { id: true } })
	return current
}

const STATUS_WORDS: Record<OrderStatus, string> = {
	draft: 'a draft',
	awaiting_payment: 'awaiting payment',
	paid: 'paid',
	queued: 'queued',
	submitted: 'with the provider',
	training: 'training',
	completed: 'completed',
	failed: 'failed',
	canceled: 'canceled',
	refunded: 'refunded',
}

/** Locks the order row for the rest of the transaction and returns what callers decide on. */
export async function lockOrder(tx: Tx, orderId: string) {
	await tx.$queryRaw`SELECT "id" FROM "Order" WHERE "id" = ${orderId} FOR UPDATE`
	return tx.order.findUnique({
		where: { id: orderId },
		select: { id: true, customerId: true, status: true, priceCoins: true, paidWith: true, refundTo: true, wizardStep: true, baseModel: true, settings: true, conceptDescription: true },
	})
}
