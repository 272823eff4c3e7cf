import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { AUDIT_EVENT_SELECT, auditHash, GENESIS_HASH, listAuditEvents, recordAudit, verifyAuditChain, type AuditInput } from '#app/audit/audit.server.ts'
import { openPglite, type Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { describe, expect, test } from './db.ts'
import { startScript } from './process.ts'

const DPO = { id: 'user_dpo', role: 'dpo' } as const

/** Every column the hash covers: what a forger would read to recompute one. */
const HASHED = { ...AUDIT_EVENT_SELECT, prevHash: true } as const

function record(database: Database, input: Partial<AuditInput> = {}) {
	return database.prisma.$transaction((tx) =>
		recordAudit(tx, { actor: DPO, action: 'request.view', target: { type: 'request', id: 'req_1' }, ...input }),
	)
}

// The detail's keys are out of jsonb's order (shortest first, then bytewise), so the
// chain only verifies if the hash ignores key order.
async function recordMany(database: Database, count: number) {
	for (let index = 1; index <= count; index++) await record(database, { detail: { index, nested: { zeta: 1, alpha: [index] }, z: true } })
}

async function chain(database: Database) {
	return database.prisma.auditEvent.findMany({ select: { seq: true, prevHash: true, hash: true }, orderBy: { seq: 'asc' } })
}

/** Goes around the append-only trigger, as someone with superuser rights could. */
async function tamper(database: Database, sql: string) {
	await database.withSql(async (runner) => {
		await runner.exec('ALTER TABLE "AuditEvent" DISABLE TRIGGER USER')
		await runner.exec(sql)
		await runner.exec('ALTER TABLE "AuditEvent" ENABLE TRIGGER USER')
	})
}

describe('recording audit events', () => {
	test('events form a chain: seq 1..n, each linked to the hash of the one before', async ({ db }) => {
		await recordMany(db, 5)
		await record(db, { actor: null, action: 'system.tick', target: undefined })
		const events = await chain(db)
		expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6])
		expect(events[0]!.prevHash).toBe(GENESIS_HASH)
		events.slice(1).forEach((event, index) => expect(event.prevHash).toBe(events[index]!.hash))
		expect(new Set(events.map((event) => event.hash)).size).toBe(6)
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 6 })

		const system = await db.prisma.auditEvent.findUniqueOrThrow({
			select: { actorId: true, actorRole: true, targetType: true, targetId: true, detail: true },
			where: { seq: 6 },
		})
		expect(system).toEqual({ actorId: null, actorRole: null, targetType: null, targetId: null, detail: {} })
	})

	test('an event recorded in a transaction that rolls back leaves no trace', async ({ db }) => {
		await record(db)
		await expect(
			db.prisma.$transaction(async (tx) => {
				await recordAudit(tx, { actor: DPO, action: 'request.close' })
				throw new Error('the change failed')
			}),
		).rejects.toThrow('the change failed')
		expect((await chain(db)).map((event) => event.seq)).toEqual([1])
		await record(db)
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 2 })
	})

	test('20 concurrent transactions append 20 events without a fork or a duplicate', async ({ db }) => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) =>
				db.prisma.$transaction((tx) => recordAudit(tx, { actor: DPO, action: 'order.view', detail: { index } }), {
					maxWait: 20_000,
					timeout: 20_000,
				}),
			),
		)
		expect(results.map((result) => result.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 20 })
	})

	test('refuses a detail holding an e-mail address, at any depth, and writes nothing', async ({ db }) => {
		await expect(record(db, { detail: { note: 'sent to jane.doe@example.com' } })).rejects.toThrow(
			/detail\.note looks like an e-mail address/,
		)
		await expect(record(db, { detail: { recipients: [{ to: 'a@b.io' }] } })).rejects.toThrow(/detail\.recipients\[0\]\.to/)
		await expect(record(db, { detail: { 'x@y.example': true } })).rejects.toThrow(/e-mail address/)
		expect(await db.prisma.auditEvent.count()).toBe(0)
	})

	test('the database refuses UPDATE and DELETE of an event', async ({ db }) => {
		await record(db)
		await expect(db.prisma.auditEvent.update({ where: { seq: 1 }, data: { action: 'other' }, select: { seq: true } })).rejects.toThrow(
			/append-only/,
		)
		await expect(db.prisma.auditEvent.delete({ where: { seq: 1 }, select: { seq: true } })).rejects.toThrow(/append-only/)
		await expect(db.withSql((sql) => sql.exec('DELETE FROM "AuditEvent"'))).rejects.toThrow(/append-only/)
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 1 })
	})

	test('lists events newest first, filtered, page by page', async ({ db }) => {
		await recordMany(db, 3)
		await record(db, { action: 'hold.place', target: { type: 'user', id: 'user_7' } })
		await record(db, { action: 'hold.place', target: { type: 'user', id: 'user_8' } })

		const first = await listAuditEvents(db.prisma, { take: 2 })
		expect(first.events.map((event) => event.seq)).toEqual([5, 4])
		const second = await listAuditEvents(db.prisma, { take: 2, cursor: first.nextCursor! })
		expect(second.events.map((event) => event.seq)).toEqual([3, 2])
		const last = await listAuditEvents(db.prisma, { take: 2, cursor: second.nextCursor! })
		expect(last).toMatchObject({ events: [{ seq: 1 }], nextCursor: null })

		const holds = await listAuditEvents(db.prisma, { action: 'hold.place', targetType: 'user', targetId: 'user_7' })
		expect(holds.events).toEqual([expect.objectContaining({ seq: 4, action: 'hold.place', actorId: DPO.id, actorRole: 'dpo' })])
		expect((await listAuditEvents(db.prisma, { from: new Date(Date.now() + 60_000) })).events).toEqual([])
		expect((await listAuditEvents(db.prisma, { to: new Date(Date.now() + 60_000) })).events).toHaveLength(5)
	})
})

describe('verifying the chain finds tampering', () => {
	test('an edited detail breaks that event', async ({ db }) => {
		await recordMany(db, 5)
		await tamper(db, `UPDATE "AuditEvent" SET detail = '{"index": 99}' WHERE seq = 3`)
		expect(await verifyAuditChain(db.prisma)).toEqual({
			ok: false,
			checked: 2,
			firstBroken: { seq: 3, reason: 'event 3: content does not match its hash (edited after it was written)' },
		})
	})

	test('a deleted event is reported missing', async ({ db }) => {
		await recordMany(db, 5)
		await tamper(db, 'DELETE FROM "AuditEvent" WHERE seq = 3')
		expect(await verifyAuditChain(db.prisma)).toEqual({
			ok: false,
			checked: 2,
			firstBroken: { seq: 3, reason: 'event 4 follows event 2: event 3 is missing' },
		})
	})

	test('a deleted first event is reported missing', async ({ db }) => {
		await recordMany(db, 3)
		await tamper(db, 'DELETE FROM "AuditEvent" WHERE seq = 1')
		expect(await verifyAuditChain(db.prisma)).toEqual({
			ok: false,
			checked: 0,
			firstBroken: { seq: 1, reason: 'the log starts at event 2: event 1 is missing' },
		})
	})

	test('a rewritten event with a correctly recomputed hash still breaks the link to the next', async ({ db }) => {
		await recordMany(db, 4)
		const original = await db.prisma.auditEvent.findUniqueOrThrow({
			select: HASHED,
			where: { seq: 2 },
		})
		const forged = auditHash({ ...original, action: 'nothing.happened' })
		await tamper(db, `UPDATE "AuditEvent" SET action = 'nothing.happened', hash = '${forged}' WHERE seq = 2`)
		expect(await verifyAuditChain(db.prisma)).toEqual({
			ok: false,
			checked: 2,
			firstBroken: {
				seq: 3,
				reason: 'event 3: does not link to event 2 (event 2 was rewritten with a new hash, or event 3 was forged)',
			},
		})
	})

	test('an edit whose hash is recomputed without the canonical serialisation is caught', async ({ db }) => {
		await recordMany(db, 3)
		const row = await db.prisma.auditEvent.findUniqueOrThrow({
			select: HASHED,
			where: { seq: 2 },
		})
		const naive = createHash('sha256')
			.update(JSON.stringify({ ...row, action: 'nothing.happened', at: row.at.toISOString() }))
			.digest('hex')
		await tamper(db, `UPDATE "AuditEvent" SET action = 'nothing.happened', hash = '${naive}' WHERE seq = 2`)
		expect(await verifyAuditChain(db.prisma)).toEqual({
			ok: false,
			checked: 1,
			firstBroken: { seq: 2, reason: 'event 2: content does not match its hash (edited after it was written)' },
		})
	})

	test('reports progress once per page of 1000 events', async ({ db }) => {
		await record(db)
		const { hash } = await db.prisma.auditEvent.findUniqueOrThrow({ select: { hash: true }, where: { seq: 1 } })
		// Writing 2,100 events through recordAudit would take long; build a valid chain directly.
		const rows: string[] = []
		let prevHash = hash
		const at = new Date('2026-01-01T00:00:00.000Z')
		for (let seq = 2; seq <= 2100; seq++) {
			const event = { seq, at, actorId: null, actorRole: null, action: 'bulk', targetType: null, targetId: null, detail: {}, prevHash }
			const eventHash = auditHash(event)
			rows.push(`(${seq}, '${at.toISOString()}', 'bulk', '{}', '${prevHash}', '${eventHash}')`)
			prevHash = eventHash
		}
		await db.withSql((sql) => sql.exec(`INSERT INTO "AuditEvent" (seq, at, action, detail, "prevHash", hash) VALUES ${rows.join(',')}`))
		const progress: number[] = []
		expect(await verifyAuditChain(db.prisma, (checked) => progress.push(checked))).toEqual({ ok: true, checked: 2100 })
		expect(progress).toEqual([1000, 2000, 2100])
	})
})

describe('npm run audit:verify', () => {
	test('exits 0 on an intact chain and 1 with the first break once tampered', { timeout: 120_000 }, async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-audit-'))
		try {
			const database = openPglite(path.join(dataDir, 'pglite'))
			await applyMigrations(database, MIGRATIONS)
			await recordMany(database, 4)
			await database.close()

			const verify = async () => {
				const started = startScript(['scripts/audit-verify.ts'], { DATA_DIR: dataDir, LOG_LEVEL: 'silent' })
				return { code: await started.exited, stdout: started.stdout(), stderr: started.stderr() }
			}

			const intact = await verify()
			expect(intact.stderr).toBe('')
			expect(intact.stdout).toContain('Audit chain intact: 4 events verified.')
			expect(intact.code).toBe(0)

			const reopened = openPglite(path.join(dataDir, 'pglite'))
			await tamper(reopened, `UPDATE "AuditEvent" SET "targetId" = 'req_2' WHERE seq = 2`)
			await reopened.close()

			const broken = await verify()
			expect(broken.stdout).toContain('Audit chain BROKEN at event 2: event 2: content does not match its hash (edited after it was written)')
			expect(broken.code).toBe(1)
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true })
		}
	})
})
