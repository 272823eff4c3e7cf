import { verifyAuditChain } from '#app/audit/audit.server.ts'
import { completeLogin, completeSignup, signupPolicies } from '#app/auth/login.server.ts'
import { getCurrentSession } from '#app/auth/session.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { describe, expect, test } from '../db.ts'
import { createUser, signIn } from '../support/auth.ts'
import { TEST_ORIGIN } from '../support/route.ts'

// Finding 5: signing in as someone else in the same browser ends the session it carried, in
// the transaction that opens the new one, so the person before is signed out for real.

const browser = (cookie: string) => new Request(`${TEST_ORIGIN}/login/code`, { method: 'POST', headers: { cookie, origin: TEST_ORIGIN } })

async function verifiedChallenge(db: Database, email: string) {
	const challenge = await db.prisma.loginChallenge.create({
		data: { email, tokenHash: `t-${email}`, codeHash: 'x', expiresAt: new Date(Date.now() + 60_000), verifiedAt: new Date() },
		select: { id: true },
	})
	return { id: challenge.id, email, redirectTo: null }
}

async function expectReplaced(db: Database, previous: { cookie: string; sessionId: string; userId: string }, setCookie: string) {
	const row = await db.prisma.session.findUniqueOrThrow({ where: { id: previous.sessionId }, select: { revokedAt: true, revokedReason: true } })
	expect(row.revokedAt).not.toBeNull()
	expect(row.revokedReason).toBe('another sign-in in the same browser')
	expect(await getCurrentSession(browser(previous.cookie))).toBeNull()
	const event = await db.prisma.auditEvent.findFirst({ where: { action: 'auth.signout', targetId: previous.sessionId }, select: { actorId: true, detail: true } })
	expect(event).toEqual({ actorId: previous.userId, detail: { reason: 'another sign-in in the same browser' } })
	const current = await getCurrentSession(browser(setCookie.split(';')[0]!))
	expect(current).not.toBeNull()
	expect(current!.id).not.toBe(previous.sessionId)
	expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true })
	return current!
}

describe('a sign-in revokes the session the browser carried', () => {
	test('signing in as another person revokes the previous person’s session, and only that one', async ({ db }) => {
		const ann = await createUser(db, 'customer')
		const bob = await createUser(db, 'customer')
		const annHere = await signIn(db, ann)
		const annElsewhere = await signIn(db, ann)
		const outcome = await completeLogin(await verifiedChallenge(db, bob.email), browser(annHere.cookie))
		if (outcome.kind !== 'signed-in') throw new Error('expected a sign-in')
		const current = await expectReplaced(db, { ...annHere, userId: ann.id }, outcome.setCookie)
		expect(current.user.id).toBe(bob.id)
		// Ann's session on her other device is hers to end, not this browser's.
		expect(await getCurrentSession(browser(annElsewhere.cookie))).not.toBeNull()
	})

	test('signing up a new account in a signed-in browser revokes the previous session too', async ({ db }) => {
		const ann = await createUser(db, 'customer')
		const annHere = await signIn(db, ann)
		const challenge = await verifiedChallenge(db, 'new.person@people.test')
		const policies = await signupPolicies()
		const { setCookie } = await completeSignup(challenge.id, { acceptedTermsVersion: policies.terms, acceptedPrivacyVersion: policies.privacy }, browser(annHere.cookie))
		const current = await expectReplaced(db, { ...annHere, userId: ann.id }, setCookie)
		expect(current.user.email).toBe('new.person@people.test')
	})

	test('a failed sign-in leaves the browser’s session alone', async ({ db }) => {
		const ann = await createUser(db, 'customer')
		const bob = await createUser(db, 'customer')
		const annHere = await signIn(db, ann)
		const spent = await verifiedChallenge(db, bob.email)
		await db.prisma.loginChallenge.update({ where: { id: spent.id }, data: { consumedAt: new Date() } })
		await expect(completeLogin(spent, browser(annHere.cookie))).rejects.toThrow(/already been used/)
		expect(await getCurrentSession(browser(annHere.cookie))).not.toBeNull()
	})
})
