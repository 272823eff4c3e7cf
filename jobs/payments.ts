import { runCoinExpiryJob } from '#app/coins/expiry.server.ts'
import { runRefundJob } from '#app/payments/refunds.server.ts'
import { expireStaleTestCheckouts } from '#app/payments/test-mode.server.ts'
import { runLogged } from './run-logged.ts'

/**
 * Refunds failed and canceled paid orders, retries card refunds Stripe has not taken, and
 * closes test-mode checkouts left open for an hour (Stripe does that for real ones).
 */
export function runRefunds() {
	return runLogged('refunds', async () => ({ ...(await runRefundJob()), expiredTestCheckouts: await expireStaleTestCheckouts() }))
}

/** Warns 14 days before coins expire, then expires lots whose 12 months are over. */
export function runCoinExpiry() {
	return runLogged('coin-expiry', () => runCoinExpiryJob())
}
