import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { startStripeServer, type FakeStripe } from './stripe-server.ts'

let fake: FakeStripe
let stripe: Stripe

beforeEach(async () => {
	fake = await startStripeServer()
	stripe = fake.client()
})

afterEach(async () => {
	await fake.close()
})

const SUCCESS_URL = 'http://lorica.test/checkout/success?session_id={CHECKOUT_SESSION_ID}'

function paymentSession(customer: string, unitAmount = 1200) {
	return stripe.checkout.sessions.create({
		mode: 'payment',
		customer,
		line_items: [
			{
				price_data: {
					currency: 'eur',
					unit_amount: unitAmount,
					product_data: { name: 'LoRA training' },
					tax_behavior: 'inclusive',
				},
				quantity: 1,
			},
		],
		automatic_tax: { enabled: true },
		billing_address_collection: 'required',
		client_reference_id: 'order_1',
		metadata: { orderId: 'order_1' },
		payment_intent_data: { metadata: { orderId: 'order_1' } },
		success_url: SUCCESS_URL,
		cancel_url: 'http://lorica.test/checkout/cancel',
	})
}

async function paidIntent(unitAmount = 1200) {
	const customer = await stripe.customers.create({ email: 'ann@example.com' })
	const session = await paymentSession(customer.id, unitAmount)
	const [, succeeded] = fake.completeCheckoutSession(session.id)
	return succeeded?.data.object as Stripe.PaymentIntent
}

async function rejection(promise: Promise<unknown>) {
	try {
		await promise
	} catch (error) {
		if (error instanceof Stripe.errors.StripeError) return error
		throw error
	}
	throw new Error('Expected the Stripe call to fail')
}

describe('customers', () => {
	test('are created from a form body and retrieved by id', async () => {
		const created = await stripe.customers.create({ email: 'ann@example.com', name: 'Ann', metadata: { userId: 'u_1' } })
		expect(created).toMatchObject({ object: 'customer', email: 'ann@example.com', name: 'Ann', metadata: { userId: 'u_1' } })
		expect(created.id).toMatch(/^cus_/)
		expect(fake.requests.at(-1)).toEqual({
			method: 'POST',
			path: '/v1/customers',
			body: { email: 'ann@example.com', name: 'Ann', metadata: { userId: 'u_1' } },
		})

		const retrieved = await stripe.customers.retrieve(created.id)
		expect(retrieved).toEqual(created)
	})
})

describe('checkout in payment mode', () => {
	test('is paid on completion, with tax from the billing country', async () => {
		const customer = await stripe.customers.create({ email: 'ann@example.com' })
		const session = await paymentSession(customer.id)
		expect(session.id).toMatch(/^cs_test_/)
		expect(session).toMatchObject({
			object: 'checkout.session',
			url: `${fake.url}/pay/${session.id}`,
			status: 'open',
			payment_status: 'unpaid',
			mode: 'payment',
			currency: 'eur',
			customer: customer.id,
			amount_subtotal: 1200,
			amount_total: 1200,
			total_details: { amount_tax: 0 },
			metadata: { orderId: 'order_1' },
			client_reference_id: 'order_1',
			payment_intent: null,
		})
		const body = fake.requests.at(-1)?.body as { line_items: Array<{ price_data: { unit_amount: string } }> }
		expect(body.line_items[0]?.price_data.unit_amount).toBe('1200')
		expect((await fetch(session.url ?? '')).status).toBe(200)

		const events = fake.completeCheckoutSession(session.id, { billingCountry: 'FR' })
		expect(events.map((event) => event.type)).toEqual(['checkout.session.completed', 'payment_intent.succeeded'])

		const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent', 'line_items'] })
		expect(paid).toMatchObject({
			status: 'complete',
			payment_status: 'paid',
			amount_total: 1200,
			total_details: { amount_tax: 200 },
			customer_details: { email: 'ann@example.com', address: { country: 'FR' } },
			url: null,
		})
		const intent = paid.payment_intent as Stripe.PaymentIntent
		expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 1200, metadata: { orderId: 'order_1' } })
		expect(intent.id).toMatch(/^pi_/)
		expect(intent.latest_charge).toMatch(/^ch_/)
		expect(paid.line_items?.data[0]).toMatchObject({ amount_total: 1200, amount_tax: 200, quantity: 1 })
	})

	test('rounds tax half up per country and leaves unknown countries untaxed', async () => {
		const customer = await stripe.customers.create({})
		const german = await paymentSession(customer.id, 1000)
		fake.completeCheckoutSession(german.id)
		// 1000 - round(1000 / 1.19) = 1000 - 840 (840.34)
		expect((await stripe.checkout.sessions.retrieve(german.id)).total_details?.amount_tax).toBe(160)

		const american = await paymentSession(customer.id, 1000)
		fake.completeCheckoutSession(american.id, { billingCountry: 'US' })
		expect((await stripe.checkout.sessions.retrieve(american.id)).total_details?.amount_tax).toBe(0)
	})

	test('a failed attempt reports payment_intent.payment_failed and the session can still be paid', async () => {
		const customer = await stripe.customers.create({})
		const session = await paymentSession(customer.id)
		const failed = fake.failCheckoutPayment(session.id)
		const attempt = failed.data.object as Stripe.PaymentIntent
		expect(failed.type).toBe('payment_intent.payment_failed')
		expect(attempt).toMatchObject({
			status: 'requires_payment_method',
			metadata: { orderId: 'order_1' },
			last_payment_error: { type: 'card_error', code: 'card_declined' },
		})

		const [completed] = fake.completeCheckoutSession(session.id)
		expect((completed?.data.object as Stripe.Checkout.Session).payment_intent).toBe(attempt.id)
	})

	test('expires through the API or by the passing of time', async () => {
		const customer = await stripe.customers.create({})
		const first = await paymentSession(customer.id)
		const expired = await stripe.checkout.sessions.expire(first.id)
		expect(expired).toMatchObject({ status: 'expired', url: null })
		expect(fake.events.at(-1)?.type).toBe('checkout.session.expired')
		expect(await rejection(stripe.checkout.sessions.expire(first.id))).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)

		const second = await paymentSession(customer.id)
		const event = fake.expireCheckoutSession(second.id)
		expect(event).toMatchObject({ type: 'checkout.session.expired', data: { object: { id: second.id, status: 'expired' } } })
		expect(() => fake.completeCheckoutSession(second.id)).toThrow(/expired/)
	})
})

describe('webhook events', () => {
	test('are signed like Stripe signs them', async () => {
		const customer = await stripe.customers.create({})
		const session = await paymentSession(customer.id)
		const [event] = fake.completeCheckoutSession(session.id)
		if (!event) throw new Error('no event')
		expect(event).toMatchObject({ object: 'event', api_version: Stripe.API_VERSION, livemode: false, pending_webhooks: 1 })
		expect(event.id).toMatch(/^evt_/)

		const payload = JSON.stringify(event, null, 2)
		const verified = Stripe.webhooks.constructEvent(payload, fake.signPayload(payload), fake.webhookSecret)
		expect(verified).toEqual(event)

		expect(() => Stripe.webhooks.constructEvent(payload, fake.signPayload(payload), 'whsec_wrong')).toThrow(
			Stripe.errors.StripeSignatureVerificationError,
		)
		const stale = fake.signPayload(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 })
		expect(() => Stripe.webhooks.constructEvent(payload, stale, fake.webhookSecret)).toThrow(/tolerance/)
	})

	test('are delivered to a handler or a URL', async () => {
		const customer = await stripe.customers.create({})
		const session = await paymentSession(customer.id)
		const [event] = fake.completeCheckoutSession(session.id)
		if (!event) throw new Error('no event')

		const handled = await fake.deliver(event, async (request) => {
			expect(request.url).toBe('http://lorica.test/webhooks/stripe')
			const verified = Stripe.webhooks.constructEvent(
				await request.text(),
				request.headers.get('stripe-signature') ?? '',
				fake.webhookSecret,
			)
			return new Response(verified.id)
		})
		expect(await handled.text()).toBe(event.id)

		const received: string[] = []
		const receiver = http.createServer((request, response) => {
			received.push(String(request.headers['stripe-signature']))
			request.resume().on('end', () => response.end('ok'))
		})
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
		const { port } = receiver.address() as AddressInfo
		const forged = await fake.deliver(event, `http://127.0.0.1:${port}/webhooks/stripe`, { signature: 't=1,v1=forged' })
		expect(forged.status).toBe(200)
		expect(received).toEqual(['t=1,v1=forged'])
		await new Promise<void>((resolve) => receiver.close(() => resolve()))
	})
})

describe('checkout in setup mode and off-session payments', () => {
	async function savedCard(paymentMethod: 'succeeds' | 'declines_off_session') {
		const customer = await stripe.customers.create({ email: 'ann@example.com' })
		const session = await stripe.checkout.sessions.create({
			mode: 'setup',
			currency: 'eur',
			customer: customer.id,
			setup_intent_data: { metadata: { purpose: 'auto_top_up' } },
			success_url: SUCCESS_URL,
		})
		expect(session).toMatchObject({ status: 'open', setup_intent: null, amount_total: null })
		const events = fake.completeCheckoutSession(session.id, { paymentMethod })
		expect(events.map((event) => event.type)).toEqual(['checkout.session.completed'])
		const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] })
		expect(fake.requests.at(-1)?.body).toEqual({ expand: ['setup_intent'] })
		const setupIntent = completed.setup_intent as Stripe.SetupIntent
		expect(setupIntent).toMatchObject({ object: 'setup_intent', status: 'succeeded', customer: customer.id, metadata: { purpose: 'auto_top_up' } })
		expect(await stripe.setupIntents.retrieve(setupIntent.id)).toEqual(setupIntent)
		return { customer: customer.id, paymentMethod: String(setupIntent.payment_method) }
	}

	function topUp(card: { customer: string; paymentMethod: string }) {
		return stripe.paymentIntents.create({
			amount: 2000,
			currency: 'eur',
			customer: card.customer,
			payment_method: card.paymentMethod,
			off_session: true,
			confirm: true,
			metadata: { topUpId: 't_1' },
		})
	}

	test('charges the saved card', async () => {
		const card = await savedCard('succeeds')
		expect(card.paymentMethod).toMatch(/^pm_/)
		const intent = await topUp(card)
		expect(intent).toMatchObject({ status: 'succeeded', amount: 2000, amount_received: 2000, metadata: { topUpId: 't_1' } })
		expect(intent.latest_charge).toMatch(/^ch_/)
		expect(fake.events.at(-1)?.type).toBe('payment_intent.succeeded')
		expect(await stripe.paymentIntents.retrieve(intent.id)).toEqual(intent)
	})

	test('a card marked to decline answers 402 card_declined', async () => {
		const card = await savedCard('declines_off_session')
		const error = await rejection(topUp(card))
		expect(error).toBeInstanceOf(Stripe.errors.StripeCardError)
		expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' })
		const intent = error.payment_intent as Stripe.PaymentIntent
		expect(intent).toMatchObject({ status: 'requires_payment_method', metadata: { topUpId: 't_1' } })
		expect(fake.events.at(-1)).toMatchObject({ type: 'payment_intent.payment_failed', data: { object: { id: intent.id } } })
		expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method')
	})
})

describe('refunds', () => {
	test('refund part, then the rest, and no more', async () => {
		const intent = await paidIntent()
		const partial = await stripe.refunds.create({ payment_intent: intent.id, amount: 500, reason: 'requested_by_customer' })
		expect(partial).toMatchObject({ object: 'refund', amount: 500, status: 'succeeded', payment_intent: intent.id })
		expect(partial.id).toMatch(/^re_/)
		expect(fake.events.at(-1)).toMatchObject({
			type: 'charge.refunded',
			data: { object: { id: intent.latest_charge, amount_refunded: 500, refunded: false, refunds: { data: [{ id: partial.id }] } } },
		})

		const tooMuch = await rejection(stripe.refunds.create({ payment_intent: intent.id, amount: 800 }))
		expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
		expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' })

		const rest = await stripe.refunds.create({ charge: String(intent.latest_charge) })
		expect(rest.amount).toBe(700)
		const charge = fake.events.at(-1)?.data.object as Stripe.Charge
		expect(charge).toMatchObject({ amount_refunded: 1200, refunded: true })
		expect(charge.refunds?.data.map((refund) => refund.id)).toEqual([rest.id, partial.id])

		const again = await rejection(stripe.refunds.create({ payment_intent: intent.id }))
		expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' })
		expect(await stripe.refunds.retrieve(rest.id)).toEqual(rest)
	})
})

describe('disputes', () => {
	test('are opened and closed by Stripe', async () => {
		const intent = await paidIntent()
		const created = fake.createDispute(intent.id)
		const dispute = created.data.object as Stripe.Dispute
		expect(created.type).toBe('charge.dispute.created')
		expect(dispute).toMatchObject({
			object: 'dispute',
			charge: intent.latest_charge,
			payment_intent: intent.id,
			amount: 1200,
			currency: 'eur',
			reason: 'fraudulent',
			status: 'needs_response',
		})
		expect(dispute.id).toMatch(/^dp_/)
		expect(await rejection(stripe.refunds.create({ payment_intent: intent.id }))).toMatchObject({ code: 'charge_disputed' })

		const closed = fake.closeDispute(dispute.id, 'lost')
		expect(closed).toMatchObject({ type: 'charge.dispute.closed', data: { object: { id: dispute.id, status: 'lost' } } })
	})
})

describe('errors', () => {
	test('a missing required param is a 400 invalid_request_error', async () => {
		const error = await rejection(
			stripe.checkout.sessions.create({
				mode: 'payment',
				line_items: [{ price_data: { currency: 'eur', unit_amount: 500, product_data: { name: 'x' } }, quantity: 1 }],
			}),
		)
		expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
		expect(error).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'success_url' })

		const noQuantity = await rejection(
			stripe.checkout.sessions.create({
				mode: 'payment',
				success_url: SUCCESS_URL,
				line_items: [{ price_data: { currency: 'eur', unit_amount: 500, product_data: { name: 'x' } } }],
			}),
		)
		expect(noQuantity).toMatchObject({ statusCode: 400, param: 'line_items[0][quantity]' })
	})

	test('an unknown id is a 404 resource_missing', async () => {
		const error = await rejection(stripe.customers.retrieve('cus_missing'))
		expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
		expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such customer: 'cus_missing'" })
	})

	test('a wrong API key is a 401', async () => {
		const intruder = new Stripe('sk_test_wrong', { host: fake.host, port: fake.port, protocol: fake.protocol, maxNetworkRetries: 0 })
		const error = await rejection(intruder.customers.create({}))
		expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
		expect(error.statusCode).toBe(401)
	})
})

describe('idempotency', () => {
	test('replays the first answer for the same key and refuses different params', async () => {
		const first = await stripe.customers.create({ email: 'ann@example.com' }, { idempotencyKey: 'signup-1' })
		const second = await stripe.customers.create({ email: 'ann@example.com' }, { idempotencyKey: 'signup-1' })
		expect(second).toEqual(first)
		expect(second.lastResponse.headers['idempotent-replayed']).toBe('true')

		const changed = await rejection(stripe.customers.create({ email: 'bob@example.com' }, { idempotencyKey: 'signup-1' }))
		expect(changed).toBeInstanceOf(Stripe.errors.StripeIdempotencyError)
	})
})
