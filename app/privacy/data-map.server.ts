import { declareDataMap } from '#policies/data-map.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { CLOCKS, END_ACTIONS, type DataCategory, type DataMap, type RetentionRule } from './data-map-schema.ts'

export function getDataMap(): DataMap {
	return declareDataMap({ paymentRecordYears: getEnv().PAYMENT_RECORDS_RETENTION_YEARS })
}

export type RetentionTask = {
	categoryId: string
	name: string
	scope: string | undefined
	status: DataCategory['status']
	storage: DataCategory['storage']
	rule: RetentionRule
}

/** What the retention jobs enforce: one task per category, straight from the map. */
export function retentionTasks(map: DataMap = getDataMap()): RetentionTask[] {
	return map.categories.map((item) => ({
		categoryId: item.id,
		name: item.name,
		scope: item.scope,
		status: item.status,
		storage: item.storage,
		rule: item.retention,
	}))
}

function plural(amount: number, unit: string) {
	const singular = unit.replace(/s$/, '')
	return `${amount} ${amount === 1 ? singular : `${singular}s`}`
}

/** "30 days after upload, then deleted" — the sentence the policy prints for a rule. */
export function describeRetention(rule: RetentionRule): string {
	if (!rule.duration) {
		if (rule.clock === 'removed') return `Until you or we remove it, then ${END_ACTIONS[rule.end]}`
		if (rule.clock === 'account_closed') return `Until the account is closed, then ${END_ACTIONS[rule.end]}`
		return `Kept: ${rule.reason}`
	}
	const when = `${plural(rule.duration.amount, rule.duration.unit)} ${CLOCKS[rule.clock]}`
	const then = `then ${END_ACTIONS[rule.end]}`
	return `${when[0]!.toUpperCase()}${when.slice(1)}, ${then}${rule.end === 'anonymise' && rule.reason ? ` (${rule.reason})` : ''}`
}
