import { keyedHash } from '#app/auth/crypto.server.ts'
import { LoginError, MAX_CODE_ATTEMPTS, verifyLoginCode } from '#app/auth/login.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { describe, expect, test } from '../db.ts'

// Finding 6: the five wrong codes a challenge allows must hold under concurrency: each guess
// claims an attempt atomically before it is compared, so 50 at once evaluate exactly five.

const RIGHT = '246810'

async function challenge(db: Database) {
	const row = await db.prisma.loginChallenge.create({
		data: { email: 'guess@people.test', tokenHash: `t-${Math.random()}`, codeHash: keyedHash('login-code', RIGHT), expiresAt: new Date(Date.now() + 60_000) },
		select: { id: true },
	})
	return row.id
}

/** Each guess from its own address, so the per-IP limit is not what stops them. */
const guess = (id: string, code: string, n: number) =>
	verifyLoginCode(id, code, keyedHash('ip', `198.51.100.${n}`)).then(
		() => ({ ok: true as const }),
		(error: unknown) => {
			if (!(error instanceof LoginError)) throw error
			return { ok: false as const, status: error.status, message: error.message }
		},
	)

describe('the per-code attempt limit under concurrency', () => {
	test('50 concurrent wrong guesses: exactly five are evaluated and counted, the rest refused', async ({ db }) => {
		const id = await challenge(db)
		const results = await Promise.all(Array.from({ length: 50 }, (_, n) => guess(id, String(100000 + n), n)))
		expect(results.filter((result) => result.ok)).toEqual([])
		// The first four say how many are left; the fifth wrong one uses up the challenge.
		const left = results.flatMap((result) => (!result.ok && /(\d) attempts? left/.exec(result.message)?.[1]) || []).map(Number).sort()
		expect(left).toEqual([1, 2, 3, 4])
		expect(results.filter((result) => !result.ok && result.status === 429)).toHaveLength(46)
		const row = await db.prisma.loginChallenge.findUniqueOrThrow({ where: { id }, select: { attempts: true, verifiedAt: true } })
		expect(row).toEqual({ attempts: MAX_CODE_ATTEMPTS, verifiedAt: null })
		// Used up: even the right code no longer opens it.
		expect(await guess(id, RIGHT, 99)).toMatchObject({ ok: false, status: 429, message: 'Too many wrong codes. Request a new one.' })
	})

	test('the right code among 20 concurrent wrong ones succeeds only if it is within the first five claims, and never more than once', async ({ db }) => {
		const id = await challenge(db)
		const codes = Array.from({ length: 20 }, (_, n) => (n === 2 ? RIGHT : String(100000 + n)))
		const results = await Promise.all(codes.map((code, n) => guess(id, code, n)))
		expect(results.filter((result) => result.ok).length).toBeLessThanOrEqual(1)
		const row = await db.prisma.loginChallenge.findUniqueOrThrow({ where: { id }, select: { attempts: true } })
		expect(row.attempts).toBeLessThanOrEqual(MAX_CODE_ATTEMPTS)
	})
})
