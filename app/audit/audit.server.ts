import { createHash } from 'node:crypto'
import type { Prisma, Role } from '#app/generated/prisma/client.ts'

// The audit trail is a hash chain: every event's hash covers its content and the hash of
// the event before it, so editing, deleting or inserting a row breaks the chain from that
// point on. The database trigger stops ordinary UPDATE/DELETE; the chain catches whoever
// goes around it (a superuser disabling the trigger, a restored backup that was edited).
// It cannot tell a cut-off tail from a shorter log: compare the latest hash with a copy
// kept elsewhere for that.

/** null: the system or an anonymous visitor. */
export type AuditActor = { id: string; role: Role } | null

export type AuditInput = {
	actor: AuditActor
	action: string
	target?: { type: string; id: string }
	detail?: Record<string, unknown>
}

export type AuditVerification =
	| { ok: true; checked: number }
	| { ok: false; checked: number; firstBroken: { seq: number; reason: string } }

export const GENESIS_HASH = '0'.repeat(64)

/** 'LORICA' in ASCII; any constant works as long as nothing else locks on it (Prisma Migrate uses 72707369). */
const AUDIT_LOCK_KEY = 0x4c4f52494341n

const PAGE_SIZE = 1000

// Deliberately broad: a false alarm costs a reworded detail, a miss puts personal data in
// a log that can never be corrected or erased.
const EMAIL = /[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}/i

/** The fields the hash covers, in the form they are stored. */
export type AuditHashInput = {
	seq: number
	at: Date
	actorId: string | null
	actorRole: Role | null
	action: string
	targetType: string | null
	targetId: string | null
	detail: unknown
	prevHash: string
}

/**
 * JSON with object keys sorted at every depth. PostgreSQL's jsonb keeps its own key order
 * (shortest first), so what is read back differs in order from what was written; the hash
 * must not depend on it.
 */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
	if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
	const entries = Object.entries(value)
		.filter(([, item]) => item !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
	return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
}

export function auditHash(event: AuditHashInput): string {
	// Named one by one: a row read back carries its own hash, which must not hash itself.
	const content = canonicalJson({
		seq: event.seq,
		at: event.at.toISOString(),
		actorId: event.actorId,
		actorRole: event.actorRole,
		action: event.action,
		targetType: event.targetType,
		targetId: event.targetId,
		detail: event.detail,
		prevHash: event.prevHash,
	})
	return createHash('sha256').update(content).digest('hex')
}

/** The path of the first string (value or key) in the detail that looks like an e-mail address. */
function findEmail(value: unknown, path: string): string | undefined {
	if (typeof value === 'string') return EMAIL.test(value) ? path : undefined
	if (value === null || typeof value !== 'object') return undefined
	for (const [key, item] of Object.entries(value)) {
		const itemPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`
		if (EMAIL.test(key)) return itemPath
		const found = findEmail(item, itemPath)
		if (found) return found
	}
	return undefined
}

/**
 * Appends one event. Call it with the transaction that makes the change it records, so
 * that the change and its audit event are committed or rolled back together.
 *
 * The detail must be free of personal data: the log is append-only, so nothing in it can
 * be rectified or erased later. Refer to people by id (actor, target), never by e-mail or
 * name; anything that looks like an e-mail address is refused.
 */
export async function recordAudit(tx: Prisma.TransactionClient, input: AuditInput) {
	// A JSON round trip gives exactly what jsonb will hold (no undefined, dates as strings),
	// so the hash is computed over the stored value.
	const detail = JSON.parse(JSON.stringify(input.detail ?? {})) as Prisma.InputJsonObject
	const emailAt = findEmail(detail, 'detail')
	if (emailAt)
		throw new Error(
			`Audit event "${input.action}" refused: ${emailAt} looks like an e-mail address; audit details must not hold personal data`,
		)

	// One writer at a time, held until commit: the next writer reads the last event only
	// after this one is committed. The primary key on seq backs this up: a writer that
	// somehow read a stale tail fails on a duplicate seq instead of forking the chain.
	await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY}::bigint)`
	const last = await tx.auditEvent.findFirst({ select: { seq: true, hash: true }, orderBy: { seq: 'desc' } })

	const event = {
		seq: (last?.seq ?? 0) + 1,
		// Set here rather than by the database default so the hash covers the stored value;
		// the column keeps milliseconds, as does a Date.
		at: new Date(),
		actorId: input.actor?.id ?? null,
		actorRole: input.actor?.role ?? null,
		action: input.action,
		targetType: input.target?.type ?? null,
		targetId: input.target?.id ?? null,
		detail,
		prevHash: last?.hash ?? GENESIS_HASH,
	}
	const hash = auditHash(event)
	await tx.auditEvent.create({ data: { ...event, hash }, select: { seq: true } })
	return { seq: event.seq, hash }
}

type AuditReader = Pick<Prisma.TransactionClient, 'auditEvent'>

/** What the back office shows of an event. */
export const AUDIT_EVENT_SELECT = {
	seq: true,
	at: true,
	actorId: true,
	actorRole: true,
	action: true,
	targetType: true,
	targetId: true,
	detail: true,
} satisfies Prisma.AuditEventSelect

const CHAIN_SELECT = { ...AUDIT_EVENT_SELECT, prevHash: true, hash: true } satisfies Prisma.AuditEventSelect

function missing(from: number, to: number) {
	return from === to ? `event ${from} is missing` : `events ${from}–${to} are missing`
}

/**
 * Walks the whole chain in seq order. `checked` counts the events found intact before the
 * first break. onProgress receives that count after every page of events.
 */
export async function verifyAuditChain(
	prisma: AuditReader,
	onProgress?: (checked: number) => void,
): Promise<AuditVerification> {
	let checked = 0
	let previous: { seq: number; hash: string } | undefined
	for (;;) {
		const page = await prisma.auditEvent.findMany({
			select: CHAIN_SELECT,
			where: previous ? { seq: { gt: previous.seq } } : {},
			orderBy: { seq: 'asc' },
			take: PAGE_SIZE,
		})
		for (const event of page) {
			const broken = (seq: number, reason: string): AuditVerification => ({
				ok: false,
				checked,
				firstBroken: { seq, reason },
			})
			if (!previous) {
				if (event.seq !== 1)
					return broken(1, `the log starts at event ${event.seq}: ${missing(1, event.seq - 1)}`)
				if (event.prevHash !== GENESIS_HASH)
					return broken(
						1,
						'event 1: does not start the chain (its previous hash is not the genesis value; earlier events were removed or it was replaced)',
					)
			} else {
				if (event.seq !== previous.seq + 1)
					return broken(
						previous.seq + 1,
						`event ${event.seq} follows event ${previous.seq}: ${missing(previous.seq + 1, event.seq - 1)}`,
					)
				if (event.prevHash !== previous.hash)
					return broken(
						event.seq,
						`event ${event.seq}: does not link to event ${previous.seq} (event ${previous.seq} was rewritten with a new hash, or event ${event.seq} was forged)`,
					)
			}
			if (auditHash(event) !== event.hash)
				return broken(event.seq, `event ${event.seq}: content does not match its hash (edited after it was written)`)
			previous = { seq: event.seq, hash: event.hash }
			checked++
		}
		if (page.length > 0) onProgress?.(checked)
		if (page.length < PAGE_SIZE) return { ok: true, checked }
	}
}

export type AuditFilters = {
	action?: string
	actorId?: string
	targetType?: string
	targetId?: string
	/** Inclusive. */
	from?: Date
	/** Exclusive, so that consecutive ranges do not overlap. */
	to?: Date
	/** The seq of the last event of the previous page. */
	cursor?: number
	take?: number
}

const MAX_TAKE = 200

/** Newest first, for the back office; `nextCursor` is null on the last page. */
export async function listAuditEvents(prisma: AuditReader, filters: AuditFilters = {}) {
	const take = Math.min(Math.max(Math.trunc(filters.take ?? 50), 1), MAX_TAKE)
	const events = await prisma.auditEvent.findMany({
		select: AUDIT_EVENT_SELECT,
		where: {
			action: filters.action,
			actorId: filters.actorId,
			targetType: filters.targetType,
			targetId: filters.targetId,
			at: filters.from || filters.to ? { gte: filters.from, lt: filters.to } : undefined,
			seq: filters.cursor !== undefined ? { lt: filters.cursor } : undefined,
		},
		orderBy: { seq: 'desc' },
		// One more than asked tells whether there is a next page.
		take: take + 1,
	})
	const page = events.slice(0, take)
	return { events: page, nextCursor: events.length > take ? page.at(-1)!.seq : null }
}
