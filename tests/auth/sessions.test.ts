import { afterEach } from 'vitest'
import { seal, unseal } from '#app/auth/crypto.server.ts'
import { resetSecretsForTests } from '#app/auth/secrets.server.ts'
import { getCurrentSession } from '#app/auth/session.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { describe, expect, test } from '../db.ts'
import { createUser, get, signIn } from '../support/auth.ts'

const ORIGINAL = process.env.SESSION_SECRET!
const NEWER = 'rotated-secret-abcdefghijklmnopqrstuvwxyz0123456789'

function useSecrets(value: string) {
	process.env.SESSION_SECRET = value
	resetEnvCache()
	resetSecretsForTests()
}
afterEach(() => useSecrets(ORIGINAL))

describe('database sessions', () => {
	test('a cookie signed with the previous secret still works after rotation; one with a dropped secret does not', async ({ db }) => {
		const user = await createUser(db, 'customer')
		const { cookie } = await signIn(db, user)
		const sealed = seal('totp-secret')
		useSecrets(`${NEWER},${ORIGINAL}`)
		expect((await getCurrentSession(get('/', cookie)))?.user.id).toBe(user.id)
		expect(unseal(sealed)).toBe('totp-secret')
		useSecrets(NEWER)
		expect(await getCurrentSession(get('/', cookie))).toBeNull()
		expect(() => unseal(sealed)).toThrow(/cannot be opened/)
	})

	test('expired and revoked sessions are not sessions', async ({ db }) => {
		const user = await createUser(db, 'customer')
		const expired = await signIn(db, user)
		await db.prisma.session.update({ where: { id: expired.sessionId }, data: { expiresAt: new Date(Date.now() - 1000) } })
		expect(await getCurrentSession(get('/', expired.cookie))).toBeNull()
		const revoked = await signIn(db, user)
		await db.prisma.session.update({ where: { id: revoked.sessionId }, data: { revokedAt: new Date() } })
		expect(await getCurrentSession(get('/', revoked.cookie))).toBeNull()
	})

	test('the database keeps only a hash of the cookie token', async ({ db }) => {
		const user = await createUser(db, 'customer')
		const { cookie, sessionId } = await signIn(db, user)
		const token = decodeURIComponent(cookie.split('=')[1]!)
		expect(token).not.toContain(sessionId)
		expect(sessionId).toMatch(/^[0-9a-f]{64}$/)
		const forged = cookie.replace(/.$/, (char) => (char === 'A' ? 'B' : 'A'))
		expect(await getCurrentSession(get('/', forged))).toBeNull()
	})
})
