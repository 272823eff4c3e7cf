import { z } from 'zod'

// What each job carries: record ids and fixed codes, never personal data (the worker's log
// line and the admin page may show a payload). The registry (jobs/registry.ts) pairs each
// with its handler, retries and expiry; domain code only needs this contract to enqueue.

const id = z.string({ error: 'must be a record id' }).min(1, 'must be a record id').max(64, 'must be a record id')
const reason = z.string({ error: 'must be a short reason' }).min(1, 'must be a short reason').max(300, 'must be at most 300 characters')
/** Scheduled jobs take nothing: the time they run at is the time their rules use. */
const none = z.object({}).strict()

export const JOB_PAYLOADS = {
	'refund-order': z.object({ orderId: id, reason }).strict(),
	'refund-payment': z.object({ paymentId: id, reason }).strict(),
	'card-refund': z.object({ refundId: id }).strict(),
	'top-up-failed-notice': z.object({ paymentId: id }).strict(),
	'auto-top-up': z.object({ userId: id }).strict(),
	// pg-boss moves a job that failed its last attempt here with its own payload; the
	// alert reads which job it was from the dead-letter metadata.
	'job-failed-alert': z.record(z.string(), z.unknown()),
	'policy-notices': none,
	refunds: none,
	'coin-expiry': none,
	'test-checkout-expiry': none,
} as const

export type JobName = keyof typeof JOB_PAYLOADS
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_PAYLOADS)[N]>

export const JOB_NAMES = Object.keys(JOB_PAYLOADS) as JobName[]

export function isJobName(name: string): name is JobName {
	return Object.hasOwn(JOB_PAYLOADS, name)
}

export class JobPayloadError extends Error {
	constructor(
		readonly job: string,
		readonly issues: string[],
	) {
		super(`Invalid payload for job "${job}": ${issues.join('; ')}`)
		this.name = 'JobPayloadError'
	}
}

/** Checks a payload against its job's contract; the error names the job and each bad field. */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
	if (!isJobName(name)) throw new JobPayloadError(String(name), [`no such job (known: ${JOB_NAMES.join(', ')})`])
	const result = JOB_PAYLOADS[name].safeParse(data)
	if (result.success) return result.data as JobPayload<N>
	throw new JobPayloadError(
		name,
		result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'payload'} ${issue.message}`),
	)
}
