import { SUBJECT_IDENTIFIERS, type DataCategory, type DatabaseStorage, type DataMap } from './data-map-schema.ts'
import type { SchemaField, SchemaModels } from './prisma-schema.server.ts'

// The retention, erasure and export engines act on the map without a human reading it, so
// the map has to be right about the schema: a clock on a text column, an anonymised field
// that cannot be emptied, or a cascade that deletes what the map says is kept would each be
// a silent breach. checkExecutable() names every such problem; CI runs it on the real map.

type Entry = { category: DataCategory; storage: DatabaseStorage }

function databaseEntries(map: DataMap): Entry[] {
	return map.categories.flatMap((category) =>
		category.status === 'active' ? category.storage.flatMap((storage) => (storage.kind === 'database' ? [{ category, storage }] : [])) : [],
	)
}

const isIdentifier = (to: string) => to in SUBJECT_IDENTIFIERS

/** Every model a row's subject links pass through on the way to the person (User or an identifier), or null if none gets there. */
function pathsToPerson(model: string, entries: Entry[], seen: string[] = []): string[][] | null {
	if (model === 'User') return [['User']]
	if (seen.includes(model)) return null
	const links = entries.filter((entry) => entry.storage.model === model).flatMap((entry) => entry.storage.subject)
	const paths: string[][] = []
	for (const link of links) {
		if (isIdentifier(link.to)) paths.push([model, link.to])
		else for (const rest of pathsToPerson(link.to, entries, [...seen, model]) ?? []) paths.push([model, ...rest])
	}
	return paths.length ? paths : null
}

/** Two entries on one model cover disjoint rows when both are scoped by different named predicates (the scope test proves the predicates). */
function disjoint(a: Entry, b: Entry) {
	return Boolean(a.category.scope && b.category.scope && a.category.scope.id !== b.category.scope.id && a.storage.where && b.storage.where)
}

function checkEntry({ category, storage }: Entry, schema: SchemaModels, entries: Entry[], problems: string[]) {
	const at = `${category.id} (${storage.model})`
	const model = schema[storage.model]
	if (!model) return problems.push(`${at}: the schema has no model ${storage.model}`)
	const field = (name: string): SchemaField | undefined => model[name]

	for (const link of storage.subject) {
		const linkField = field(link.field)
		if (!linkField) problems.push(`${at}: subject link ${storage.model}.${link.field} is not a field of the model`)
		else if (!isIdentifier(link.to) && !schema[link.to]) problems.push(`${at}: subject link ${storage.model}.${link.field} → ${link.to} names neither a model nor an identifier (${Object.keys(SUBJECT_IDENTIFIERS).join(', ')})`)
		const relation = Object.values(model).find((candidate) => candidate.relation?.fields.includes(link.field))
		if (relation && relation.type !== link.to) problems.push(`${at}: subject link ${storage.model}.${link.field} → ${link.to}, but the relation points at ${relation.type}`)
	}
	const paths = pathsToPerson(storage.model, entries)
	if (!paths) problems.push(`${at}: no subject link leads from ${storage.model} to User or an identifier, so its fields ${storage.fields.join(', ')} cannot be found for a person`)

	if ('columns' in storage.clock)
		for (const column of storage.clock.columns) {
			const clockField = field(column)
			if (!clockField) problems.push(`${at}: clock column ${storage.model}.${column} does not exist`)
			else if (clockField.type !== 'DateTime' || clockField.list) problems.push(`${at}: clock column ${storage.model}.${column} is ${clockField.type}, not DateTime`)
		}
	else if (storage.clock.event === 'account_closed' && !paths?.some((path) => path.at(-1) === 'User'))
		problems.push(`${at}: the clock is the account's closure, but no subject link leads to User`)
	else if (storage.clock.event === 'removed' && category.retention.duration) problems.push(`${at}: a clock that is the removal itself cannot run for a duration`)

	if (category.scope && !storage.where) problems.push(`${at}: the category is scoped (${category.scope.id}) but this entry has no where predicate`)
	if (!category.scope && storage.where) problems.push(`${at}: a where predicate without a named scope on the category`)

	for (const hold of category.holds) {
		const through = hold === 'customer' ? 'User' : 'Order'
		if (!paths?.some((path) => path.includes(through))) problems.push(`${at}: ${hold} holds apply, but no subject link leads to ${through}`)
	}

	checkAnonymise({ category, storage }, model, problems)
	if (category.retention.end === 'anonymise') checkNotCascaded({ category, storage }, schema, entries, problems)
}

function checkAnonymise({ category, storage }: Entry, model: Record<string, SchemaField>, problems: string[]) {
	const at = `${category.id} (${storage.model})`
	if (category.retention.end !== 'anonymise') {
		if (storage.anonymise) problems.push(`${at}: anonymisation strategies on a category that ends in ${category.retention.end}`)
		return
	}
	const strategies = storage.anonymise
	if (!strategies) return problems.push(`${at}: the category is anonymised but this entry gives no strategy per field`)
	for (const name of storage.fields) if (!(name in strategies)) problems.push(`${at}: anonymised, but ${storage.model}.${name} has no strategy (null, a replacement, keyed_hash or keep)`)
	for (const [name, strategy] of Object.entries(strategies)) {
		const target = model[name]
		if (!target) problems.push(`${at}: strategy for ${storage.model}.${name}, which the model does not have`)
		else if (strategy === 'null' && !target.optional) problems.push(`${at}: ${storage.model}.${name} is anonymised to null but is not nullable; give a replacement`)
		else if (strategy === 'keyed_hash' && target.type !== 'String') problems.push(`${at}: ${storage.model}.${name} is ${target.type}; only a String can hold a keyed hash`)
	}
	for (const link of storage.subject)
		if ((link.to === 'User' || isIdentifier(link.to)) && strategies[link.field] !== 'null' && strategies[link.field] !== 'keyed_hash')
			problems.push(`${at}: anonymised rows keep ${storage.model}.${link.field}, the link to the person; set it to null or a keyed hash`)
}

/** An anonymised row must survive the deletion of anything it cascades from. */
function checkNotCascaded({ category, storage }: Entry, schema: SchemaModels, entries: Entry[], problems: string[]) {
	for (const relation of Object.values(schema[storage.model] ?? {})) {
		if (relation.relation?.onDelete !== 'Cascade') continue
		for (const parent of entries)
			if (parent.storage.model === relation.type && parent.category.retention.end === 'delete' && !disjoint({ category, storage }, parent))
				problems.push(`${category.id} (${storage.model}): anonymised, but deleting ${relation.type} rows (category ${parent.category.id}) cascades to them (onDelete: Cascade)`)
	}
}

function checkDeleteOrder(category: DataCategory, schema: SchemaModels, entries: Entry[], problems: string[]) {
	if (category.status !== 'active' || category.retention.end !== 'delete') return
	const models = category.storage.flatMap((storage) => (storage.kind === 'database' ? [storage.model] : []))
	if (!models.length) return
	const order = category.deleteOrder
	if (!order) return problems.push(`${category.id}: the category is deleted but has no delete order`)
	for (const model of models) if (!order.includes(model)) problems.push(`${category.id}: the delete order does not list ${model}`)
	for (const model of models)
		for (const [child, fields] of Object.entries(schema)) {
			for (const relation of Object.values(fields)) {
				if (relation.type !== model || !relation.relation) continue
				const { onDelete } = relation.relation
				if (onDelete === 'Cascade' || onDelete === 'SetNull' || onDelete === 'SetDefault') continue
				const before = order.indexOf(child) !== -1 && order.indexOf(child) < order.indexOf(model)
				if (!before) problems.push(`${category.id}: deleting ${model} fails while ${child} rows reference it (onDelete: ${onDelete}); list ${child} before ${model} in the delete order`)
				else if (!entries.some((entry) => entry.storage.model === child && entry.category.retention.end !== 'keep'))
					problems.push(`${category.id}: ${child} is listed before ${model}, but no category deletes or anonymises ${child} rows`)
			}
		}
}

/** Every way the map could not be executed against this schema, as sentences; empty when it can. */
export function checkExecutable(map: DataMap, schema: SchemaModels): string[] {
	const problems: string[] = []
	const entries = databaseEntries(map)
	for (const entry of entries) checkEntry(entry, schema, entries, problems)
	for (const category of map.categories) checkDeleteOrder(category, schema, entries, problems)
	return problems
}
