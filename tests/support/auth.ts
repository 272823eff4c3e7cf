import type { Database } from '#app/db/database.server.ts'
import type { Role } from '#app/generated/prisma/enums.ts'
import { seal } from '#app/auth/crypto.server.ts'
import { createSession } from '#app/auth/session.server.ts'
import { generateTotpSecret, totpCode, totpStep } from '#app/auth/totp.server.ts'
import { TEST_ORIGIN } from './route.ts'

export type TestUser = { id: string; email: string; role: Role; totpSecret: string | null }

let counter = 0

/** A user; staff get TOTP enrolled unless `totp: false`. */
export async function createUser(db: Database, role: Role, options: { totp?: boolean; email?: string } = {}): Promise<TestUser> {
	const email = options.email ?? `${role}-${++counter}-${Date.now()}@people.test`
	const totpSecret = (options.totp ?? role !== 'customer') ? generateTotpSecret() : null
	// Customers signed up under the published Terms and Privacy Policy, as real ones did.
	const published = role === 'customer' ? await db.prisma.policyVersion.findMany({ where: { kind: { in: ['terms', 'privacy'] } }, select: { kind: true, version: true } }) : []
	const user = await db.prisma.user.create({
		data: {
			email,
			role,
			ageConfirmedAt: new Date(),
			...(totpSecret ? { totpSecret: seal(totpSecret), totpEnabledAt: new Date() } : {}),
			acceptances: { create: published.map((policy) => ({ kind: policy.kind, version: policy.version, context: 'signup' })) },
		},
		select: { id: true },
	})
	return { id: user.id, email, role, totpSecret }
}

/** A signed-in browser's Cookie header; staff sessions have passed TOTP unless told otherwise. */
export async function signIn(
	db: Database,
	user: TestUser,
	options: { secondFactor?: boolean; reverified?: boolean; userAgent?: string } = {},
) {
	const request = new Request(TEST_ORIGIN, { headers: { 'user-agent': options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0' } })
	const now = new Date()
	const { setCookie, sessionId } = await db.prisma.$transaction((tx) =>
		createSession(tx, user.id, request, { secondFactorAt: options.secondFactor === false ? null : now }),
	)
	if (options.reverified) await db.prisma.session.update({ where: { id: sessionId }, data: { reverifiedAt: now } })
	return { cookie: setCookie.split(';')[0]!, sessionId }
}

/** The code an authenticator app would show now (or `stepsAhead` periods later). */
export function currentTotp(user: TestUser, stepsAhead = 0) {
	if (!user.totpSecret) throw new Error('user has no TOTP secret')
	return totpCode(user.totpSecret, totpStep() + stepsAhead)
}

export function get(path: string, cookie?: string) {
	return new Request(`${TEST_ORIGIN}${path}`, { headers: cookie ? { cookie } : {} })
}

export function post(path: string, fields: Record<string, string>, cookie?: string) {
	const body = new URLSearchParams(fields)
	return new Request(`${TEST_ORIGIN}${path}`, {
		method: 'POST',
		body,
		headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_ORIGIN, ...(cookie ? { cookie } : {}) },
	})
}

/** Merges Set-Cookie headers into a browser's Cookie header. */
export function applySetCookies(cookie: string, headers: Headers) {
	const jar = new Map(
		cookie
			.split(';')
			.map((part) => part.trim())
			.filter(Boolean)
			.map((part) => [part.split('=')[0]!, part] as const),
	)
	for (const line of headers.getSetCookie()) {
		const pair = line.split(';')[0]!
		const name = pair.split('=')[0]!
		if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name)
		else jar.set(name, pair)
	}
	return [...jar.values()].join('; ')
}
