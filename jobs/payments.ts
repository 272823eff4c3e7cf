import { runCoinExpiryJob } from '#app/coins/expiry.server.ts'
import { runRefundJob } from '#app/payments/refunds.server.ts'
import { runLogged } from './run-logged.ts'

/** Refunds failed and canceled paid orders, and retries card refunds Stripe has not taken. */
export function runRefunds() {
	return runLogged('refunds', () => runRefundJob())
}

/** Warns 14 days before coins expire, then expires lots whose 12 months are over. */
export function runCoinExpiry() {
	return runLogged('coin-expiry', () => runCoinExpiryJob())
}
