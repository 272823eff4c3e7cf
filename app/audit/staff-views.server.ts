import type { CurrentSession } from '#app/auth/session.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { recordAudit } from './audit.server.ts'

/** Staff reading someone else's data is itself a recorded act. */
export async function recordStaffView(session: CurrentSession, target: { type: string; id: string }) {
	await prisma.$transaction((tx) =>
		recordAudit(tx, { actor: { id: session.user.id, role: session.user.role }, action: `${target.type}.viewed`, target }),
	)
}
