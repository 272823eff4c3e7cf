import { declareDataMap, type CategoryId } from '#policies/data-map.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { CLOCKS, END_ACTIONS, type Cookie, type DataCategory, type DataMap, type RetentionRule } from './data-map-schema.ts'
import { describeDuration } from './periods.server.ts'

export function getDataMap(): DataMap {
	return declareDataMap({ paymentRecordYears: getEnv().PAYMENT_RECORDS_RETENTION_YEARS })
}

/** One category by id; `CategoryId` is the literal union, so a misspelt id does not compile. */
export function category(id: CategoryId, map: DataMap = getDataMap()): DataCategory {
	const found = map.categories.find((item) => item.id === id)
	if (!found) throw new Error(`the data map has no category ${id}`)
	return found
}

/** "30 days" — the period of a category's retention rule, for pages that restate it. */
export function retentionPeriod(id: CategoryId, map: DataMap = getDataMap()): string {
	const { duration } = category(id, map).retention
	if (!duration) throw new Error(`category ${id} has no fixed retention period`)
	return describeDuration(duration)
}

export type RetentionTask = {
	categoryId: CategoryId
	name: string
	scope: DataCategory['scope']
	status: DataCategory['status']
	storage: DataCategory['storage']
	rule: RetentionRule
}

/** What the retention jobs enforce: one task per category, straight from the map. */
export function retentionTasks(map: DataMap = getDataMap()): RetentionTask[] {
	return map.categories.map((item) => ({
		categoryId: item.id as CategoryId,
		name: item.name,
		scope: item.scope,
		status: item.status,
		storage: item.storage,
		rule: item.retention,
	}))
}


/** "30 days after upload, then deleted" — the sentence the policy prints for a rule. */
export function describeRetention(rule: RetentionRule): string {
	if (!rule.duration) {
		if (rule.clock === 'removed') return `Until you or we remove it, then ${END_ACTIONS[rule.end]}`
		if (rule.clock === 'account_closed') return `Until the account is closed, then ${END_ACTIONS[rule.end]}`
		return `Kept: ${rule.reason}`
	}
	const when = `${describeDuration(rule.duration)} ${CLOCKS[rule.clock]}`
	const then = `then ${END_ACTIONS[rule.end]}`
	return `${when[0]!.toUpperCase()}${when.slice(1)}, ${then}${rule.end === 'anonymise' && rule.reason ? ` (${rule.reason})` : ''}`
}

/** "30 days, or until you sign out" — the lifetime column of the cookie table. */
export function describeCookieLifetime(cookie: Cookie, map: DataMap = getDataMap()): string {
	const lifetime = map.periods[cookie.lifetime.period]
	if (!lifetime) throw new Error(`cookie ${cookie.name} names unknown period ${cookie.lifetime.period}`)
	return cookie.lifetime.orUntil ? `${describeDuration(lifetime)}, or until ${cookie.lifetime.orUntil}` : describeDuration(lifetime)
}
