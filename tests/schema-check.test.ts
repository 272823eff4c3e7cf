import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { MIGRATIONS, SCHEMA } from '../scripts/lib/paths.ts'
import { diffMigrationsToSchema } from '../scripts/lib/schema-engine.ts'

describe('db:check / db:new diff', () => {
	test('schema.prisma and the committed migrations agree', async () => {
		const diff = await diffMigrationsToSchema(SCHEMA, MIGRATIONS)
		expect(diff.changed).toBe(false)
	})

	test('a model missing from the migrations is reported with the SQL that would create it', async () => {
		const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-schema-'))
		try {
			const schema = path.join(directory, 'schema.prisma')
			fs.writeFileSync(schema, `${fs.readFileSync(SCHEMA, 'utf8')}\nmodel Extra {\n  id String @id\n}\n`)
			const diff = await diffMigrationsToSchema(schema, MIGRATIONS)
			expect(diff.changed).toBe(true)
			expect(diff.script).toContain('CREATE TABLE "Extra"')
			expect(diff.summary).toMatch(/Added tables\s+- Extra/)
		} finally {
			fs.rmSync(directory, { recursive: true, force: true })
		}
	})
})
