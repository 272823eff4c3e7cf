import { prisma } from '#app/db/db.server.ts'
import { expireOpenCheckouts } from '#app/payments/checkout.server.ts'
import { refundOrder } from '#app/payments/refunds.server.ts'
import { CANCELABLE, lockOrder, OrderStateError, transitionOrder } from './transitions.server.ts'

// A customer may cancel until the order's data leaves for the provider. What was paid comes
// back at once (coins, or the card/coins choice made at checkout); if this process stops
// between the two steps, the refund job finds the canceled paid order and finishes it.

export async function cancelOrder(customerId: string, orderId: string) {
	const previous = await prisma.$transaction(async (tx) => {
		const order = await lockOrder(tx, orderId)
		if (!order || order.customerId !== customerId) throw new Response('Not found', { status: 404 })
		if (!CANCELABLE.includes(order.status)) throw new OrderStateError('This order has been sent to the training provider and can no longer be canceled.')
		await transitionOrder(tx, orderId, [order.status], 'canceled')
		return order
	})
	if (previous.status === 'awaiting_payment') await expireOpenCheckouts(orderId)
	const refund = previous.paidWith ? await refundOrder(orderId, { reason: 'Canceled by the customer' }) : null
	return { refund }
}
