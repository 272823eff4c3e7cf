import fs from 'node:fs'

// What the data map is checked against: the models of prisma/schema.prisma with each field's
// type, whether it may be null, and for relations the foreign key and onDelete. The generated
// client's runtime data model has neither nullability nor referential actions, so the schema
// file is read directly; it is the one the migrations are diffed from.

export type ReferentialAction = 'Cascade' | 'Restrict' | 'NoAction' | 'SetNull' | 'SetDefault'

export type SchemaField = {
	name: string
	type: string
	optional: boolean
	list: boolean
	hasDefault: boolean
	/** Set on the side of a relation that holds the foreign key. */
	relation?: { model: string; fields: string[]; onDelete: ReferentialAction }
}

export type SchemaModels = Record<string, Record<string, SchemaField>>

const MODEL = /^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm
const FIELD = /^(\w+)\s+(\w+)(\[\]|\?)?(.*)$/
const RELATION = /@relation\(([^)]*)\)/
const LIST = (name: string) => new RegExp(`${name}:\\s*\\[([^\\]]*)\\]`)

export function parsePrismaSchema(source: string): SchemaModels {
	const models: SchemaModels = {}
	for (const [, name, body] of source.matchAll(MODEL)) {
		const fields: Record<string, SchemaField> = {}
		for (const raw of body!.split('\n')) {
			const line = raw.replace(/\/\/.*$/, '').trim()
			const match = FIELD.exec(line)
			if (!match || line.startsWith('@@')) continue
			const [, fieldName, type, modifier, rest] = match as unknown as [string, string, string, string | undefined, string]
			const field: SchemaField = { name: fieldName, type, optional: modifier === '?', list: modifier === '[]', hasDefault: /@default\(|@updatedAt/.test(rest) }
			const relation = RELATION.exec(rest)?.[1]
			const keys = relation ? LIST('fields').exec(relation)?.[1] : undefined
			if (keys) {
				// Prisma's defaults: a required relation restricts, an optional one sets null.
				const onDelete = (/onDelete:\s*(\w+)/.exec(relation!)?.[1] ?? (field.optional ? 'SetNull' : 'Restrict')) as ReferentialAction
				field.relation = { model: type, fields: keys.split(',').map((key) => key.trim()), onDelete }
			}
			fields[fieldName] = field
		}
		models[name!] = fields
	}
	return models
}

export function readPrismaSchema(file = 'prisma/schema.prisma'): SchemaModels {
	return parsePrismaSchema(fs.readFileSync(file, 'utf8'))
}
