import type { Database } from '#app/db/database.server.ts'
import { drainOutbox, startQueue } from '#app/jobs/queue.server.ts'
import { workUntilIdle } from '#app/jobs/worker.server.ts'
import { JOBS } from '../../jobs/registry.ts'

// What a worker would do, synchronously, through the real pg-boss on the test's database:
// move the outbox into the queue, run every due job (and the jobs those enqueue) until
// nothing is left. The queue starts on first use and stops with the `db` fixture.

export async function testQueue(db: Database) {
	return startQueue(db, { drain: false })
}

export async function drainJobs(db: Database, options: { includeDelayedRetries?: boolean } = {}) {
	const boss = await testQueue(db)
	const summary = { moved: 0, completed: 0, failed: 0 }
	for (;;) {
		const moved = await drainOutbox(db, boss)
		const ran = await workUntilIdle(boss, JOBS, options)
		summary.moved += moved
		summary.completed += ran.completed
		summary.failed += ran.failed
		if (!moved && !ran.completed && !ran.failed) return summary
	}
}

/** Jobs in the outbox that no drain has moved yet, by name. */
export async function outboxJobs(db: Database) {
	return db.prisma.jobOutbox.findMany({ select: { name: true, data: true }, orderBy: { createdAt: 'asc' } })
}
