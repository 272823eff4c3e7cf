import Stripe from 'stripe'
import { getEnv } from '#app/utils/env.server.ts'

// Card payments go through Stripe when STRIPE_SECRET_KEY is set; without it (the embedded
// demo) a local test-payment page stands in for Stripe Checkout and hands its result to the
// same settlement code the webhook uses (docs/decisions/0013-payments.md).

export type PaymentMode = 'stripe' | 'test'

export function paymentMode(): PaymentMode {
	return getEnv().STRIPE_SECRET_KEY ? 'stripe' : 'test'
}

let cached: { key: string; client: Stripe } | undefined

export function getStripe(): Stripe {
	const { STRIPE_SECRET_KEY, STRIPE_API_URL } = getEnv()
	if (!STRIPE_SECRET_KEY) throw new Error('Stripe is not configured (STRIPE_SECRET_KEY is unset): payments run in test mode')
	const key = `${STRIPE_SECRET_KEY}|${STRIPE_API_URL ?? ''}`
	if (cached?.key === key) return cached.client
	const endpoint = STRIPE_API_URL ? new URL(STRIPE_API_URL) : null
	const client = new Stripe(STRIPE_SECRET_KEY, {
		// Retries reuse the idempotency key the library adds, so a retried create is safe.
		maxNetworkRetries: 2,
		timeout: 20_000,
		appInfo: { name: 'Lorica' },
		...(endpoint
			? {
					host: endpoint.hostname,
					port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
					protocol: endpoint.protocol === 'https:' ? ('https' as const) : ('http' as const),
				}
			: {}),
	})
	cached = { key, client }
	return client
}

/** The webhook secret; only called in Stripe mode, where the environment check made it required. */
export function webhookSecret() {
	const secret = getEnv().STRIPE_WEBHOOK_SECRET
	if (!secret) throw new Error('STRIPE_WEBHOOK_SECRET is unset')
	return secret
}
