import { recordAudit } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import type { Role } from '#app/generated/prisma/enums.ts'
import { revokeAllSessions, type CurrentSession } from './session.server.ts'

export class RoleChangeError extends Error {
	override name = 'RoleChangeError'
}

export function listPeople(take = 200) {
	return prisma.user.findMany({
		select: { id: true, email: true, displayName: true, role: true, totpEnabledAt: true, createdAt: true },
		orderBy: [{ role: 'desc' }, { createdAt: 'asc' }],
		take,
	})
}

/**
 * Changes a role and signs the person out everywhere, so the new permissions (and, for
 * staff, the TOTP requirement) apply from their next sign-in.
 */
export async function changeRole(actor: CurrentSession, userId: string, role: Role) {
	if (userId === actor.user.id) throw new RoleChangeError('You cannot change your own role; ask another admin.')
	return prisma.$transaction(async (tx) => {
		const target = await tx.user.findUnique({ where: { id: userId }, select: { id: true, role: true } })
		if (!target) throw new RoleChangeError('That account no longer exists.')
		if (target.role === role) return { changed: false, revoked: 0 }
		await tx.user.update({ where: { id: userId }, data: { role }, select: { id: true } })
		const revoked = await revokeAllSessions(tx, userId, 'role changed')
		await recordAudit(tx, {
			actor: { id: actor.user.id, role: actor.user.role },
			action: 'user.role_changed',
			target: { type: 'user', id: userId },
			detail: { from: target.role, to: role, sessionsRevoked: revoked },
		})
		return { changed: true, revoked }
	})
}

/** For a lost authenticator: the person enrols again at their next sign-in. */
export async function resetTwoFactor(actor: CurrentSession, userId: string) {
	if (userId === actor.user.id) throw new RoleChangeError('You cannot reset your own two-factor authentication; ask another admin.')
	return prisma.$transaction(async (tx) => {
		const reset = await tx.user.updateMany({
			where: { id: userId, totpEnabledAt: { not: null } },
			data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
		})
		if (reset.count !== 1) throw new RoleChangeError('That person has no two-factor authentication to reset.')
		const revoked = await revokeAllSessions(tx, userId, 'two-factor reset')
		await recordAudit(tx, {
			actor: { id: actor.user.id, role: actor.user.role },
			action: 'user.totp_reset',
			target: { type: 'user', id: userId },
			detail: { sessionsRevoked: revoked },
		})
		return { revoked }
	})
}
