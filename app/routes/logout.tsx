import { redirect, type ActionFunctionArgs } from '@remix-run/node'
import { recordAudit } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { getCurrentSession, revokeSession, signOutResponse } from '#app/auth/session.server.ts'

export async function loader() {
	return redirect('/')
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await getCurrentSession(request)
	if (session)
		await prisma.$transaction(async (tx) => {
			await revokeSession(tx, session.id, 'signed out')
			await recordAudit(tx, {
				actor: { id: session.user.id, role: session.user.role },
				action: 'auth.signout',
				target: { type: 'session', id: session.id },
			})
		})
	return signOutResponse('/')
}
