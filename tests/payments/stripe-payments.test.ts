import { extractText, getDocumentProxy } from 'unpdf'
import type Stripe from 'stripe'
import { coinBalance, creditLot, addMonths } from '#app/coins/ledger.server.ts'
import { maybeAutoTopUp } from '#app/payments/auto-top-up.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { cancelOrder } from '#app/orders/cancel.server.ts'
import { transitionOrder } from '#app/orders/transitions.server.ts'
import { buyCoins, payOrder, saveCardForTopUps } from '#app/payments/checkout.server.ts'
import { refundOrder, runRefundJob } from '#app/payments/refunds.server.ts'
import * as invoiceRoute from '#app/routes/invoices.$paymentId.tsx'
import * as webhook from '#app/routes/webhooks.stripe.tsx'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { drainJobs } from '#tests/support/jobs.ts'
import { createUser, get, signIn, type TestUser } from '#tests/support/auth.ts'
import { routeArgs } from '#tests/support/route.ts'
import { useStripeMode, type FakeStripe } from '#tests/support/stripe-server.ts'
import { readyOrder } from '#tests/support/orders.ts'

// Card payments end to end against a local server speaking Stripe's API, with the real
// `stripe` client and webhooks signed with Stripe's scheme.

const stripe = useStripeMode()

const handler = (request: Request) => webhook.action(routeArgs(request) as never) as Promise<Response>

async function deliver(event: Stripe.Event, options?: Parameters<FakeStripe['deliver']>[2]) {
	const response = await stripe.deliver(event, handler, options)
	return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function deliverAll(events: Stripe.Event[]) {
	for (const event of events) expect((await deliver(event)).status).toBe(200)
}


function sessionIdFrom(url: string) {
	return new URL(url).pathname.split('/').pop()!
}

async function payByCard(db: Database, customer: TestUser, refundTo: 'coins' | 'card' = 'card', country = 'FR') {
	const orderId = await readyOrder(db, customer, { provider: 'fal' })
	const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo })
	const events = stripe.completeCheckoutSession(sessionIdFrom(redirectTo), { billingCountry: country })
	return { orderId, redirectTo, events }
}

async function statuses(db: Database, orderId: string) {
	const rows = await db.prisma.orderStatusChange.findMany({ where: { orderId }, select: { to: true }, orderBy: { at: 'asc' } })
	return rows.map((row) => row.to)
}

describe('paying an order by card', () => {
	test('Checkout, then the signed webhook, move the order to queued with tax and an invoice number', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { provider: 'fal' })
		const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo: 'card' })
		expect(redirectTo).toMatch(new RegExp(`^${stripe.url}/pay/cs_`))
		expect(await db.prisma.order.findUnique({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'awaiting_payment' })
		const created = stripe.requests.find((request) => request.method === 'POST' && request.path === '/v1/checkout/sessions')!
		expect(created.body).toMatchObject({ mode: 'payment', line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '400', tax_behavior: 'inclusive' } }] })

		const events = stripe.completeCheckoutSession(sessionIdFrom(redirectTo), { billingCountry: 'FR' })
		await deliverAll(events)

		expect(await statuses(db, orderId)).toEqual(['draft', 'awaiting_payment', 'paid', 'queued'])
		const payment = await db.prisma.payment.findFirstOrThrow({ where: { orderId } })
		expect(payment).toMatchObject({ status: 'succeeded', amountTotal: 400, amountTax: 67, amountSubtotal: 333, currency: 'eur', billingCountry: 'FR', mode: 'stripe' })
		expect(payment.invoiceNumber).toMatch(new RegExp(`^LOR-${new Date().getUTCFullYear()}-000001$`))
		expect(payment.stripePaymentIntentId).toMatch(/^pi_/)
	})

	test('a replayed event changes nothing and says so', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer)
		const completed = events.find((event) => event.type === 'checkout.session.completed')!
		expect((await deliver(completed)).body).toMatchObject({ outcome: 'order_queued', duplicate: false })
		const before = { changes: await statuses(db, orderId), counter: await db.prisma.invoiceCounter.findMany() }
		const again = await deliver(completed)
		expect(again).toEqual({ status: 200, body: { received: true, outcome: 'order_queued', duplicate: true } })
		expect({ changes: await statuses(db, orderId), counter: await db.prisma.invoiceCounter.findMany() }).toEqual(before)
		expect(await db.prisma.stripeEvent.count({ where: { id: completed.id } })).toBe(1)
	})

	test('two deliveries of the same event at once apply it once', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer)
		const completed = events.find((event) => event.type === 'checkout.session.completed')!
		const results = await Promise.all([deliver(completed), deliver(completed)])
		expect(results.map((result) => result.status)).toEqual([200, 200])
		expect(results.filter((result) => result.body.duplicate === false)).toHaveLength(1)
		expect(await statuses(db, orderId)).toEqual(['draft', 'awaiting_payment', 'paid', 'queued'])
	})

	test('late expiry and failure events of a paid session are acknowledged and ignored', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, redirectTo, events } = await payByCard(db, customer)
		await deliverAll(events)
		const payment = await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { id: true } })
		const expired = { ...events[0]!, id: 'evt_late_expiry', type: 'checkout.session.expired', data: { object: { id: sessionIdFrom(redirectTo), object: 'checkout.session', metadata: { paymentId: payment.id }, status: 'expired' } } } as unknown as Stripe.Event
		expect((await deliver(expired)).body).toMatchObject({ outcome: 'ignored_succeeded' })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'queued' })
		expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: payment.id }, select: { status: true } })).toEqual({ status: 'succeeded' })
	})

	test('an expired Checkout returns the order to its draft', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { provider: 'fal' })
		const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo: 'coins' })
		await deliver(stripe.expireCheckoutSession(sessionIdFrom(redirectTo)))
		expect(await statuses(db, orderId)).toEqual(['draft', 'awaiting_payment', 'draft'])
		expect(await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { status: true } })).toEqual({ status: 'expired' })
	})

	test('events about payments we never made are acknowledged, not retried forever', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { events } = await payByCard(db, customer)
		await db.prisma.payment.deleteMany()
		const result = await deliver(events.find((event) => event.type === 'checkout.session.completed')!)
		expect(result).toMatchObject({ status: 200, body: { outcome: 'ignored_unknown_payment' } })
	})
})

describe('webhook signatures', () => {
	test('a wrong secret, an old timestamp, a missing header or a changed body get 400 problem details and change nothing', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer)
		const completed = events.find((event) => event.type === 'checkout.session.completed')!
		const wrongSecret = await deliver(completed, { secret: 'whsec_not_the_right_one' })
		expect(wrongSecret.status).toBe(400)
		expect(wrongSecret.body).toMatchObject({ title: 'Invalid signature', status: 400 })
		const old = await deliver(completed, { timestamp: Math.floor(Date.now() / 1000) - 600 })
		expect(old.status).toBe(400)
		expect(String(old.body.detail)).toMatch(/tolerance/i)

		const payload = JSON.stringify(completed)
		const missing = await handler(new Request('http://lorica.test/webhooks/stripe', { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } }))
		expect(missing.status).toBe(400)
		expect(missing.headers.get('content-type')).toBe('application/problem+json')
		const tampered = await handler(
			new Request('http://lorica.test/webhooks/stripe', {
				method: 'POST',
				body: payload.replace('"amount_total":400', '"amount_total":1'),
				headers: { 'content-type': 'application/json', 'stripe-signature': stripe.signPayload(payload) },
			}),
		)
		expect(tampered.status).toBe(400)
		expect(await db.prisma.stripeEvent.count()).toBe(0)
		expect(await statuses(db, orderId)).toEqual(['draft', 'awaiting_payment'])
	})

	test('without Stripe keys the endpoint says so instead of accepting anything', async () => {
		delete process.env.STRIPE_SECRET_KEY
		delete process.env.STRIPE_WEBHOOK_SECRET
		resetEnvCache()
		const response = await handler(new Request('http://lorica.test/webhooks/stripe', { method: 'POST', body: '{}', headers: { 'stripe-signature': 't=1,v1=00' } }))
		expect(response.status).toBe(404)
		expect(await response.json()).toMatchObject({ title: 'Stripe is not configured' })
	})
})

describe('refunds', () => {
	test('canceling a queued card order refunds the card through Stripe; charge.refunded confirms it', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer, 'card')
		await deliverAll(events)
		const { refund } = await cancelOrder(customer.id, orderId)
		expect(refund).toMatchObject({ destination: 'card', amount: 400 })
		// The call to Stripe is the card-refund job, enqueued with the refund.
		expect(stripe.requests.some((request) => request.path === '/v1/refunds')).toBe(false)
		expect(await drainJobs(db)).toMatchObject({ completed: 1, failed: 0 })
		const call = stripe.requests.find((request) => request.path === '/v1/refunds')!
		expect(call.body).toMatchObject({ amount: '400', metadata: { refundId: refund!.refundId } })
		expect(await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { status: true, stripeRefundId: true } })).toMatchObject({ status: 'pending', stripeRefundId: expect.stringMatching(/^re_/) })

		await deliver(stripe.events.find((event) => event.type === 'charge.refunded')!)
		expect(await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { status: true } })).toEqual({ status: 'succeeded' })
		expect(await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { status: true, amountRefunded: true } })).toEqual({ status: 'refunded', amountRefunded: 400 })
		expect(await statuses(db, orderId)).toEqual(['draft', 'awaiting_payment', 'paid', 'queued', 'canceled', 'refunded'])
		// Once is enough: a second refund attempt finds the order refunded.
		expect(await refundOrder(orderId, { reason: 'again' })).toEqual({ destination: 'none', amount: 0, refundId: null })
		expect(stripe.requests.filter((request) => request.path === '/v1/refunds')).toHaveLength(1)
	})

	test('a card order whose customer chose coins is refunded into the wallet, without calling Stripe', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer, 'coins')
		await deliverAll(events)
		const before = stripe.requests.length
		await cancelOrder(customer.id, orderId)
		expect(await coinBalance(db.prisma, customer.id)).toBe(400)
		expect(stripe.requests.slice(before).some((request) => request.path === '/v1/refunds')).toBe(false)
	})

	test('a failed order is refunded by the refund job', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer, 'card')
		await deliverAll(events)
		await db.prisma.$transaction((tx) => transitionOrder(tx, orderId, ['queued'], 'failed'))
		expect(await runRefundJob()).toMatchObject({ orders: 1 })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'refunded' })
		expect(await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { destination: true, amount: true, reason: true } })).toEqual({
			destination: 'card',
			amount: 400,
			reason: 'The training failed',
		})
		expect(await runRefundJob()).toMatchObject({ orders: 0 })
	})

	test('money that arrives after the customer canceled goes straight back', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const orderId = await readyOrder(db, customer, { provider: 'fal' })
		const { redirectTo } = await payOrder(customer.id, orderId, { method: 'card', termsVersion: '1.0', refundTo: 'coins' })
		// The customer cancels in another tab while Stripe is already charging the card.
		await db.prisma.$transaction((tx) => transitionOrder(tx, orderId, ['awaiting_payment'], 'canceled'))
		await deliverAll(stripe.completeCheckoutSession(sessionIdFrom(redirectTo)))
		// refund-payment, then the card-refund it enqueues.
		expect(await drainJobs(db)).toMatchObject({ completed: 2, failed: 0 })
		expect(stripe.requests.some((request) => request.path === '/v1/refunds' && request.body.amount === '400')).toBe(true)
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'canceled' })
	})

	test('staff refunds need a reason and are audited', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const admin = await createUser(db, 'admin')
		const { orderId, events } = await payByCard(db, customer, 'card')
		await deliverAll(events)
		await db.prisma.$transaction((tx) => transitionOrder(tx, orderId, ['queued'], 'submitted').then(() => transitionOrder(tx, orderId, ['submitted'], 'completed')))
		await refundOrder(orderId, { reason: 'Results unusable (ticket 42)', actor: { id: admin.id, role: 'admin' } })
		const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'order.refunded' }, select: { actorId: true, targetId: true, detail: true } })
		expect(audit).toMatchObject({ actorId: admin.id, targetId: orderId, detail: { destination: 'card', amount: 400, reason: 'Results unusable (ticket 42)' } })
	})
})

describe('disputes', () => {
	test('a dispute places a legal hold on the order and the customer; closing it releases the hold', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer)
		await deliverAll(events)
		const payment = await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { stripePaymentIntentId: true } })
		const created = stripe.createDispute(payment.stripePaymentIntentId!, 'fraudulent')
		expect((await deliver(created)).body).toMatchObject({ outcome: 'hold_placed' })
		const hold = await db.prisma.legalHold.findFirstOrThrow({ select: { userId: true, orderId: true, source: true, reason: true, releasedAt: true } })
		expect(hold).toEqual({ userId: customer.id, orderId, source: 'dispute', reason: 'Card dispute (fraudulent)', releasedAt: null })
		expect(await deliver(created)).toMatchObject({ body: { duplicate: true } })
		expect(await db.prisma.legalHold.count()).toBe(1)

		const disputeId = (created.data.object as Stripe.Dispute).id
		await deliver(stripe.closeDispute(disputeId, 'won'))
		expect(await db.prisma.legalHold.findFirstOrThrow({ select: { releasedAt: true, releaseNote: true } })).toMatchObject({ releasedAt: expect.any(Date), releaseNote: 'Dispute closed: won' })
		expect(await db.prisma.auditEvent.count({ where: { action: { in: ['hold.placed', 'hold.released'] } } })).toBe(2)
	})

	test('closed before created (out of order): the hold ends released, and the late "created" does not reopen it', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer)
		await deliverAll(events)
		const payment = await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { stripePaymentIntentId: true } })
		const created = stripe.createDispute(payment.stripePaymentIntentId!)
		const closed = stripe.closeDispute((created.data.object as Stripe.Dispute).id, 'lost')
		await deliver(closed)
		await deliver(created)
		expect(await db.prisma.legalHold.findMany({ select: { releasedAt: true } })).toEqual([{ releasedAt: expect.any(Date) }])
	})
})

describe('coins and saved cards through Checkout', () => {
	test('a bundle bought with Checkout becomes a lot expiring in 12 months', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const url = await buyCoins(customer.id, 'coins_2500')
		await deliverAll(stripe.completeCheckoutSession(sessionIdFrom(url), { billingCountry: 'DE' }))
		expect(await coinBalance(db.prisma, customer.id)).toBe(2500)
		const lot = await db.prisma.coinLot.findFirstOrThrow({ select: { expiresAt: true, acquiredAt: true, payment: { select: { amountTotal: true, amountTax: true } } } })
		expect(lot.expiresAt.getTime()).toBe(addMonths(lot.acquiredAt, 12).getTime())
		expect(lot.payment).toEqual({ amountTotal: 2400, amountTax: 383 })
	})

	test('auto top-up charges the saved card off-session; a decline switches it off', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const setup = await saveCardForTopUps(customer.id)
		await deliverAll(stripe.completeCheckoutSession(sessionIdFrom(setup), { paymentMethod: 'succeeds' }))
		const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { userId: customer.id }, select: { paymentMethodId: true } })
		expect(wallet.paymentMethodId).toMatch(/^pm_/)
		await db.prisma.wallet.update({ where: { userId: customer.id }, data: { autoTopUp: true, autoTopUpThreshold: 500, autoTopUpBundle: 'coins_1000' } })
		await db.prisma.$transaction((tx) => creditLot(tx, { userId: customer.id, coins: 100, source: 'adjustment', kind: 'adjustment', expiresAt: addMonths(new Date(), 1), reason: 'test' }))
		expect(await maybeAutoTopUp(customer.id)).toBe('succeeded')
		expect(await coinBalance(db.prisma, customer.id)).toBe(1100)
		const charge = stripe.requests.find((request) => request.path === '/v1/payment_intents')!
		expect(charge.body).toMatchObject({ off_session: 'true', confirm: 'true', amount: '1000', payment_method: wallet.paymentMethodId })

		const declining = await saveCardForTopUps(customer.id)
		await deliverAll(stripe.completeCheckoutSession(sessionIdFrom(declining), { paymentMethod: 'declines_off_session' }))
		await db.prisma.wallet.update({ where: { userId: customer.id }, data: { autoTopUp: true, autoTopUpThreshold: 5000 } })
		expect(await maybeAutoTopUp(customer.id)).toBe('failed')
		expect(await db.prisma.wallet.findUniqueOrThrow({ where: { userId: customer.id }, select: { autoTopUp: true, autoTopUpFailure: true } })).toEqual({
			autoTopUp: false,
			autoTopUpFailure: 'generic_decline',
		})
		expect(await coinBalance(db.prisma, customer.id)).toBe(1100)
	})
})

describe('the invoice', () => {
	test('the PDF names the seller, the buyer, the amounts with tax and the Stripe reference; other customers get 404', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, events } = await payByCard(db, customer, 'card', 'DE')
		await deliverAll(events)
		const payment = await db.prisma.payment.findFirstOrThrow({ where: { orderId }, select: { id: true, invoiceNumber: true, stripePaymentIntentId: true } })
		const { cookie } = await signIn(db, customer)
		const response = (await invoiceRoute.loader(routeArgs(get(`/invoices/${payment.id}`, cookie), { paymentId: payment.id }) as never)) as Response
		expect(response.headers.get('content-type')).toBe('application/pdf')
		const pdf = await getDocumentProxy(new Uint8Array(await response.arrayBuffer()))
		const { text } = await extractText(pdf, { mergePages: true })
		for (const expected of [payment.invoiceNumber!, payment.stripePaymentIntentId!, customer.email, 'Germany', 'Lorica Demo Ltd.', '€4.00', '€0.64', '€3.36', 'VAT 19 % (DE)', 'A brass robot detective'])
			expect(text).toContain(expected)
		expect(text).not.toMatch(/TEST PAYMENT/)

		const stranger = await createUser(db, 'customer')
		const other = await signIn(db, stranger)
		await expect(invoiceRoute.loader(routeArgs(get(`/invoices/${payment.id}`, other.cookie), { paymentId: payment.id }) as never)).rejects.toMatchObject({ status: 404 })
	})
})
