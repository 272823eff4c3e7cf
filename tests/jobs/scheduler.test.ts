import { inject } from 'vitest'
import { claimFire, scheduleSettings, startScheduler, type ScheduleSetting } from '#app/jobs/scheduler.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { testQueue } from '#tests/support/jobs.ts'
import { startScript, stopScript, type Started } from '../process.ts'

// Schedules: node-cron fires, the PostgreSQL run coordinator lets one instance have each
// fire, and a fire missed while every scheduler was down is caught up once.

const onPostgres = inject('testDatabase').kind === 'postgres'
const HOUR = 3_600_000

const hourly: ScheduleSetting = { name: 'refunds', cron: '0 * * * *', timezone: 'UTC', what: 'test', off: false, configured: true }

describe('schedule configuration', () => {
	test('each schedule has a cron expression and a time zone; configuration moves or switches one off', () => {
		const settings = scheduleSettings(parseEnv({ SCHEDULE_REFUNDS: '*/10 * * * *', SCHEDULE_REFUNDS_TZ: 'Europe/Berlin', SCHEDULE_COIN_EXPIRY: 'off' }))
		expect(settings.find((setting) => setting.name === 'refunds')).toMatchObject({ cron: '*/10 * * * *', timezone: 'Europe/Berlin', off: false, configured: true })
		expect(settings.find((setting) => setting.name === 'coin-expiry')).toMatchObject({ off: true })
		expect(settings.find((setting) => setting.name === 'policy-notices')).toMatchObject({ cron: '*/5 * * * *', timezone: 'UTC', configured: false })
	})
})

describe('the run coordinator', () => {
	test('a fire is claimed once, and only the claim that wins enqueues its job', async ({ db }) => {
		const at = new Date('2026-12-01T10:00:00.000Z')
		const claims = await Promise.all([1, 2, 3].map(() => claimFire(db, 'refunds', `refunds:${at.toISOString()}`, at, 'scheduled')))
		expect(claims.filter(Boolean)).toHaveLength(1)
		expect(await db.prisma.jobOutbox.findMany({ select: { name: true } })).toEqual([{ name: 'refunds' }])
	})

	test('a fire missed while every scheduler was down is caught up once at the next start', async ({ db }) => {
		const boss = await testQueue(db)
		const lastClaim = new Date(Date.now() - 3 * HOUR - 60_000)
		await db.prisma.scheduleFire.create({ data: { key: 'refunds:earlier', schedule: 'refunds', scheduledFor: lastClaim, claimedAt: lastClaim, instance: 'test', kind: 'scheduled' } })
		// Two instances start; three hourly fires were missed; one job stands for them.
		const stops = [await startScheduler(db, boss, [hourly]), await startScheduler(db, boss, [hourly])]
		for (const stop of stops) await stop()
		const firstMissed = new Date(Math.ceil(lastClaim.getTime() / HOUR) * HOUR)
		expect(await db.prisma.scheduleFire.findMany({ where: { kind: 'catch-up' }, select: { key: true, scheduledFor: true } })).toEqual([
			{ key: `refunds:${firstMissed.toISOString()}`, scheduledFor: firstMissed },
		])
		expect(await db.prisma.jobOutbox.count({ where: { name: 'refunds' } })).toBe(1)
		// Started again later: that outage is covered; nothing more to catch up.
		const stop = await startScheduler(db, boss, [hourly])
		await stop()
		expect(await db.prisma.jobOutbox.count({ where: { name: 'refunds' } })).toBe(1)
	})

	test('a schedule seen for the first time records a baseline and enqueues nothing', async ({ db }) => {
		const boss = await testQueue(db)
		const stop = await startScheduler(db, boss, [hourly])
		await stop()
		expect(await db.prisma.scheduleFire.findMany({ select: { key: true, kind: true } })).toEqual([{ key: 'refunds:baseline', kind: 'baseline' }])
		expect(await db.prisma.jobOutbox.count()).toBe(0)
	})
})

function schedulerProcess(url: string) {
	return startScript(['scripts/worker.ts'], {
		DATABASE_URL: url,
		SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
		APP_URL: 'http://lorica.test',
		MIGRATE_ON_START: 'false',
		SEED_DEMO: 'false',
		LOG_LEVEL: 'info',
		SCHEDULE_POLICY_NOTICES: '* * * * * *',
		SCHEDULE_REFUNDS: 'off',
		SCHEDULE_COIN_EXPIRY: 'off',
		SCHEDULE_TEST_CHECKOUT_EXPIRY: 'off',
	})
}

async function waitFor(started: Started, text: string, timeoutMs = 45_000) {
	const deadline = Date.now() + timeoutMs
	while (!started.stdout().includes(text)) {
		if (started.child.exitCode !== null) throw new Error(`exited with ${started.child.exitCode}: ${started.stderr()}`)
		if (Date.now() > deadline) throw new Error(`no "${text}" in time: ${started.stderr()}`)
		await new Promise((resolve) => setTimeout(resolve, 100))
	}
}

const fireLines = (started: Started) => started.stdout().split('\n').filter((line) => line.includes('"msg":"schedule fired"')).length

describe('two scheduler processes on one PostgreSQL', () => {
	test.skipIf(!onPostgres)(
		'each per-second fire is claimed by one of them, enqueued once and run once (PostgreSQL only: PGlite is one process by nature)',
		async ({ db }) => {
			if (db.connection.kind !== 'postgres') throw new Error('unreachable')
			const processes = [schedulerProcess(db.connection.url), schedulerProcess(db.connection.url)]
			try {
				for (const started of processes) await waitFor(started, '"msg":"scheduler started"')
				await new Promise((resolve) => setTimeout(resolve, 4_500))
			} finally {
				for (const started of processes) await stopScript(started)
			}
			const fires = await db.prisma.scheduleFire.findMany({ where: { schedule: 'policy-notices', kind: 'scheduled' }, select: { key: true, instance: true } })
			expect(fires.length).toBeGreaterThanOrEqual(4)
			// Each fire was announced by exactly one process: the other lost the claim.
			expect(fireLines(processes[0]!) + fireLines(processes[1]!)).toBe(fires.length)
			const boss = await testQueue(db)
			const jobs = await boss.findJobs('policy-notices')
			const outbox = await db.prisma.jobOutbox.count()
			expect(jobs.length + outbox).toBe(fires.length)
			// What both processes finished ran once; a job they left behind is queued, not lost.
			expect(jobs.filter((job) => job.state === 'completed').every((job) => job.retryCount === 0)).toBe(true)
			expect(jobs.filter((job) => job.state === 'completed').length).toBeGreaterThanOrEqual(fires.length - 2)
		},
		90_000,
	)
})
