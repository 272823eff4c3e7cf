import os from 'node:os'
import { PgBoss, fromPglite, type ConstructorOptions, type Db, type Queue } from 'pg-boss'
import type { Database, SqlRunner } from '#app/db/database.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { onEnqueued } from './enqueue.server.ts'

// pg-boss is the one durable queue. On PostgreSQL it has its own small pool on the same
// database; on the embedded PGlite it runs through pg-boss's `db` option on the app's own
// instance. PGlite's query() and exec() take the same exclusive lock its transaction()
// holds for a whole Prisma interactive transaction, so a pg-boss statement issued while one
// is open waits for it instead of running inside it (tests/jobs/pglite-adapter.test.ts).
// docs/decisions/0018-durable-jobs-on-pg-boss.md

export const QUEUE_SCHEMA = 'pgboss'

export type QueueSettings = Omit<Queue, 'name'>
export type QueueSpec = { name: string; settings: QueueSettings }

type Started = { boss: PgBoss; stopDrainer: () => void }

// On globalThis: the server build and the start script are two module graphs in one process.
const KEY = Symbol.for('lorica.jobQueues')
type Holder = { [KEY]?: Map<Database, Promise<Started>> }
function started() {
	const holder = globalThis as Holder
	holder[KEY] ??= new Map()
	return holder[KEY]
}

function bossOptions(database: Database, options: { supervise: boolean; migrate: boolean }): ConstructorOptions {
	const common: ConstructorOptions = {
		schema: QUEUE_SCHEMA,
		// node-cron fires the schedules (scheduler.server.ts); pg-boss's own cron stays off.
		schedule: false,
		supervise: options.supervise,
		migrate: options.migrate,
		createSchema: options.migrate,
		registerInstance: options.supervise,
		instanceName: `${os.hostname()}:${process.pid}`,
	}
	if (database.connection.kind === 'postgres') return { ...common, connectionString: database.connection.url, max: 4, application_name: 'lorica-jobs' }
	return { ...common, db: fromPglite(database.connection.pglite), backend: 'pglite' }
}

function watch(boss: PgBoss) {
	boss.on('error', (error) => log.error('job queue error', { error: error instanceof Error ? error.message : String(error) }))
	return boss
}

/** Creates pg-boss's schema and every queue, or brings their settings up to date. Idempotent. */
export async function installQueues(database: Database, specs: readonly QueueSpec[]) {
	const boss = watch(new PgBoss(bossOptions(database, { supervise: false, migrate: true })))
	await boss.start()
	try {
		// Dead-letter targets first: a queue may only name one that exists.
		const ordered = [...specs].sort((a, b) => Number(Boolean(a.settings.deadLetter)) - Number(Boolean(b.settings.deadLetter)))
		for (const spec of ordered) {
			if (!(await boss.getQueue(spec.name))) await boss.createQueue(spec.name, spec.settings)
			else {
				const { policy: _policy, partition: _partition, ...changeable } = spec.settings
				await boss.updateQueue(spec.name, changeable)
			}
		}
	} finally {
		await boss.stop({ graceful: false })
	}
}

/**
 * Starts this process's pg-boss on `database` (once; later calls get the same one) and the
 * outbox drainer. `supervise` runs pg-boss's maintenance: expiring jobs whose worker died,
 * retention. Any number of processes may supervise at once.
 */
export function startQueue(database: Database, options: { supervise?: boolean; drain?: boolean } = {}): Promise<PgBoss> {
	const map = started()
	let entry = map.get(database)
	if (!entry) {
		entry = (async () => {
			const boss = watch(new PgBoss(bossOptions(database, { supervise: options.supervise ?? false, migrate: false })))
			await boss.start()
			const stopDrainer = options.drain === false ? () => {} : runDrainer(database, boss)
			return { boss, stopDrainer }
		})()
		entry.catch(() => map.delete(database))
		map.set(database, entry)
	}
	return entry.then((value) => value.boss)
}

/** Stops taking work; running jobs get `timeoutMs` to finish; pg-boss then fails the rest ("shut down while active"), which puts them up for retry. */
export async function stopQueue(database: Database, timeoutMs = 0) {
	const map = started()
	const entry = map.get(database)
	if (!entry) return
	map.delete(database)
	const { boss, stopDrainer } = await entry.catch(() => ({ boss: null, stopDrainer: () => {} }))
	stopDrainer()
	if (!boss) return
	await drainOutbox(database, boss).catch(() => 0)
	await boss.stop({ graceful: timeoutMs > 0, timeout: timeoutMs })
}

const DRAIN_POLL_MS = 1_000
const DRAIN_BATCH = 500

/** Moves committed outbox rows into pg-boss: at once after an enqueue, and every second. */
function runDrainer(database: Database, boss: PgBoss) {
	let running: Promise<unknown> | null = null
	let again = false
	let stopped = false
	const tick = () => {
		if (stopped) return
		if (running) {
			again = true
			return
		}
		running = (async () => {
			try {
				while ((await drainOutbox(database, boss)) === DRAIN_BATCH && !stopped);
			} catch (error) {
				log.error('job outbox drain failed; retried on the next tick', { error: error instanceof Error ? error.message : String(error) })
			} finally {
				running = null
				if (again && !stopped) {
					again = false
					// After the enqueuing transaction commits: a drain that ran inside it saw nothing.
					setTimeout(tick, 25).unref()
				}
			}
		})()
	}
	const timer = setInterval(tick, DRAIN_POLL_MS).unref()
	const unsubscribe = onEnqueued(() => {
		again = true
		setTimeout(tick, 25).unref()
	})
	return () => {
		stopped = true
		clearInterval(timer)
		unsubscribe()
	}
}

function runnerDb(sql: SqlRunner): Db {
	return { executeSql: async (text, values) => ({ rows: await sql.query(text, values) }) }
}

type OutboxRow = { id: string; name: string; data: object; singletonKey: string | null }

/**
 * One transaction: lock a batch of outbox rows, insert them into pg-boss under their own
 * ids (a second insert of an id does nothing), delete them. Concurrent drainers skip each
 * other's rows. Returns how many moved.
 */
export async function drainOutbox(database: Database, boss: PgBoss, limit = DRAIN_BATCH): Promise<number> {
	return database.withSql((sql) =>
		sql.transaction(async (tx) => {
			const rows = await tx.query<OutboxRow>(
				'SELECT "id", "name", "data", "singletonKey" FROM "JobOutbox" ORDER BY "createdAt" LIMIT $1 FOR UPDATE SKIP LOCKED',
				[limit],
			)
			if (!rows.length) return 0
			const db = runnerDb(tx)
			const byName = new Map<string, OutboxRow[]>()
			for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row])
			for (const [name, jobs] of byName) {
				await boss.insert(name, jobs.map((job) => ({ id: job.id, data: job.data, ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}) })), { db })
			}
			await tx.query('DELETE FROM "JobOutbox" WHERE "id" = ANY($1::uuid[])', [rows.map((row) => row.id)])
			return rows.length
		}),
	)
}
