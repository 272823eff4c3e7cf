import { prisma } from '#app/db/db.server.ts'

export type RateLimit = { name: string; limit: number; windowMs: number }

export const LIMITS = {
	signinPerIp: { name: 'signin-ip', limit: 20, windowMs: 15 * 60_000 },
	signinPerEmail: { name: 'signin-email', limit: 5, windowMs: 15 * 60_000 },
	codePerIp: { name: 'code-ip', limit: 30, windowMs: 15 * 60_000 },
	totpPerUser: { name: 'totp-user', limit: 10, windowMs: 15 * 60_000 },
	/** Anyone may record a cookie choice, so one address may not write an endless stream of them. */
	consentPerIp: { name: 'consent-ip', limit: 20, windowMs: 15 * 60_000 },
} satisfies Record<string, RateLimit>

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * Counts one hit in a fixed window stored in the database, so every instance shares the
 * count. `subject` must already be a keyed hash, never an e-mail address or IP in clear.
 */
export async function hitRateLimit(rule: RateLimit, subject: string, now = Date.now()): Promise<RateLimitResult> {
	const windowStart = new Date(now - (now % rule.windowMs))
	const key = `${rule.name}:${subject}`
	const rows = await prisma.$queryRaw<{ count: number }[]>`
		INSERT INTO "RateLimitBucket" ("key", "windowStart", "count") VALUES (${key}, ${windowStart}, 1)
		ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitBucket"."count" + 1
		RETURNING "count"`
	const count = Number(rows[0]?.count ?? 0)
	if (count <= rule.limit) return { ok: true }
	return { ok: false, retryAfterSeconds: Math.ceil((windowStart.getTime() + rule.windowMs - now) / 1000) }
}

export function tooManyRequests(result: { retryAfterSeconds: number }, what: string) {
	const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60))
	return `Too many ${what}. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`
}
