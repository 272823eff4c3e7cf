import { prisma } from '#app/db/db.server.ts'

const ORDER_SUMMARY = {
	id: true,
	status: true,
	baseModel: true,
	conceptType: true,
	conceptDescription: true,
	priceCoins: true,
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
			statusChanges: { select: { from: true, to: true, at: true }, orderBy: { at: 'asc' } },
		},
	})
}

export const FAMILY_LABELS = { flux1_dev: 'Flux.1 dev', sdxl: 'SDXL', sd15: 'SD 1.5', wan21: 'Wan 2.1 (video)' } as const
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
