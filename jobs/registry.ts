import { runCoinExpiryJob } from '#app/coins/expiry.server.ts'
import { alertAdminsOfFailedJob } from '#app/jobs/alerts.server.ts'
import { defineJob, type AnyJobDefinition, type JobContext, type JobDefinition } from '#app/jobs/definition.ts'
import type { ScheduleName } from '#app/jobs/schedules.ts'
import { maybeAutoTopUp, sendTopUpFailedNotice } from '#app/payments/auto-top-up.server.ts'
import { executeCardRefund, refundOrder, refundPayment, runRefundJob } from '#app/payments/refunds.server.ts'
import { expireStaleTestCheckouts } from '#app/payments/test-mode.server.ts'
import { countDueNotices, deliverPolicyNotices, queuePolicyNotices } from '#app/policies/notices.server.ts'

// Every job Lorica runs: its payload contract (app/jobs/payloads.ts), retries, expiry,
// deduplication and the domain function it calls. A job may run twice (a retry after a
// crash, an expired run whose worker was only slow); each says why a second run has the
// effect of one. docs/decisions/0018-durable-jobs-on-pg-boss.md

const MINUTE = 60

export const JOBS = [
	// Idempotent: the order is locked and a refunded order refunds nothing; the card part
	// is its own job keyed by the refund id.
	defineJob({
		name: 'refund-order',
		retryLimit: 5,
		retryDelay: 30,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'standard',
		handler: (data) => refundOrder(data.orderId, { reason: data.reason }),
	}),
	// Idempotent: under the payment's lock, a payment whose amount is already covered by
	// non-failed refunds creates none.
	defineJob({
		name: 'refund-payment',
		retryLimit: 5,
		retryDelay: 30,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'standard',
		handler: (data) => refundPayment(data.paymentId, data.reason),
	}),
	// Idempotent: only a pending refund without a Stripe id is sent, and Stripe's
	// idempotency key is our refund id, so a repeat returns the first refund.
	defineJob({
		name: 'card-refund',
		retryLimit: 8,
		retryDelay: 60,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'standard',
		handler: (data) => executeCardRefund(data.refundId),
	}),
	// Once per payment: sendMailOnce records the e-mail under the payment id.
	defineJob({
		name: 'top-up-failed-notice',
		retryLimit: 5,
		retryDelay: 60,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'standard',
		handler: (data) => sendTopUpFailedNotice(data.paymentId),
	}),
	// Idempotent: under the wallet lock, a balance above the threshold or a pending
	// top-up younger than 15 minutes charges nothing; the Stripe call's idempotency key is
	// the payment id. `stately` with the customer id as key: one queued check per customer.
	defineJob({
		name: 'auto-top-up',
		retryLimit: 3,
		retryDelay: 30,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'stately',
		handler: (data) => maybeAutoTopUp(data.userId),
	}),
	// Once per final failure and admin: sendMailOnce keys on this job's id and the admin.
	defineJob({
		name: 'job-failed-alert',
		retryLimit: 10,
		retryDelay: 60,
		backoff: true,
		expireInSeconds: 5 * MINUTE,
		policy: 'standard',
		handler: (_data, context) => alertAdminsOfFailedJob(context),
	}),
	// Scheduled jobs use `singleton`: one runs at a time across every worker, and a fire
	// that comes while one runs waits its turn instead of running beside it.
	// Idempotent: a notice row per (customer, version) is inserted once and claimed before
	// it is sent.
	defineJob({
		name: 'policy-notices',
		retryLimit: 2,
		retryDelay: 60,
		backoff: false,
		expireInSeconds: 15 * MINUTE,
		policy: 'singleton',
		handler: async (_data, context) =>
			context.dryRun ? { queued: await queuePolicyNotices({ dryRun: true }), due: await countDueNotices() } : { queued: await queuePolicyNotices(), ...(await deliverPolicyNotices()) },
	}),
	// Scheduled. Idempotent: as refund-order and card-refund, for every order and card
	// refund still owed.
	defineJob({
		name: 'refunds',
		retryLimit: 2,
		retryDelay: 60,
		backoff: false,
		expireInSeconds: 15 * MINUTE,
		policy: 'singleton',
		timeBased: true,
		handler: (_data, context) => runRefundJob(context),
	}),
	// Scheduled. Idempotent: only pending test payments expire, under the payment's lock.
	defineJob({
		name: 'test-checkout-expiry',
		retryLimit: 2,
		retryDelay: 60,
		backoff: false,
		expireInSeconds: 15 * MINUTE,
		policy: 'singleton',
		timeBased: true,
		handler: async (_data, context) => ({ expired: await expireStaleTestCheckouts(context.now, context) }),
	}),
	// Scheduled. Idempotent: a lot's expiry entry is written under the wallet lock for what
	// is left in it (nothing the second time); a warning is claimed before it is sent.
	defineJob({
		name: 'coin-expiry',
		retryLimit: 2,
		retryDelay: 60,
		backoff: false,
		expireInSeconds: 30 * MINUTE,
		policy: 'singleton',
		timeBased: true,
		handler: (_data, context) => runCoinExpiryJob(context.now, context),
	}),
] as const satisfies readonly AnyJobDefinition[]

export function jobDefinition(name: string): AnyJobDefinition | undefined {
	return (JOBS as readonly AnyJobDefinition[]).find((job) => job.name === name)
}

/** A scheduled job's handler, run directly (npm run jobs, tests): scheduled jobs take no payload. */
export function runScheduledJob(name: ScheduleName, context: JobContext) {
	return (jobDefinition(name) as JobDefinition<ScheduleName>).handler({}, context)
}
