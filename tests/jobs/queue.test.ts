import { inject } from 'vitest'
import { enqueue } from '#app/jobs/enqueue.server.ts'
import { drainOutbox } from '#app/jobs/queue.server.ts'
import * as jobsRoute from '#app/routes/admin.jobs.tsx'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, get, post, signIn } from '#tests/support/auth.ts'
import { drainJobs, testQueue } from '#tests/support/jobs.ts'
import { callRoute, routeArgs } from '#tests/support/route.ts'
import { useSmtpServer } from '#tests/support/smtp.ts'

// The queue on both databases, through the real pg-boss: enqueueing with the transaction,
// payload contracts, the PGlite adapter, and the admins' e-mail about a job that failed
// for good (through a real SMTP server).

const onPglite = inject('testDatabase').kind === 'pglite'

const smtp = useSmtpServer()

describe('enqueueing with the transaction', () => {
	test('a rolled-back transaction enqueues nothing; a committed one exactly one job', async ({ db }) => {
		const boss = await testQueue(db)
		await expect(
			db.prisma.$transaction(async (tx) => {
				await enqueue(tx, 'card-refund', { refundId: 'rolled-back' })
				throw new Error('the write failed')
			}),
		).rejects.toThrow('the write failed')
		expect(await drainOutbox(db, boss)).toBe(0)
		expect(await boss.findJobs('card-refund')).toEqual([])

		const id = await db.prisma.$transaction((tx) => enqueue(tx, 'card-refund', { refundId: 'committed' }))
		expect(await drainOutbox(db, boss)).toBe(1)
		expect(await drainOutbox(db, boss)).toBe(0)
		const jobs = await boss.findJobs('card-refund')
		expect(jobs.map((job) => ({ id: job.id, data: job.data, state: job.state }))).toEqual([{ id, data: { refundId: 'committed' }, state: 'created' }])
		// The outbox id is the job id: moving the same row again would insert nothing.
		await boss.insert('card-refund', [{ id, data: { refundId: 'committed' } }])
		expect(await boss.findJobs('card-refund')).toHaveLength(1)
	})

	test('a bad payload fails at enqueue with a message naming the job and the field, and writes nothing', async ({ db }) => {
		await expect(db.prisma.$transaction((tx) => enqueue(tx, 'card-refund', { refundId: 42 } as never))).rejects.toThrow(
			'Invalid payload for job "card-refund": refundId must be a record id',
		)
		// Personal data has no place in a payload: unknown fields are refused, not dropped.
		await expect(db.prisma.$transaction((tx) => enqueue(tx, 'auto-top-up', { userId: 'u1', email: 'jane@example.org' } as never))).rejects.toThrow(
			/Invalid payload for job "auto-top-up": payload Unrecognized key: "email"/,
		)
		await expect(db.prisma.$transaction((tx) => enqueue(tx, 'no-such-job' as never, {} as never))).rejects.toThrow(/Invalid payload for job "no-such-job": no such job \(known: refund-order/)
		expect(await db.prisma.jobOutbox.count()).toBe(0)
	})
})

describe.skipIf(!onPglite)('pg-boss on the embedded PGlite', () => {
	test('a pg-boss statement issued while a Prisma transaction is open waits for it instead of joining it', async ({ db }) => {
		const boss = await testQueue(db)
		const order: string[] = []
		let sent: Promise<unknown> = Promise.resolve()
		await expect(
			db.prisma.$transaction(async (tx) => {
				await tx.jobOutbox.count()
				order.push('transaction open')
				sent = boss.send('card-refund', { refundId: 'outside' }).then(() => order.push('pg-boss sent'))
				await new Promise((resolve) => setTimeout(resolve, 200))
				order.push('transaction rolls back')
				throw new Error('roll back')
			}),
		).rejects.toThrow('roll back')
		await sent
		expect(order).toEqual(['transaction open', 'transaction rolls back', 'pg-boss sent'])
		// Had the insert run inside the transaction, the rollback would have taken it along.
		expect((await boss.findJobs('card-refund')).map((job) => job.data)).toEqual([{ refundId: 'outside' }])
	})

	test('the adapter returns the rows of every statement of a multi-statement query', async ({ db }) => {
		const boss = await testQueue(db)
		const { rows } = await boss.getDb().executeSql('SELECT 1 AS first; SELECT 2 AS second; SELECT 3 AS third')
		expect(rows).toEqual([{ first: 1 }, { second: 2 }, { third: 3 }])
	})
})

describe('a job that fails its last attempt', () => {
	test('e-mails each admin once, shows on /admin/jobs with its error, and an admin can retry it (audited)', async ({ db }) => {
		const admin = await createUser(db, 'admin')
		await createUser(db, 'support')
		const before = smtp.received.length
		const id = await db.prisma.$transaction((tx) => enqueue(tx, 'refund-order', { orderId: 'no-such-order', reason: 'test' }))
		// Every retry at once instead of after its backoff: 1 attempt + 5 retries, then the alert.
		expect(await drainJobs(db, { includeDelayedRetries: true })).toEqual({ moved: 1, completed: 1, failed: 6 })
		expect(await drainJobs(db, { includeDelayedRetries: true })).toEqual({ moved: 0, completed: 0, failed: 0 })
		const mails = smtp.received.slice(before)
		expect(mails).toHaveLength(1)
		expect(mails[0]!.to).toEqual([admin.email])
		// Quoted-printable soft line breaks joined again.
		const body = mails[0]!.data.replace(/=\r?\n/g, '')
		expect(body).toContain('Subject: Lorica job refund-order failed for good')
		expect(body).toContain(`(id ${id})`)
		expect(body).toContain('Error: This order does not exist.')

		const { cookie } = await signIn(db, admin)
		const page = await callRoute(jobsRoute.loader as never, routeArgs(get('/admin/jobs', cookie)))
		expect(page.status).toBe(200)
		const overview = page.data as Awaited<ReturnType<typeof jobsRoute.loader>>
		expect(overview.queues.find((queue) => queue.name === 'refund-order')?.states).toMatchObject({ failed: 1, created: 0 })
		expect(overview.failed).toEqual([expect.objectContaining({ id, queue: 'refund-order', attempts: 6, error: 'This order does not exist.' })])
		expect(overview.schedules.map((schedule) => schedule.name)).toEqual(['policy-notices', 'refunds', 'test-checkout-expiry', 'coin-expiry'])
		expect(overview.schedules.every((schedule) => schedule.next && new Date(schedule.next) > new Date())).toBe(true)

		const retried = await callRoute(jobsRoute.action as never, routeArgs(post('/admin/jobs', { queue: 'refund-order', jobId: id }, cookie)))
		expect(retried.status).toBe(200)
		const boss = await testQueue(db)
		expect((await boss.findJobs('refund-order', { id }))[0]?.state).toBe('retry')
		expect(await db.prisma.auditEvent.count({ where: { action: 'job.retried', actorId: admin.id, targetId: id } })).toBe(1)
		// A job that is not failed any more cannot be retried again.
		const again = await callRoute(jobsRoute.action as never, routeArgs(post('/admin/jobs', { queue: 'refund-order', jobId: id }, cookie)))
		expect(again.status).toBe(409)
	})
})
