import { redirect } from '@remix-run/node'
import { pendingFor } from '#app/policies/acceptance.server.ts'
import { can, isStaff, type Permission } from './permissions.ts'
import { getCurrentSession, type CurrentSession } from './session.server.ts'

export const REVERIFY_WINDOW_MS = 10 * 60_000

function here(request: Request) {
	const url = new URL(request.url)
	return `${url.pathname}${url.search}`
}

type RequireOptions = {
	/** The pages that enrol or check the second factor must open before it is done. */
	twoFactor?: 'required' | 'skip'
	/** The acceptance page itself, and the account page (the way out without accepting). */
	policies?: 'required' | 'skip'
}

/**
 * The signed-in user, or a redirect to /login. Staff cannot go anywhere but the TOTP
 * pages until they have enrolled and passed TOTP in this session; customers cannot go on
 * past a material policy change they have not accepted.
 */
export async function requireUser(request: Request, options: RequireOptions = {}): Promise<CurrentSession> {
	const session = await getCurrentSession(request)
	if (!session) throw redirect(`/login?${new URLSearchParams({ redirectTo: here(request) })}`)
	if (options.twoFactor !== 'skip' && isStaff(session.user.role)) {
		if (!session.user.totpEnabledAt) throw redirect(`/account/two-factor?${new URLSearchParams({ redirectTo: here(request) })}`)
		if (!session.secondFactorAt) throw redirect(`/login/two-factor?${new URLSearchParams({ redirectTo: here(request) })}`)
	}
	// A material change of the Terms or Privacy Policy stops customers until they re-accept.
	if (options.policies !== 'skip' && (await pendingFor(session)).length)
		throw redirect(`/policies/accept?${new URLSearchParams({ redirectTo: here(request) })}`)
	return session
}

export async function requireAnonymous(request: Request) {
	if (await getCurrentSession(request)) throw redirect('/account')
}

export function forbidden(message = 'Your role does not allow this.') {
	return new Response(message, { status: 403 })
}

export async function requirePermission(request: Request, permission: Permission, options?: RequireOptions) {
	const session = await requireUser(request, options)
	if (!can(session.user.role, permission)) throw forbidden()
	return session
}

/**
 * For one resource: its owner needs the `own` permission, anyone else the `any` one.
 * Without it the answer is 404, so nobody learns that someone else's resource exists.
 */
/** A resource without an owner (an order anonymised after its statutory period) is nobody's own. */
export function assertResourceAccess(session: CurrentSession, action: string, entity: string, ownerId: string | null) {
	const access = ownerId !== null && ownerId === session.user.id ? 'own' : 'any'
	if (!can(session.user.role, `${action}:${entity}:${access}`)) throw new Response('Not found', { status: 404 })
	return access
}

/** Dangerous actions (erasure, role change, policy publish) need a TOTP check in the last 10 minutes. */
export function requireRecentVerification(request: Request, session: CurrentSession, now = Date.now()) {
	const at = session.reverifiedAt?.getTime() ?? 0
	if (now - at > REVERIFY_WINDOW_MS) throw redirect(`/reverify?${new URLSearchParams({ redirectTo: here(request) })}`)
}
