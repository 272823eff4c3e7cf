import type Stripe from 'stripe'
import { addMonths, creditLot } from '#app/coins/ledger.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { cancelOrderPayment, payOrder } from '#app/payments/checkout.server.ts'
import * as review from '#app/routes/orders.$orderId_.review.tsx'
import * as webhook from '#app/routes/webhooks.stripe.tsx'
import { UserFacingError } from '#app/utils/errors.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, post, signIn } from '#tests/support/auth.ts'
import { drainJobs } from '#tests/support/jobs.ts'
import { callRoute, routeArgs } from '#tests/support/route.ts'
import { useStripeMode } from '#tests/support/stripe-server.ts'
import { readyOrder } from '#tests/support/orders.ts'

// The price an order is queued at is the price that was paid: a payment Stripe already took
// cannot be "canceled" into an editable order, and a settlement that finds another price
// refunds instead of queueing. The Terms accepted at checkout commit with the payment.

const stripe = useStripeMode()

const handler = (request: Request) => webhook.action(routeArgs(request) as never) as Promise<Response>

async function deliverAll(events: Stripe.Event[]) {
	for (const event of events) expect((await stripe.deliver(event, handler)).status).toBe(200)
}


const sessionIdFrom = (url: string) => new URL(url).pathname.split('/').pop()!
const orderOf = (db: Database, id: string) => db.prisma.order.findUniqueOrThrow({ where: { id }, select: { status: true, priceCoins: true, termsVersion: true } })

describe('the price an order is queued at', () => {
	test('a payment Stripe already took cannot be canceled into an editable order; its webhook then queues the order', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { priceCoins: 380 })
		const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo: 'card' })
		const events = stripe.completeCheckoutSession(sessionIdFrom(redirectTo))

		// Paid on Checkout; the customer presses "cancel the payment" before the webhook arrives.
		const refused = await cancelOrderPayment(orderId).catch((error: unknown) => error)
		expect(refused).toBeInstanceOf(UserFacingError)
		expect((refused as UserFacingError).status).toBe(409)
		expect((refused as Error).message).toMatch(/could not be canceled: Stripe may already have taken it/)
		expect(await orderOf(db, orderId)).toMatchObject({ status: 'awaiting_payment' })
		expect(await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { status: true } })).toEqual({ status: 'pending' })

		// The same press through the page shows the reason instead of reopening the order.
		const { cookie } = await signIn(db, customer)
		const page = await callRoute(review.action as never, routeArgs(post(`/orders/${orderId}/review`, { intent: 'cancel-payment' }, cookie), { orderId }))
		expect(page.status).toBe(409)
		expect(page.data).toMatchObject({ formError: expect.stringMatching(/could not be canceled/) })

		await deliverAll(events)
		expect(await orderOf(db, orderId)).toMatchObject({ status: 'queued', priceCoins: 380 })
	})

	test('a late payment for an order whose price changed is refunded in full, audited, and the order is not queued', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { priceCoins: 380 })
		const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo: 'card' })
		const events = stripe.completeCheckoutSession(sessionIdFrom(redirectTo))
		// However the order got back into the wizard (an older build, staff, a race), it now costs more.
		await db.prisma.order.update({ where: { id: orderId }, data: { priceCoins: 2080 } })

		await deliverAll(events)
		// The refund is a job enqueued with the settlement; a worker calls Stripe.
		expect(await drainJobs(db)).toMatchObject({ failed: 0 })

		expect(await orderOf(db, orderId)).toMatchObject({ status: 'draft', priceCoins: 2080 })
		const changes = await db.prisma.orderStatusChange.findMany({ where: { orderId }, select: { to: true }, orderBy: { at: 'asc' } })
		expect(changes.map((change) => change.to)).not.toContain('queued')
		expect(stripe.requests.filter((request) => request.path === '/v1/refunds').map((request) => request.body.amount)).toEqual(['380'])
		const refund = await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { amount: true, destination: true, reason: true } })
		expect(refund).toMatchObject({ amount: 380, destination: 'card' })
		expect(refund.reason).toMatch(/Paid €3\.80, but the order costs €20\.80 now/)
		const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'payment.amount_mismatch_refunded' }, select: { targetId: true, detail: true } })
		expect(audit).toMatchObject({ targetId: orderId, detail: { paidCents: 380, costCents: 2080 } })
	})

	test('a refused coin payment (402) leaves no checkout acceptance and no Terms version on the order', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { priceCoins: 380 })
		const { cookie } = await signIn(db, customer)
		const before = await db.prisma.policyAcceptance.count({ where: { userId: customer.id } })

		const result = await callRoute(
			review.action as never,
			routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', refundTo: 'coins', acceptTerms: 'on', termsVersion: '1.0' }, cookie), { orderId }),
		)

		expect(result.status).toBe(402)
		expect(result.data).toMatchObject({ formError: expect.stringMatching(/This needs 380 coins and your balance is 0/) })
		expect(await db.prisma.policyAcceptance.count({ where: { userId: customer.id } })).toBe(before)
		expect(await orderOf(db, orderId)).toMatchObject({ status: 'draft', termsVersion: null })
	})

	test('a successful coin payment records the checkout acceptance with it', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { priceCoins: 380 })
		await db.prisma.$transaction((tx) => creditLot(tx, { userId: customer.id, coins: 500, source: 'purchase', kind: 'top_up', expiresAt: addMonths(new Date(), 12) }))
		await payOrder(customer.id, orderId, { method: 'coins', termsVersion: '1.0', refundTo: 'coins' })
		expect(await orderOf(db, orderId)).toMatchObject({ status: 'queued', termsVersion: '1.0' })
		expect(await db.prisma.policyAcceptance.count({ where: { userId: customer.id, context: 'checkout', version: '1.0' } })).toBe(1)
	})
})
