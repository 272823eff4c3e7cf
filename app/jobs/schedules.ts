import { validateDetailed } from 'node-cron'

// The recurring jobs and when they fire by default. Each can be moved by configuration
// (SCHEDULE_<NAME>, SCHEDULE_<NAME>_TZ, validated at boot by env.server.ts) or switched
// off with SCHEDULE_<NAME>=off. A fire only enqueues the job of the same name.

export const SCHEDULES = {
	'policy-notices': { cron: '*/5 * * * *', timezone: 'UTC', what: 'queue and send e-mail notices of material policy changes' },
	refunds: { cron: '*/5 * * * *', timezone: 'UTC', what: 'refund failed and canceled paid orders, retry card refunds Stripe has not taken' },
	'test-checkout-expiry': { cron: '*/5 * * * *', timezone: 'UTC', what: 'close test-payment checkouts left open for an hour' },
	// Hourly rather than daily: a restart never skips a day, and a run with nothing due is one query.
	'coin-expiry': { cron: '7 * * * *', timezone: 'UTC', what: 'warn 14 days before coins expire, expire lots past their lifetime' },
} as const

export type ScheduleName = keyof typeof SCHEDULES

export const SCHEDULE_NAMES = Object.keys(SCHEDULES) as ScheduleName[]

/** SCHEDULE_POLICY_NOTICES for policy-notices. */
export function scheduleVariable(name: ScheduleName) {
	return `SCHEDULE_${name.toUpperCase().replaceAll('-', '_')}`
}

/** Why a cron expression is refused, or null when node-cron accepts it. */
export function cronProblem(expression: string): string | null {
	const result = validateDetailed(expression)
	if (result.valid) return null
	const detail = result.errors.map((error) => `${error.field}${error.value === undefined ? '' : ` "${error.value}"`}: ${error.message}`).join(', ')
	return `must be a cron expression of 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "*/5 * * * *"${detail ? ` (${detail})` : ''}`
}

export function timezoneProblem(zone: string): string | null {
	try {
		new Intl.DateTimeFormat('en', { timeZone: zone })
		return null
	} catch {
		return 'must be an IANA time zone such as UTC or Europe/Berlin'
	}
}
