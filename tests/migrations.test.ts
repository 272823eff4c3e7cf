import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterEach, beforeEach, inject } from 'vitest'
import { openPglite, type Database } from '#app/db/database.server.ts'
import { applyMigrations, migrationStatus, readMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS, SCHEMA } from '../scripts/lib/paths.ts'
import { prismaApplyMigrations } from '../scripts/lib/schema-engine.ts'
import { createEmptyDatabase, describe, expect, test } from './db.ts'
import { createFromTemplate, databaseUrl, dropDatabase, uniqueName } from './setup/template.ts'

let workdir: string

beforeEach(() => {
	workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-migrations-'))
	fs.cpSync(MIGRATIONS, workdir, { recursive: true })
})
afterEach(() => fs.rmSync(workdir, { recursive: true, force: true }))

function addMigration(name: string, sql: string) {
	fs.mkdirSync(path.join(workdir, name))
	fs.writeFileSync(path.join(workdir, name, 'migration.sql'), sql)
}

async function tableExists(database: Database, table: string) {
	const rows = await database.withSql((sql) => sql.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`"${table}"`]))
	return rows[0]?.found != null
}

describe('migration applier', () => {
	test('the test template is fully migrated', async ({ db }) => {
		const status = await migrationStatus(db, MIGRATIONS)
		expect(status.pending).toEqual([])
		expect(status.applied).toEqual(readMigrations(MIGRATIONS).map((migration) => migration.name))
	})

	test('applies every migration to an empty database and records it as Prisma does', async () => {
		const database = await createEmptyDatabase()
		try {
			const progress: string[] = []
			const applied = await applyMigrations(database, MIGRATIONS, (message) => progress.push(message))
			const local = readMigrations(MIGRATIONS)
			expect(applied).toEqual(local.map((migration) => migration.name))
			expect(progress[0]).toMatch(/^applying .+ \(1\/\d+\)$/)
			expect(await tableExists(database, 'Order')).toBe(true)

			const rows = await database.withSql((sql) =>
				sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
					'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
				),
			)
			const first = local[0]!
			const fileHash = createHash('sha256').update(fs.readFileSync(path.join(MIGRATIONS, first.name, 'migration.sql'))).digest('hex')
			expect(rows[0]).toMatchObject({ migration_name: first.name, checksum: fileHash, applied_steps_count: 1 })
			expect(rows.every((row) => row.finished_at instanceof Date)).toBe(true)

			expect(await applyMigrations(database, MIGRATIONS)).toEqual([])
		} finally {
			await database.close()
		}
	})

	test('a failing migration is rolled back whole and not recorded', async ({ db }) => {
		addMigration('99990101000000_broken', 'CREATE TABLE "Half" (id int);\nSELECT * FROM "no_such_table";')
		await expect(applyMigrations(db, workdir)).rejects.toThrow(/Migration 99990101000000_broken failed and was rolled back: .*no_such_table/)
		expect(await tableExists(db, 'Half')).toBe(false)
		const status = await migrationStatus(db, workdir)
		expect(status.pending.map((migration) => migration.name)).toEqual(['99990101000000_broken'])
	})

	test('a pending migration is applied on top of the existing ones', async ({ db }) => {
		addMigration('99990101000000_extra', 'CREATE TABLE "Extra" (id int);')
		expect(await applyMigrations(db, workdir)).toEqual(['99990101000000_extra'])
		expect(await tableExists(db, 'Extra')).toBe(true)
	})

	test('an applied migration that was edited afterwards stops the run', async ({ db }) => {
		const first = readMigrations(workdir)[0]!
		fs.appendFileSync(path.join(workdir, first.name, 'migration.sql'), '\n-- edited\n')
		await expect(applyMigrations(db, workdir)).rejects.toThrow(`Migration ${first.name} was edited after it was applied`)
	})

	test('a database ahead of the code is refused', async ({ db }) => {
		addMigration('99990101000000_newer', 'CREATE TABLE "Newer" (id int);')
		await applyMigrations(db, workdir)
		await expect(applyMigrations(db, MIGRATIONS)).rejects.toThrow(/99990101000000_newer, which is not in prisma\/migrations/)
	})

	test("Prisma's own engine finds nothing left to apply after our applier", async () => {
		const config = inject('testDatabase')
		if (config.kind === 'postgres') {
			const name = uniqueName(config.prefix)
			await createFromTemplate(config.baseUrl, name, config.template)
			try {
				expect(await prismaApplyMigrations({ url: databaseUrl(config.baseUrl, name) }, SCHEMA, MIGRATIONS)).toEqual([])
			} finally {
				await dropDatabase(config.baseUrl, name)
			}
			return
		}
		const pglite = new PGlite()
		const database = openPglite(pglite)
		try {
			await applyMigrations(database, MIGRATIONS)
			expect(await prismaApplyMigrations({ pglite }, SCHEMA, MIGRATIONS)).toEqual([])
		} finally {
			await database.close()
		}
	})

	test("and Prisma's engine would apply them itself on an empty database (the check can fail)", async () => {
		const pglite = new PGlite()
		try {
			const applied = await prismaApplyMigrations({ pglite }, SCHEMA, MIGRATIONS)
			expect(applied).toEqual(readMigrations(MIGRATIONS).map((migration) => migration.name))
		} finally {
			await pglite.close()
		}
	})
})
