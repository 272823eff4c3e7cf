import { recordAudit } from '#app/audit/audit.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { onBothDatabases, time } from './lib.ts'

// The price of the hash chain: appending audit events under the chain lock versus plain
// inserts of the same rows into an unchained table, same database, same run.

const EVENTS = Number(process.env.BENCH_EVENTS ?? 500)

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
	await onBothDatabases('audit', measure)
}
