import { prisma } from '#app/db/db.server.ts'

const ORDER_SUMMARY = {
	id: true,
	status: true,
	baseModel: true,
	conceptType: true,
	conceptDescription: true,
	priceCoins: true,
	wizardStep: true,
	createdAt: true,
} as const

export function listOwnOrders(customerId: string) {
	return prisma.order.findMany({ where: { customerId }, select: ORDER_SUMMARY, orderBy: { createdAt: 'desc' } })
}

export function listAllOrders(take = 100) {
	return prisma.order.findMany({
		select: { ...ORDER_SUMMARY, customer: { select: { id: true, email: true } } },
		orderBy: { createdAt: 'desc' },
		take,
	})
}

export function getOrderDetail(orderId: string) {
	return prisma.order.findUnique({
		where: { id: orderId },
		select: {
			...ORDER_SUMMARY,
			customerId: true,
			triggerWords: true,
			wizardStep: true,
			settings: true,
			provider: true,
			termsVersion: true,
			refundTo: true,
			paidWith: true,
			paidAt: true,
			statusChanges: { select: { from: true, to: true, at: true }, orderBy: { at: 'asc' } },
			_count: { select: { images: true } },
			payments: {
				where: { status: { in: ['pending', 'succeeded', 'refunded', 'partially_refunded'] } },
				select: { id: true, status: true, mode: true, amountTotal: true, amountTax: true, amountRefunded: true, currency: true, invoiceNumber: true, paidAt: true, checkoutUrl: true, createdAt: true, disputeStatus: true },
				orderBy: { createdAt: 'asc' },
			},
			refunds: { select: { id: true, destination: true, amount: true, reason: true, status: true, createdAt: true }, orderBy: { createdAt: 'asc' } },
			legalHolds: { where: { releasedAt: null }, select: { id: true, reason: true, placedAt: true } },
		},
	})
}

export const STATUS_LABELS = {
	draft: 'Draft',
	awaiting_payment: 'Awaiting payment',
	paid: 'Paid',
	queued: 'Queued',
	submitted: 'Submitted to provider',
	training: 'Training',
	completed: 'Completed',
	failed: 'Failed',
	canceled: 'Canceled',
	refunded: 'Refunded',
} as const

/** Whose order it is: all an action needs before it checks access. */
export function getOrderOwner(orderId: string) {
	return prisma.order.findUnique({ where: { id: orderId }, select: { id: true, customerId: true } })
}
