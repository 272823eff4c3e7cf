import { createCookie, redirect } from '@remix-run/node'
import { prisma } from '#app/db/db.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import type { Role } from '#app/generated/prisma/enums.ts'
import { periodMs } from '#app/privacy/periods.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { randomToken, sha256 } from './crypto.server.ts'
import { sessionSecrets } from './secrets.server.ts'
import { SESSION_COOKIE_NAME } from './session-cookie-name.ts'

export const SESSION_TTL_MS = periodMs('sessionCookie')
/** lastSeenAt is a hint for the session list, not worth a write on every request. */
const TOUCH_INTERVAL_MS = 5 * 60_000

function secureCookies() {
	const env = getEnv()
	return env.NODE_ENV === 'production' && (env.APP_URL ?? '').startsWith('https:')
}

function sessionCookie() {
	return createCookie(SESSION_COOKIE_NAME, {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure: secureCookies(),
		secrets: sessionSecrets(),
		maxAge: SESSION_TTL_MS / 1000,
	})
}

export type SessionUser = {
	id: string
	email: string
	displayName: string | null
	role: Role
	totpEnabledAt: Date | null
}

export type CurrentSession = {
	id: string
	createdAt: Date
	secondFactorAt: Date | null
	reverifiedAt: Date | null
	user: SessionUser
}

function describeUserAgent(userAgent: string | null) {
	if (!userAgent) return null
	const browser = /(Edg|Firefox|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1] ?? 'Browser'
	const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent)?.[1] ?? 'unknown system'
	return `${browser === 'Edg' ? 'Edge' : browser} on ${os}`
}

/** Creates the session row inside the caller's transaction and returns the Set-Cookie value. */
export async function createSession(
	tx: Prisma.TransactionClient,
	userId: string,
	request: Request,
	options: { secondFactorAt?: Date | null } = {},
) {
	const token = randomToken()
	const session = await tx.session.create({
		data: {
			id: sha256(token),
			userId,
			expiresAt: new Date(Date.now() + SESSION_TTL_MS),
			userAgent: describeUserAgent(request.headers.get('user-agent')),
			secondFactorAt: options.secondFactorAt ?? null,
		},
		select: { id: true },
	})
	return { sessionId: session.id, setCookie: await sessionCookie().serialize(token) }
}

export async function destroySessionCookie() {
	return sessionCookie().serialize('', { maxAge: 0 })
}

async function sessionIdFrom(request: Request): Promise<string | null> {
	const token = await sessionCookie().parse(request.headers.get('cookie'))
	return typeof token === 'string' && token.length > 20 ? sha256(token) : null
}

export async function getCurrentSession(request: Request): Promise<CurrentSession | null> {
	const id = await sessionIdFrom(request)
	if (!id) return null
	const session = await prisma.session.findFirst({
		where: { id, revokedAt: null, expiresAt: { gt: new Date() } },
		select: {
			id: true,
			createdAt: true,
			lastSeenAt: true,
			secondFactorAt: true,
			reverifiedAt: true,
			user: { select: { id: true, email: true, displayName: true, role: true, totpEnabledAt: true } },
		},
	})
	if (!session) return null
	if (Date.now() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS)
		await prisma.session.update({ where: { id }, data: { lastSeenAt: new Date() }, select: { id: true } })
	const { lastSeenAt: _lastSeenAt, ...current } = session
	return current
}

/**
 * A sign-in in a browser that still carries a session ends that session, whoever it belonged
 * to, in the sign-in's transaction: the person before is signed out, not merely hidden.
 */
export async function revokeBrowserSession(tx: Prisma.TransactionClient, request: Request, reason: string) {
	const id = await sessionIdFrom(request)
	if (!id) return null
	const previous = await tx.session.findFirst({ where: { id, revokedAt: null }, select: { id: true, user: { select: { id: true, role: true } } } })
	if (!previous) return null
	await revokeSession(tx, previous.id, reason)
	return previous
}

export async function revokeSession(tx: Prisma.TransactionClient, sessionId: string, reason: string) {
	await tx.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: reason } })
}

/** Signs a user out everywhere: on request, on role change, on erasure. */
export async function revokeAllSessions(tx: Prisma.TransactionClient, userId: string, reason: string) {
	const result = await tx.session.updateMany({
		where: { userId, revokedAt: null },
		data: { revokedAt: new Date(), revokedReason: reason },
	})
	return result.count
}

export async function signOutResponse(to = '/') {
	return redirect(to, { headers: { 'Set-Cookie': await destroySessionCookie() } })
}

export async function listActiveSessions(userId: string) {
	return prisma.session.findMany({
		where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
		select: { id: true, createdAt: true, lastSeenAt: true, userAgent: true },
		orderBy: { lastSeenAt: 'desc' },
	})
}
