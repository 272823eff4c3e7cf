import type { ActionFunctionArgs } from '@remix-run/node'
import { handleStripeWebhook } from '#app/payments/webhook.server.ts'
import { problem } from '#app/utils/problem.server.ts'

export async function action({ request }: ActionFunctionArgs) {
	if (request.method !== 'POST') return problem(405, 'Method not allowed', 'Stripe delivers events with POST.')
	return handleStripeWebhook(request)
}

export function loader() {
	return problem(405, 'Method not allowed', 'Stripe delivers events with POST.')
}
