import { recordAudit, type AuditActor } from '#app/audit/audit.server.ts'
import { getDatabase } from '#app/db/db.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { JOB_NAMES, isJobName } from './payloads.ts'
import { QUEUE_SCHEMA, startQueue } from './queue.server.ts'
import { nextFireAfter, scheduleSettings } from './scheduler.server.ts'

// What /admin/jobs shows: pg-boss's job table read directly (its documented columns), the
// schedules with their next fire, and the retry of a failed job.

const STATES = ['created', 'retry', 'active', 'completed', 'failed', 'cancelled'] as const
type State = (typeof STATES)[number]

type JobRow = { id: string; name: string; state: State; retry_count: number; started_on: Date | null; completed_on: Date | null; output: unknown }

function errorOf(output: unknown) {
	if (output && typeof output === 'object' && 'message' in output && typeof output.message === 'string') return output.message.slice(0, 500)
	return null
}

function run(row: JobRow) {
	return {
		id: row.id,
		queue: row.name,
		state: row.state,
		attempts: row.retry_count + 1,
		finishedAt: row.completed_on?.toISOString() ?? null,
		ms: row.started_on && row.completed_on ? row.completed_on.getTime() - row.started_on.getTime() : null,
		error: row.state === 'failed' ? errorOf(row.output) : null,
	}
}

export async function jobsOverview(now = new Date()) {
	const database = getDatabase()
	const boss = await startQueue(database)
	const db = boss.getDb()
	const counts = await db.executeSql(`SELECT name, state::text AS state, count(*)::int AS count FROM ${QUEUE_SCHEMA}.job GROUP BY 1, 2`)
	const byQueue = new Map<string, Record<State, number>>(JOB_NAMES.map((name) => [name, Object.fromEntries(STATES.map((state) => [state, 0])) as Record<State, number>]))
	for (const row of counts.rows as Array<{ name: string; state: State; count: number }>) {
		const queue = byQueue.get(row.name)
		if (queue) queue[row.state] = row.count
	}
	const columns = 'id, name, state::text AS state, retry_count, started_on, completed_on, output'
	const recent = await db.executeSql(`SELECT ${columns} FROM ${QUEUE_SCHEMA}.job WHERE state IN ('completed', 'failed') ORDER BY completed_on DESC LIMIT 25`)
	const failed = await db.executeSql(`SELECT ${columns} FROM ${QUEUE_SCHEMA}.job WHERE state = 'failed' ORDER BY completed_on DESC LIMIT 50`)
	const lastFires = await database.prisma.scheduleFire.groupBy({ by: ['schedule'], _max: { claimedAt: true } })
	return {
		queues: [...byQueue].map(([name, states]) => ({ name, states })),
		recent: (recent.rows as JobRow[]).map(run),
		failed: (failed.rows as JobRow[]).map(run),
		schedules: scheduleSettings().map((setting) => ({
			...setting,
			next: setting.off ? null : (nextFireAfter(boss, setting, now)?.toISOString() ?? null),
			lastFire: lastFires.find((fire) => fire.schedule === setting.name)?._max.claimedAt?.toISOString() ?? null,
		})),
	}
}

/** Puts a failed job back in the queue for another round of attempts; audited. */
export async function retryFailedJob(actor: AuditActor, queue: string, jobId: string) {
	if (!isJobName(queue)) throw new UserFacingError('There is no such queue.', 404)
	const database = getDatabase()
	const boss = await startQueue(database)
	const [job] = await boss.findJobs(queue, { id: jobId })
	if (!job) throw new UserFacingError('This job no longer exists (failed jobs are kept for a week).', 404)
	if (job.state !== 'failed') throw new UserFacingError(`This job is ${job.state}, not failed: there is nothing to retry.`, 409)
	// CommandResponse is declared empty; at run time it carries the count of jobs it moved.
	const { affected } = (await boss.retry(queue, jobId)) as { affected?: number }
	if (!affected) throw new UserFacingError('This job changed meanwhile; reload the page.', 409)
	await database.prisma.$transaction((tx) => recordAudit(tx, { actor, action: 'job.retried', target: { type: 'job', id: jobId }, detail: { queue, attempts: job.retryCount + 1 } }))
}
