import os from 'node:os'
import cron, { type ScheduledTask } from 'node-cron'
import type { PgBoss } from 'pg-boss'
import type { Database } from '#app/db/database.server.ts'
import { getEnv, type Env } from '#app/utils/env.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { enqueue } from './enqueue.server.ts'
import { SCHEDULE_NAMES, SCHEDULES, scheduleVariable, type ScheduleName } from './schedules.ts'

// node-cron fires each schedule in every scheduler process (`distributed: true`); the run
// coordinator below lets exactly one of them have each fire: the one whose insert of
// (schedule, fire time) into ScheduleFire wins. The claim and the job's outbox row are one
// transaction, so a claimed fire always has its job and the fire itself does no work.
// docs/decisions/0019-schedules-with-node-cron.md

export type ScheduleSetting = { name: ScheduleName; cron: string; timezone: string; what: string; off: boolean; configured: boolean }

export function scheduleSettings(env: Env = getEnv()): ScheduleSetting[] {
	const values = env as unknown as Record<string, string | undefined>
	return SCHEDULE_NAMES.map((name) => {
		const expression = values[scheduleVariable(name)]
		const timezone = values[`${scheduleVariable(name)}_TZ`]
		return {
			name,
			what: SCHEDULES[name].what,
			cron: expression && expression !== 'off' ? expression : SCHEDULES[name].cron,
			timezone: timezone ?? SCHEDULES[name].timezone,
			off: expression === 'off',
			configured: Boolean(expression || timezone),
		}
	})
}

const INSTANCE = `${os.hostname()}:${process.pid}`
const KEEP_FIRES_DAYS = 30

/** True when this process won the fire; its job is then in the outbox. */
export async function claimFire(database: Database, schedule: ScheduleName, key: string, scheduledFor: Date, kind: 'scheduled' | 'catch-up' | 'baseline') {
	return database.prisma.$transaction(async (tx) => {
		const inserted = await tx.$executeRaw`
			INSERT INTO "ScheduleFire" ("key", "schedule", "scheduledFor", "instance", "kind")
			VALUES (${key}, ${schedule}, ${scheduledFor}, ${INSTANCE}, ${kind})
			ON CONFLICT ("key") DO NOTHING`
		if (inserted !== 1) return false
		if (kind !== 'baseline') await enqueue(tx, schedule, {})
		await tx.$executeRaw`
			DELETE FROM "ScheduleFire" WHERE "schedule" = ${schedule} AND "key" <> ${key}
			AND "claimedAt" < ${new Date(Date.now() - KEEP_FIRES_DAYS * 86_400_000)}`
		return true
	})
}

/** The first fire strictly after `from`, by pg-boss's cron arithmetic in the schedule's zone. */
export function nextFireAfter(boss: PgBoss, setting: Pick<ScheduleSetting, 'cron' | 'timezone'>, from: Date): Date | null {
	return boss.previewSchedule(setting.cron, { tz: setting.timezone, from, count: 1 })[0] ?? null
}

/**
 * A fire that came due while no scheduler ran is claimed once at the next start: the
 * first one after the last claim stands for all that were missed. A schedule never seen
 * before gets a baseline row, so a later outage is noticed.
 */
async function catchUp(database: Database, boss: PgBoss, setting: ScheduleSetting) {
	const now = new Date()
	const last = await database.prisma.scheduleFire.findFirst({ where: { schedule: setting.name }, orderBy: { claimedAt: 'desc' }, select: { claimedAt: true } })
	if (!last) {
		await claimFire(database, setting.name, `${setting.name}:baseline`, now, 'baseline')
		return false
	}
	const missed = nextFireAfter(boss, setting, last.claimedAt)
	if (!missed || missed > now) return false
	const won = await claimFire(database, setting.name, `${setting.name}:${missed.toISOString()}`, missed, 'catch-up')
	if (won) log.info('schedule caught up', { schedule: setting.name, missed: missed.toISOString() })
	return won
}

export async function startScheduler(database: Database, boss: PgBoss, settings: ScheduleSetting[] = scheduleSettings()) {
	const active = settings.filter((setting) => !setting.off)
	for (const setting of active) await catchUp(database, boss, setting)
	const tasks: ScheduledTask[] = active.map((setting) =>
		cron.schedule(
			setting.cron,
			(context) => log.debug('schedule fired', { schedule: setting.name, at: context.date.toISOString() }),
			{
				name: setting.name,
				timezone: setting.timezone,
				noOverlap: true,
				distributed: true,
				runCoordinator: {
					async shouldRun(key) {
						const scheduledFor = new Date(key.slice(setting.name.length + 1))
						const won = await claimFire(database, setting.name, key, scheduledFor, 'scheduled')
						if (won) log.info('schedule fired', { schedule: setting.name, at: scheduledFor.toISOString() })
						return won
					},
				},
			},
		),
	)
	log.info('scheduler started', { schedules: active.map((setting) => `${setting.name} ${setting.cron} ${setting.timezone}`) })
	return async () => {
		for (const task of tasks) await task.destroy()
	}
}
