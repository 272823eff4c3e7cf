import { PERIODS, type PeriodName } from '#policies/data-map.ts'
import type { Duration } from './data-map-schema.ts'

// The periods the policies state (cookie, link and coin lifetimes) live in the data map;
// code that sets a cookie or signs a link takes its figure from here, so the published
// cookie table and the Set-Cookie header cannot disagree.

const MINUTE_MS = 60_000
const DAY_MS = 24 * 60 * MINUTE_MS
/** A calendar month or year has no fixed length; a lifetime in milliseconds counts 365-day years. */
const UNIT_MS: Record<Duration['unit'], number> = { minutes: MINUTE_MS, hours: 60 * MINUTE_MS, days: DAY_MS, months: (365 * DAY_MS) / 12, years: 365 * DAY_MS }

export function period(name: PeriodName): Duration {
	return PERIODS[name]
}

export function periodMs(name: PeriodName): number {
	const { amount, unit } = PERIODS[name]
	return amount * UNIT_MS[unit]
}

export function periodSeconds(name: PeriodName): number {
	return Math.round(periodMs(name) / 1000)
}

/** "12 months", "1 day" — how the policies and pages write a period. */
export function describeDuration({ amount, unit }: Duration): string {
	const singular = unit.replace(/s$/, '')
	return `${amount} ${amount === 1 ? singular : `${singular}s`}`
}

export function describePeriod(name: PeriodName): string {
	return describeDuration(PERIODS[name])
}
