import { inject } from 'vitest'
import pg from 'pg'
import { coinBalance, creditLot, debitCoins, addMonths } from '#app/coins/ledger.server.ts'
import { enqueue } from '#app/jobs/enqueue.server.ts'
import { drainOutbox } from '#app/jobs/queue.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser } from '#tests/support/auth.ts'
import { drainJobs, testQueue } from '#tests/support/jobs.ts'
import { startScript, stopScript } from '../process.ts'

// A worker killed with SIGKILL in the middle of a job: nothing it did commits, pg-boss
// hands the job out again after its expiry, and the refund happens exactly once.

const onPostgres = inject('testDatabase').kind === 'postgres'

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 45_000) {
	const deadline = Date.now() + timeoutMs
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

describe('a worker that dies mid-job', () => {
	test.skipIf(!onPostgres)(
		'is retried after the job expires and refunds once (PostgreSQL only: a second process cannot share the embedded database)',
		async ({ db }) => {
			if (db.connection.kind !== 'postgres') throw new Error('unreachable')
			const customer = await createUser(db, 'customer')
			const order = await db.prisma.order.create({
				data: { customerId: customer.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Test style', triggerWords: ['tst'], priceCoins: 400, paidWith: 'coins', paidAt: new Date(), status: 'failed' },
				select: { id: true },
			})
			await db.prisma.$transaction(async (tx) => {
				await creditLot(tx, { userId: customer.id, coins: 1000, source: 'purchase', kind: 'top_up', expiresAt: addMonths(new Date(), 12) })
				await debitCoins(tx, { userId: customer.id, coins: 400, kind: 'order_charge', orderId: order.id })
			})
			const boss = await testQueue(db)
			// A short expiry for this test's job: jobs take it from their queue when they are inserted.
			await boss.updateQueue('refund-order', { expireInSeconds: 2 })
			const jobId = await db.prisma.$transaction((tx) => enqueue(tx, 'refund-order', { orderId: order.id, reason: 'The training failed' }))
			expect(await drainOutbox(db, boss)).toBe(1)

			// Hold the order's row lock so the worker's refund blocks inside its transaction.
			const blocker = new pg.Client({ connectionString: db.connection.url })
			await blocker.connect()
			await blocker.query('BEGIN')
			await blocker.query('SELECT "id" FROM "Order" WHERE "id" = $1 FOR UPDATE', [order.id])
			const worker = startScript(['scripts/worker.ts'], {
				DATABASE_URL: db.connection.url,
				SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
				APP_URL: 'http://lorica.test',
				PROCESS_ROLES: 'worker',
				MIGRATE_ON_START: 'false',
				SEED_DEMO: 'false',
				LOG_LEVEL: 'info',
			})
			try {
				await until(async () => (await boss.findJobs('refund-order', { id: jobId }))[0]?.state === 'active', 'the worker to take the job')
				await until(
					async () => (await blocker.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount! > 0,
					'the refund to wait for the lock',
				)
				process.kill(-worker.child.pid!, 'SIGKILL')
				await worker.exited
			} finally {
				await blocker.query('ROLLBACK')
				await blocker.end()
				await stopScript(worker)
			}
			// The killed worker's transaction never committed.
			expect(await db.prisma.refund.count({ where: { orderId: order.id } })).toBe(0)
			expect((await boss.findJobs('refund-order', { id: jobId }))[0]?.state).toBe('active')

			// After the expiry, supervision (any worker's) gives it back; the next worker runs it.
			await new Promise((resolve) => setTimeout(resolve, 2_500))
			await boss.supervise('refund-order')
			expect((await boss.findJobs('refund-order', { id: jobId }))[0]?.state).toBe('retry')
			expect(await drainJobs(db, { includeDelayedRetries: true })).toMatchObject({ completed: 1, failed: 0 })
			expect(await drainJobs(db, { includeDelayedRetries: true })).toMatchObject({ completed: 0, failed: 0 })

			const [job] = await boss.findJobs('refund-order', { id: jobId })
			expect(job).toMatchObject({ state: 'completed', retryCount: 1 })
			expect(await db.prisma.refund.findMany({ where: { orderId: order.id }, select: { destination: true, amount: true } })).toEqual([{ destination: 'coins', amount: 400 }])
			expect(await db.prisma.coinLedgerEntry.count({ where: { orderId: order.id, kind: 'refund' } })).toBe(1)
			expect(await coinBalance(db.prisma, customer.id)).toBe(1000)
			expect(await db.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } })).toEqual({ status: 'refunded' })
		},
		90_000,
	)
})
