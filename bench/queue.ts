import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import type { Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { enqueue } from '#app/jobs/enqueue.server.ts'
import { drainOutbox, installQueues, startQueue, stopQueue } from '#app/jobs/queue.server.ts'
import { queueSpec } from '#app/jobs/worker.server.ts'
import { JOBS } from '../jobs/registry.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { median, onBothDatabases, time } from './lib.ts'

// Throughput of the job queue against the raw cost of the same rows: INSERT then DELETE in
// batches of the same size is what any table-backed queue must at least do. Measured: pg-boss
// alone (batch insert, batch fetch + complete) and the app's path (outbox rows written,
// drained into pg-boss, fetched and completed), and the median extra latency of enqueueing
// inside a transaction.

const JOBS_TOTAL = Number(process.env.BENCH_JOBS ?? 10_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 500)
const TX_SAMPLES = Number(process.env.BENCH_TX_SAMPLES ?? 200)
const QUEUE = 'card-refund'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
/** Producers and workers at once in the concurrent run: the pool's size. */
const PARALLEL = 4

function progress(label: string, done: number) {
	process.stdout.write(`\r  ${label}: ${done}/${JOBS_TOTAL}   `)
}

function batches() {
	return Array.from({ length: Math.ceil(JOBS_TOTAL / BATCH) }, (_, index) =>
		Array.from({ length: Math.min(BATCH, JOBS_TOTAL - index * BATCH) }, () => ({ id: randomUUID(), data: { refundId: `r${index}` } })),
	)
}

async function raw(label: string, database: Database) {
	await database.withSql((sql) => sql.exec('CREATE TABLE IF NOT EXISTS bench_raw_jobs (id uuid PRIMARY KEY, data jsonb NOT NULL)'))
	let done = 0
	const { ms } = await time(() =>
		database.withSql(async (sql) => {
			for (const batch of batches()) {
				await sql.query('INSERT INTO bench_raw_jobs (id, data) SELECT id, data FROM json_to_recordset($1::json) AS j(id uuid, data jsonb)', [JSON.stringify(batch)])
				progress(`${label} raw insert`, (done += batch.length))
			}
			for (let removed = BATCH; removed === BATCH; ) {
				removed = (await sql.query('DELETE FROM bench_raw_jobs WHERE id IN (SELECT id FROM bench_raw_jobs LIMIT $1) RETURNING 1', [BATCH])).length
				progress(`${label} raw delete`, (done -= removed))
			}
		}),
	)
	return ms
}

async function work(label: string, boss: PgBoss, workers = 1) {
	let done = 0
	await Promise.all(
		Array.from({ length: workers }, async () => {
			for (;;) {
				const jobs = await boss.fetch(QUEUE, { batchSize: BATCH })
				if (!jobs.length) return
				await boss.complete(QUEUE, jobs.map((job) => job.id))
				progress(`${label} fetch+complete`, (done += jobs.length))
			}
		}),
	)
}

/** Batch insert, then batch fetch + complete; `parallel` producers and workers at once. */
async function pgBossAlone(label: string, boss: PgBoss, parallel = 1) {
	let sent = 0
	const pending = batches()
	const { ms } = await time(async () => {
		await Promise.all(
			Array.from({ length: parallel }, async () => {
				for (let batch = pending.shift(); batch; batch = pending.shift()) {
					await boss.insert(QUEUE, batch)
					progress(`${label} pg-boss insert`, (sent += batch.length))
				}
			}),
		)
		await work(label, boss, parallel)
	})
	return ms
}

async function throughOutbox(label: string, database: Database, boss: PgBoss) {
	let written = 0
	const { ms } = await time(async () => {
		for (const batch of batches()) {
			await database.prisma.jobOutbox.createMany({ data: batch.map((job) => ({ id: job.id, name: QUEUE, data: job.data })) })
			progress(`${label} outbox write`, (written += batch.length))
		}
		while ((await drainOutbox(database, boss, BATCH)) > 0) progress(`${label} outbox drain`, (written -= BATCH) > 0 ? written : 0)
		await work(label, boss)
	})
	return ms
}

async function enqueueLatency(database: Database) {
	await database.withSql((sql) => sql.exec('CREATE TABLE IF NOT EXISTS bench_tx_rows (id serial PRIMARY KEY, at timestamptz NOT NULL)'))
	const write = (tx: Parameters<Parameters<Database['prisma']['$transaction']>[0]>[0]) => tx.$executeRaw`INSERT INTO bench_tx_rows (at) VALUES (now())`
	const plain: number[] = []
	const withJob: number[] = []
	for (let i = 0; i < TX_SAMPLES; i++) {
		plain.push((await time(() => database.prisma.$transaction(async (tx) => write(tx)))).ms)
		withJob.push(
			(
				await time(() =>
					database.prisma.$transaction(async (tx) => {
						await write(tx)
						await enqueue(tx, QUEUE, { refundId: `r${i}` })
					}),
				)
			).ms,
		)
	}
	await database.prisma.jobOutbox.deleteMany()
	return { plain: median(plain), withJob: median(withJob) }
}

const rate = (ms: number) => JOBS_TOTAL / (ms / 1000)

async function measure(label: string, database: Database) {
	await applyMigrations(database, MIGRATIONS)
	await installQueues(database, JOBS.map(queueSpec))
	const boss = await startQueue(database, { drain: false })
	try {
		// Medians of ROUNDS rounds, after one warm-up round that is not counted.
		const samples = { raw: [] as number[], boss: [] as number[], parallel: [] as number[], outbox: [] as number[] }
		for (let round = 0; round <= ROUNDS; round++) {
			const rawMs = await raw(label, database)
			const bossMs = await pgBossAlone(label, boss)
			const parallelMs = await pgBossAlone(`${label} ×${PARALLEL}`, boss, PARALLEL)
			const outboxMs = await throughOutbox(label, database, boss)
			if (round === 0) continue
			samples.raw.push(rawMs)
			samples.boss.push(bossMs)
			samples.parallel.push(parallelMs)
			samples.outbox.push(outboxMs)
		}
		const [rawMs, bossMs, parallelMs, outboxMs] = [median(samples.raw), median(samples.boss), median(samples.parallel), median(samples.outbox)]
		const latency = await enqueueLatency(database)
		process.stdout.write('\n')
		console.log(`  ${label}: raw INSERT+DELETE ${rate(rawMs).toFixed(0)} rows/s (baseline, one connection)`)
		console.log(`  ${label}: pg-boss insert+fetch+complete ${rate(bossMs).toFixed(0)} jobs/s ×${(rawMs / bossMs).toFixed(2)} of raw`)
		console.log(`  ${label}: pg-boss, ${PARALLEL} producers then ${PARALLEL} workers ${rate(parallelMs).toFixed(0)} jobs/s ×${(rawMs / parallelMs).toFixed(2)} of raw`)
		console.log(`  ${label}: outbox write+drain+fetch+complete ${rate(outboxMs).toFixed(0)} jobs/s ×${(rawMs / outboxMs).toFixed(2)} of raw`)
		console.log(
			`  ${label}: transaction with one write ${latency.plain.toFixed(2)} ms median (baseline), with an enqueue too ${latency.withJob.toFixed(2)} ms, +${(latency.withJob - latency.plain).toFixed(2)} ms ×${(latency.withJob / latency.plain).toFixed(2)}`,
		)
	} finally {
		await stopQueue(database)
	}
}

export async function benchQueue() {
	console.log(`\nJob queue (${JOBS_TOTAL} jobs in batches of ${BATCH}, median of ${ROUNDS} rounds; ${TX_SAMPLES} transactions for the enqueue latency)`)
	await onBothDatabases('queue', measure, 4)
}
