import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Database, SqlRunner } from './database.server.ts'

// Applies Prisma-format migrations without Prisma's native schema engine and records
// them exactly as `prisma migrate deploy` does, so either tool can take over later.
// Why not the engine: docs/decisions/0002-prisma-without-native-engines.md

export type Migration = { name: string; sql: string; checksum: string }

/** Prisma's advisory lock key: our runs and `prisma migrate deploy` exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`

export class MigrationError extends Error {
	override name = 'MigrationError'
}

export function readMigrations(directory: string): Migration[] {
	if (!fs.existsSync(directory)) throw new MigrationError(`No migrations directory at ${directory}`)
	return fs
		.readdirSync(directory, { withFileTypes: true })
		.filter((entry) => entry.isDirectory())
		.map((entry) => entry.name)
		.sort()
		.map((name) => {
			const file = path.join(directory, name, 'migration.sql')
			if (!fs.existsSync(file)) throw new MigrationError(`Migration ${name} has no migration.sql`)
			const bytes = fs.readFileSync(file)
			return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') }
		})
}

type AppliedRow = { migration_name: string; checksum: string; finished_at: Date | null }

export type MigrationStatus = { applied: string[]; pending: Migration[] }

async function inspect(sql: SqlRunner, migrations: Migration[]): Promise<MigrationStatus> {
	await sql.exec(CREATE_TABLE)
	const rows = await sql.query<AppliedRow>(
		`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"
		 WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
	)
	const local = new Map(migrations.map((migration) => [migration.name, migration]))
	for (const row of rows) {
		if (!row.finished_at)
			throw new MigrationError(
				`Migration ${row.migration_name} failed earlier and was never resolved; fix the database, then mark it rolled back or applied`,
			)
		const migration = local.get(row.migration_name)
		if (!migration)
			throw new MigrationError(
				`The database has migration ${row.migration_name}, which is not in prisma/migrations: this code is older than the database`,
			)
		if (migration.checksum !== row.checksum)
			throw new MigrationError(
				`Migration ${row.migration_name} was edited after it was applied; never change an applied migration, add a new one`,
			)
	}
	const applied = new Set(rows.map((row) => row.migration_name))
	return {
		applied: [...applied],
		pending: migrations.filter((migration) => !applied.has(migration.name)),
	}
}

async function withMigrateLock<T>(database: Database, fn: (sql: SqlRunner) => Promise<T>) {
	return database.withSql(async (sql) => {
		if (database.kind !== 'postgres') return fn(sql)
		await sql.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK])
		try {
			return await fn(sql)
		} finally {
			await sql.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK])
		}
	})
}

export function migrationStatus(database: Database, directory: string) {
	const migrations = readMigrations(directory)
	return withMigrateLock(database, (sql) => inspect(sql, migrations))
}

/**
 * Applies every pending migration, each in its own transaction together with its
 * `_prisma_migrations` row: a failing migration leaves neither schema change nor record.
 */
export async function applyMigrations(
	database: Database,
	directory: string,
	onProgress: (message: string) => void = () => {},
): Promise<string[]> {
	const migrations = readMigrations(directory)
	return withMigrateLock(database, async (sql) => {
		const { pending } = await inspect(sql, migrations)
		const done: string[] = []
		for (const [index, migration] of pending.entries()) {
			onProgress(`applying ${migration.name} (${index + 1}/${pending.length})`)
			const started = Date.now()
			try {
				await sql.transaction(async (tx) => {
					const id = randomUUID()
					await tx.query(
						`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
						[id, migration.checksum, migration.name],
					)
					await tx.exec(migration.sql)
					await tx.query(
						`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
						[id],
					)
				})
			} catch (error) {
				throw new MigrationError(
					`Migration ${migration.name} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
				)
			}
			onProgress(`applied ${migration.name} in ${Date.now() - started} ms`)
			done.push(migration.name)
		}
		return done
	})
}
