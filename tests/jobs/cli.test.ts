import { inject } from 'vitest'
import { addMonths, creditLot } from '#app/coins/ledger.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser } from '#tests/support/auth.ts'
import { runScheduledJob } from '../../jobs/registry.ts'
import { startScript } from '../process.ts'

// npm run jobs -- <name> [--dry-run] [--now <date>]: the command line, and the dry-run and
// as-of-a-date behaviour of the handlers it runs.

const onPostgres = inject('testDatabase').kind === 'postgres'
const quiet = { now: new Date(), dryRun: false, progress: () => {} }

async function runJobs(args: string[], env: Record<string, string> = {}) {
	const started = startScript(['scripts/jobs.ts', ...args], { LOG_LEVEL: 'silent', ...env })
	const code = await started.exited
	return { code, stdout: started.stdout(), stderr: started.stderr() }
}

describe('npm run jobs', () => {
	test('an unknown job, --now on a job without time rules, or a bad date exit 2 with the known jobs', async () => {
		const unknown = await runJobs(['nope'])
		expect(unknown.code).toBe(2)
		expect(unknown.stderr).toContain('Unknown job "nope".')
		expect(unknown.stderr).toContain('Jobs: policy-notices, refunds, test-checkout-expiry, coin-expiry')
		const noTime = await runJobs(['policy-notices', '--now', '2026-01-01'])
		expect(noTime.code).toBe(2)
		expect(noTime.stderr).toContain('policy-notices has no time-based rules; --now does not apply to it.')
		const badDate = await runJobs(['coin-expiry', '--now', 'soon'])
		expect(badDate.code).toBe(2)
		expect(badDate.stderr).toContain('--now must be an ISO date')
	}, 60_000)

	test.skipIf(!onPostgres)('runs a job in the foreground and prints a JSON summary (PostgreSQL: the child opens the test database)', async ({ db }) => {
		if (db.connection.kind !== 'postgres') throw new Error('unreachable')
		const customer = await createUser(db, 'customer')
		await db.prisma.order.create({
			data: { customerId: customer.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Test style', triggerWords: ['tst'], priceCoins: 400, paidWith: 'coins', status: 'failed' },
			select: { id: true },
		})
		const run = await runJobs(['refunds', '--dry-run', '--now', '2030-01-01T00:00:00Z'], { DATABASE_URL: db.connection.url })
		expect(run.code).toBe(0)
		expect(run.stderr).toContain('refunds: running (dry run: nothing is written or sent) as of 2030-01-01T00:00:00.000Z')
		const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!)
		expect(summary).toMatchObject({ job: 'refunds', dryRun: true, now: '2030-01-01T00:00:00.000Z', result: { orders: 1, cardRefunds: 0 } })
		expect(await db.prisma.refund.count()).toBe(0)
	}, 60_000)
})

describe('dry runs and --now', () => {
	test('coin expiry as of a later date: the dry run reports what would expire and writes nothing; the run writes it once', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		await db.prisma.$transaction((tx) => creditLot(tx, { userId: customer.id, coins: 300, source: 'purchase', kind: 'top_up', expiresAt: addMonths(new Date(), 12) }))
		const coinExpiry = (context: Parameters<typeof runScheduledJob>[1]) => runScheduledJob('coin-expiry', context)
		const later = addMonths(new Date(), 13)
		expect(await coinExpiry({ ...quiet, now: later, dryRun: true })).toEqual({ warned: 0, expired: 1, coinsToExpire: 300 })
		expect(await db.prisma.coinLedgerEntry.count({ where: { kind: 'expiry' } })).toBe(0)
		// As of today nothing is due.
		expect(await coinExpiry({ ...quiet, dryRun: true })).toEqual({ warned: 0, expired: 0, coinsToExpire: 0 })
		expect(await coinExpiry({ ...quiet, now: later })).toEqual({ warned: 0, expired: 1 })
		expect(await db.prisma.coinLedgerEntry.count({ where: { kind: 'expiry' } })).toBe(1)
	})

	test('refunds: the dry run lists the orders it would refund and refunds none', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const order = await db.prisma.order.create({
			data: { customerId: customer.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Test style', triggerWords: ['tst'], priceCoins: 400, paidWith: 'coins', status: 'failed' },
			select: { id: true },
		})
		expect(await runScheduledJob('refunds', { ...quiet, dryRun: true })).toEqual({ orders: 1, cardRefunds: 0, orderIds: [order.id], refundIds: [] })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } })).toEqual({ status: 'failed' })
	})
})
