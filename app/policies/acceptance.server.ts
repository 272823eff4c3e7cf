import { recordAudit } from '#app/audit/audit.server.ts'
import type { CurrentSession } from '#app/auth/session.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { compareVersions } from './documents.server.ts'
import { POLICY_TITLES } from './kinds.ts'
import { listPublishedVersions, pickCurrent } from './publish.server.ts'

/** The documents a customer agrees to; the cookie policy is consent, asked by the banner. */
export const ACCEPTED_KINDS = ['terms', 'privacy'] as const
export type AcceptedKind = (typeof ACCEPTED_KINDS)[number]

export type PendingAcceptance = {
	kind: AcceptedKind
	title: string
	/** The version in force now: what the customer accepts. */
	version: string
	effectiveAt: Date
	/** The material version that made acceptance necessary, and its change summary. */
	materialVersion: string
	summary: string
	/** The newest version the customer accepted before, to diff against. */
	acceptedVersion: string | null
}

/**
 * What a customer must accept before continuing: for each kind, the newest material
 * version in force, unless they accepted it or a later one.
 */
export async function pendingAcceptances(userId: string, now = new Date()): Promise<PendingAcceptance[]> {
	const pending: PendingAcceptance[] = []
	for (const kind of ACCEPTED_KINDS) {
		const versions = await listPublishedVersions(kind)
		const inForce = versions.filter((version) => version.effectiveAt <= now)
		const material = inForce.filter((version) => version.material).at(-1)
		const current = pickCurrent(versions, now)
		if (!material || !current) continue
		const accepted = await prisma.policyAcceptance.findMany({ where: { userId, kind }, select: { version: true } })
		const newest = accepted.map((row) => row.version).sort(compareVersions).at(-1) ?? null
		if (newest && compareVersions(newest, material.version) >= 0) continue
		pending.push({
			kind,
			title: POLICY_TITLES[kind],
			version: current.version,
			effectiveAt: current.effectiveAt,
			materialVersion: material.version,
			summary: material.summary,
			acceptedVersion: newest,
		})
	}
	return pending
}

/** Only customers accept the Terms; staff work under their employment contracts. */
export function pendingFor(session: Pick<CurrentSession, 'user'>, now = new Date()) {
	return session.user.role === 'customer' ? pendingAcceptances(session.user.id, now) : Promise.resolve([])
}

/** Records the acceptances in one transaction with their audit events; stale versions are refused. */
export async function acceptPolicies(session: CurrentSession, versions: Partial<Record<AcceptedKind, string>>, now = new Date()) {
	const pending = await pendingFor(session, now)
	const stale = pending.filter((item) => versions[item.kind] !== item.version)
	if (stale.length)
		return { ok: false as const, message: `The ${stale.map((item) => item.title).join(' and ')} changed while you were reading. Please review the current version.` }
	await prisma.$transaction(async (tx) => {
		for (const item of pending) {
			await tx.policyAcceptance.create({
				data: { userId: session.user.id, kind: item.kind, version: item.version, context: 'reacceptance' },
				select: { id: true },
			})
			await recordAudit(tx, {
				actor: { id: session.user.id, role: session.user.role },
				action: 'policy.accepted',
				target: { type: 'policy', id: `${item.kind}@${item.version}` },
				detail: { context: 'reacceptance', previous: item.acceptedVersion },
			})
		}
	})
	return { ok: true as const, accepted: pending.length }
}
