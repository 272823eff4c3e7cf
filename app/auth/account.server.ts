import { recordAudit } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { revokeAllSessions, revokeSession, type CurrentSession } from './session.server.ts'

export async function signOutEverywhere(session: CurrentSession) {
	return prisma.$transaction(async (tx) => {
		const count = await revokeAllSessions(tx, session.user.id, 'signed out everywhere')
		await recordAudit(tx, {
			actor: { id: session.user.id, role: session.user.role },
			action: 'auth.signout_everywhere',
			target: { type: 'user', id: session.user.id },
			detail: { sessions: count },
		})
		return count
	})
}

/** Ends one of the user's other sessions; someone else's session id simply matches nothing. */
export async function signOutOtherSession(session: CurrentSession, otherSessionId: string) {
	return prisma.$transaction(async (tx) => {
		const other = await tx.session.findFirst({
			where: { id: otherSessionId, userId: session.user.id, revokedAt: null },
			select: { id: true },
		})
		if (!other) return false
		await revokeSession(tx, other.id, 'signed out from another device')
		await recordAudit(tx, {
			actor: { id: session.user.id, role: session.user.role },
			action: 'auth.session_revoked',
			target: { type: 'session', id: other.id },
		})
		return true
	})
}
