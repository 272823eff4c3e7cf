import { Prisma } from '#app/generated/prisma/client.ts'
import type { DataMap } from './data-map-schema.ts'

export type SchemaFields = Record<string, string[]>

/** Every scalar field of every model, as the generated client knows them. */
export function schemaFields(): SchemaFields {
	const namespace = Prisma as unknown as Record<string, Record<string, string>>
	return Object.fromEntries(
		Object.values(Prisma.ModelName).map((model) => [model, Object.values(namespace[`${model}ScalarFieldEnum`] ?? {})]),
	)
}

/**
 * Fields that cannot hold personal data on their own (ids, keys, hashes, flags). Each
 * needs its reason: this list is where a personal field would hide.
 */
export type NonPersonalFields = Record<string, Record<string, string>>

export type CoverageProblem = { model: string; field: string; problem: string }

/** Both directions: every schema field is mapped or declared non-personal, and every mapped field exists. */
export function checkCoverage(fields: SchemaFields, map: DataMap, nonPersonal: NonPersonalFields): CoverageProblem[] {
	const mapped = new Map<string, Set<string>>()
	const problems: CoverageProblem[] = []
	for (const item of map.categories) {
		if (item.status !== 'active') continue
		for (const storage of item.storage) {
			if (storage.kind !== 'database') continue
			const known = fields[storage.model]
			for (const field of storage.fields) {
				if (!known?.includes(field))
					problems.push({ model: storage.model, field, problem: `category ${item.id} maps ${storage.model}.${field}, which the schema does not have` })
				mapped.set(storage.model, (mapped.get(storage.model) ?? new Set()).add(field))
			}
		}
	}
	for (const [model, modelFields] of Object.entries(fields)) {
		for (const field of modelFields) {
			if (mapped.get(model)?.has(field) || nonPersonal[model]?.[field]) continue
			problems.push({
				model,
				field,
				problem: `${model}.${field} is in the schema but not in the data map: add it to a category in policies/data-map.ts, or to the non-personal list with a reason`,
			})
		}
	}
	return problems
}
