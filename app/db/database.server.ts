import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { log } from '#app/utils/logger.server.ts'
import { lockDirectory } from './directory-lock.server.ts'

/** Raw SQL outside Prisma: migrations, template copies, health checks. */
export type SqlRunner = {
	exec(sql: string): Promise<void>
	query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>
	/** Runs fn atomically; on PGlite it also keeps other queries out until it ends. */
	transaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>
}

export type Database = {
	kind: 'postgres' | 'pglite'
	/** Where the job queue connects: its own pool on the same PostgreSQL, or this very PGlite instance. */
	connection: { kind: 'postgres'; url: string } | { kind: 'pglite'; pglite: PGlite }
	prisma: PrismaClient
	withSql<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>
	close(): Promise<void>
}

export function openPostgres(url: string, options: { max?: number } = {}): Database {
	const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5_000 })
	// An idle client losing its connection must not crash the process; the next query reports it.
	pool.on('error', (error) => log.warn('postgres idle client error', { error }))
	const prisma = new PrismaClient({ adapter: new PrismaPg(pool) })
	return {
		kind: 'postgres',
		connection: { kind: 'postgres', url },
		prisma,
		async withSql(fn) {
			const client = await pool.connect()
			try {
				return await fn(postgresRunner(client))
			} finally {
				client.release()
			}
		},
		async close() {
			await prisma.$disconnect()
			if (!pool.ended) await pool.end()
		},
	}
}

function postgresRunner(client: pg.PoolClient): SqlRunner {
	const runner: SqlRunner = {
		async exec(sql) {
			await client.query(sql)
		},
		async query(sql, params) {
			return (await client.query(sql, params as unknown[])).rows
		},
		async transaction(fn) {
			await client.query('BEGIN')
			try {
				const result = await fn(runner)
				await client.query('COMMIT')
				return result
			} catch (error) {
				await client.query('ROLLBACK')
				throw error
			}
		},
	}
	return runner
}

/** An embedded database: a directory path, or an existing instance (tests hand in clones). */
export function openPglite(source: string | PGlite): Database {
	if (typeof source === 'string') fs.mkdirSync(path.dirname(source), { recursive: true })
	const pglite = typeof source === 'string' ? new PGlite(source) : source
	const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) })
	return {
		kind: 'pglite',
		connection: { kind: 'pglite', pglite },
		prisma,
		withSql: (fn) => fn(pgliteRunner(pglite)),
		async close() {
			await prisma.$disconnect()
			if (!pglite.closed) await pglite.close()
		},
	}
}

type PgliteQueryable = Pick<PGlite, 'exec' | 'query'>

function pgliteRunner(db: PgliteQueryable & Partial<Pick<PGlite, 'transaction'>>): SqlRunner {
	return {
		async exec(sql) {
			await db.exec(sql)
		},
		async query(sql, params) {
			return (await db.query(sql, params)).rows as never
		},
		async transaction(fn) {
			if (!db.transaction) return fn(this)
			return db.transaction((tx) => fn(pgliteRunner(tx)))
		},
	}
}

export type DatabaseConfig = { DATABASE_URL?: string; DATA_DIR: string }

export function pgliteDirectory(config: Pick<DatabaseConfig, 'DATA_DIR'>) {
	return path.resolve(config.DATA_DIR, 'pglite')
}

/** Opens what the configuration names; `fresh` tells whether the embedded database was just created. */
export function openConfiguredDatabase(config: DatabaseConfig): { database: Database; fresh: boolean } {
	if (config.DATABASE_URL) return { database: openPostgres(config.DATABASE_URL), fresh: false }
	const directory = pgliteDirectory(config)
	const unlock = lockDirectory(path.dirname(directory))
	const fresh = !fs.existsSync(path.join(directory, 'PG_VERSION'))
	const database = openPglite(directory)
	return {
		database: {
			...database,
			async close() {
				await database.close()
				unlock()
			},
		},
		fresh,
	}
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '28P01', '28000', '3D000'])

/** Turns a driver's connection failure into a sentence that says which database and what to check. */
export function explainDatabaseError(error: unknown, config: DatabaseConfig): unknown {
	const code = (error as { code?: string } | null)?.code
	if (!config.DATABASE_URL || !code || !CONNECTION_CODES.has(code)) return error
	const url = new URL(config.DATABASE_URL)
	const where = `${url.hostname}:${url.port || 5432}${url.pathname}`
	const message = error instanceof Error ? error.message : String(error)
	return new Error(`cannot use the database in DATABASE_URL (${where}): ${message}`)
}
