import { PGlite } from '@electric-sql/pglite'
import { recordAudit } from '#app/audit/audit.server.ts'
import { openPglite, openPostgres, type Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { time } from './lib.ts'

// The price of the hash chain: appending audit events under the chain lock versus plain
// inserts of the same rows into an unchained table, same database, same run.

const EVENTS = Number(process.env.BENCH_EVENTS ?? 500)
const PG_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

async function measure(label: string, database: Database) {
	await applyMigrations(database, MIGRATIONS)
	await database.withSql((sql) => sql.exec('CREATE TABLE IF NOT EXISTS bench_plain (id serial primary key, action text, detail jsonb, at timestamptz)'))
	const plain = await time(async () => {
		for (let i = 0; i < EVENTS; i++)
			await database.prisma.$executeRaw`INSERT INTO bench_plain (action, detail, at) VALUES ('bench.event', ${JSON.stringify({ i })}::jsonb, now())`
	})
	const chained = await time(async () => {
		for (let i = 0; i < EVENTS; i++) {
			await database.prisma.$transaction((tx) => recordAudit(tx, { actor: null, action: 'bench.event', detail: { i } }))
			if (i % 100 === 99) process.stdout.write(`\r  ${label}: ${i + 1}/${EVENTS} chained events`)
		}
	})
	process.stdout.write('\n')
	console.log(`  ${label}: plain insert ${(plain.ms / EVENTS).toFixed(2)} ms/event (baseline), chained audit ${(chained.ms / EVENTS).toFixed(2)} ms/event ×${(chained.ms / plain.ms).toFixed(2)}`)
}

export async function benchAuditAppend() {
	console.log(`\nAudit chain append (${EVENTS} events)`)
	const embedded = openPglite(new PGlite())
	await measure('PGlite', embedded)
	await embedded.close()
	const pg = await import('pg')
	const admin = new pg.default.Client({ connectionString: PG_URL })
	const name = `lorica_bench_audit_${process.pid}`
	try {
		await admin.connect()
		await admin.query(`CREATE DATABASE "${name}"`)
		const url = new URL(PG_URL)
		url.pathname = `/${name}`
		const database = openPostgres(url.toString(), { max: 2 })
		await measure('PostgreSQL', database)
		await database.close()
		await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`)
	} catch (error) {
		console.log(`  (PostgreSQL skipped: ${error instanceof Error ? error.message : String(error)})`)
	} finally {
		await admin.end().catch(() => {})
	}
}
