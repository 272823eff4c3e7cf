import { randomInt } from 'node:crypto'
import { recordAudit } from '#app/audit/audit.server.ts'
import { linkConsentToUser } from '#app/consent/consent.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { sendMail } from '#app/mail/mail.server.ts'
import { currentPolicyVersion } from '#app/policies/publish.server.ts'
import { describePeriod, periodMs } from '#app/privacy/periods.server.ts'
import { hitRateLimit, LIMITS, tooManyRequests } from '#app/utils/rate-limit.server.ts'
import { absoluteUrl } from '#app/utils/trusted-origin.server.ts'
import { keyedHash, randomToken, safeEqual } from './crypto.server.ts'
import { isStaff } from './permissions.ts'
import { createSession, revokeBrowserSession } from './session.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

export const CHALLENGE_TTL_MS = periodMs('loginCookie')
export const MAX_CODE_ATTEMPTS = 5

export class LoginError extends UserFacingError {}

export function normalizeEmail(email: string) {
	return email.trim().toLowerCase()
}

/** Sends a link and a code; says nothing about whether an account exists. */
export async function startLogin(input: { email: string; redirectTo: string; ipHash: string; request: Request }) {
	const email = normalizeEmail(input.email)
	for (const [rule, subject] of [
		[LIMITS.signinPerIp, input.ipHash],
		[LIMITS.signinPerEmail, keyedHash('email', email)],
	] as const) {
		const result = await hitRateLimit(rule, subject)
		if (!result.ok) throw new LoginError(tooManyRequests(result, 'sign-in attempts'), 429)
	}
	const token = randomToken()
	const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
	const challenge = await prisma.loginChallenge.create({
		data: {
			email,
			tokenHash: keyedHash('login-token', token),
			codeHash: keyedHash('login-code', code),
			expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
			redirectTo: input.redirectTo,
		},
		select: { id: true },
	})
	const link = absoluteUrl(`/login/link?${new URLSearchParams({ token })}`)
	await sendMail({
		to: email,
		category: 'transactional',
		subject: `Your Lorica sign-in code: ${code}`,
		text: [
			`Your sign-in code is ${code}.`,
			'',
			`Or open this link to sign in: ${link}`,
			'',
			`The code and the link expire in ${describePeriod('loginCookie')} and work once.`,
			'If you did not ask to sign in to Lorica, ignore this e-mail; nothing happens.',
		].join('\n'),
		html: `<p>Your sign-in code is <strong style="font-size:1.4em;letter-spacing:0.1em">${code}</strong>.</p>
<p>Or <a href="${link}">sign in with this link</a>.</p>
<p>The code and the link expire in ${describePeriod('loginCookie')} and work once. If you did not ask to sign in to Lorica, ignore this e-mail.</p>`,
	})
	return { challengeId: challenge.id }
}

type Verified = { id: string; email: string; redirectTo: string | null }

async function markVerified(challengeId: string): Promise<Verified> {
	// The conditional update makes the check-and-spend atomic: two tabs, one success.
	const spent = await prisma.loginChallenge.updateMany({
		where: { id: challengeId, verifiedAt: null, expiresAt: { gt: new Date() } },
		data: { verifiedAt: new Date() },
	})
	if (spent.count !== 1) throw new LoginError('This code or link has already been used. Request a new one.')
	return prisma.loginChallenge.findUniqueOrThrow({ where: { id: challengeId }, select: { id: true, email: true, redirectTo: true } })
}

function assertUsable(challenge: { expiresAt: Date; verifiedAt: Date | null; attempts: number } | null) {
	if (!challenge) throw new LoginError('This sign-in link is not valid. Request a new one.')
	if (challenge.verifiedAt) throw new LoginError('This code or link has already been used. Request a new one.')
	if (challenge.expiresAt.getTime() <= Date.now()) throw new LoginError('This code or link has expired. Request a new one.')
	if (challenge.attempts >= MAX_CODE_ATTEMPTS) throw new LoginError('Too many wrong codes. Request a new one.', 429)
}

export async function verifyLoginCode(challengeId: string, code: string, ipHash: string): Promise<Verified> {
	const limited = await hitRateLimit(LIMITS.codePerIp, ipHash)
	if (!limited.ok) throw new LoginError(tooManyRequests(limited, 'code attempts'), 429)
	// Claim an attempt before comparing, in one conditional update: concurrent guesses cannot
	// all read "4 used" and all be compared, so at most MAX_CODE_ATTEMPTS are ever evaluated.
	const [claimed] = await prisma.loginChallenge.updateManyAndReturn({
		where: { id: challengeId, verifiedAt: null, expiresAt: { gt: new Date() }, attempts: { lt: MAX_CODE_ATTEMPTS } },
		data: { attempts: { increment: 1 } },
		select: { codeHash: true, attempts: true },
	})
	if (!claimed) {
		assertUsable(await prisma.loginChallenge.findUnique({ where: { id: challengeId }, select: { expiresAt: true, verifiedAt: true, attempts: true } }))
		throw new LoginError('Too many wrong codes. Request a new one.', 429)
	}
	if (!safeEqual(claimed.codeHash, keyedHash('login-code', code.trim()))) {
		const left = MAX_CODE_ATTEMPTS - claimed.attempts
		throw new LoginError(
			left > 0 ? `That code is not right. ${left} attempt${left === 1 ? '' : 's'} left.` : 'Too many wrong codes. Request a new one.',
			left > 0 ? 400 : 429,
		)
	}
	return markVerified(challengeId)
}

export async function verifyLoginToken(token: string): Promise<Verified> {
	const challenge = await prisma.loginChallenge.findUnique({
		where: { tokenHash: keyedHash('login-token', token) },
		select: { id: true, expiresAt: true, verifiedAt: true, attempts: true },
	})
	assertUsable(challenge)
	return markVerified(challenge!.id)
}

export type LoginOutcome =
	| { kind: 'signed-in'; setCookie: string; redirectTo: string; needsSecondFactor: boolean }
	| { kind: 'signup'; challengeId: string }

/** After a verified challenge: a session for an existing account, or on to sign-up. */
export async function completeLogin(verified: Verified, request: Request): Promise<LoginOutcome> {
	const user = await prisma.user.findUnique({ where: { email: verified.email }, select: { id: true, role: true } })
	if (!user) return { kind: 'signup', challengeId: verified.id }
	const { setCookie } = await prisma.$transaction(async (tx) => {
		await consume(tx, verified.id)
		const session = await openSignedInSession(tx, user.id, request)
		await recordAudit(tx, {
			actor: { id: user.id, role: user.role },
			action: 'auth.signin',
			target: { type: 'session', id: session.sessionId },
			detail: { method: 'email' },
		})
		return session
	})
	return { kind: 'signed-in', setCookie, redirectTo: verified.redirectTo ?? '/account', needsSecondFactor: isStaff(user.role) }
}

/**
 * Every sign-in and sign-up: the session the browser had ends, its anonymous consent choices
 * become the account's, then the new session starts.
 */
async function openSignedInSession(tx: Parameters<typeof createSession>[0], userId: string, request: Request) {
	const previous = await revokeBrowserSession(tx, request, 'another sign-in in the same browser')
	if (previous)
		await recordAudit(tx, {
			actor: { id: previous.user.id, role: previous.user.role },
			action: 'auth.signout',
			target: { type: 'session', id: previous.id },
			detail: { reason: 'another sign-in in the same browser' },
		})
	await linkConsentToUser(tx, request, userId)
	return createSession(tx, userId, request)
}

async function consume(tx: Parameters<typeof createSession>[0], challengeId: string) {
	const consumed = await tx.loginChallenge.updateMany({
		where: { id: challengeId, consumedAt: null },
		data: { consumedAt: new Date() },
	})
	if (consumed.count !== 1) throw new LoginError('This code or link has already been used. Request a new one.')
}

export async function pendingSignup(challengeId: string | null) {
	if (!challengeId) return null
	const challenge = await prisma.loginChallenge.findUnique({
		where: { id: challengeId },
		select: { id: true, email: true, verifiedAt: true, consumedAt: true, redirectTo: true },
	})
	if (!challenge?.verifiedAt || challenge.consumedAt) return null
	if (Date.now() - challenge.verifiedAt.getTime() > CHALLENGE_TTL_MS) return null
	return challenge
}

/** The published versions in force now: what a new account accepts. */
export async function signupPolicies() {
	const [terms, privacy] = await Promise.all([currentPolicyVersion('terms'), currentPolicyVersion('privacy')])
	if (!terms || !privacy) throw new Response('Sign-up is closed until the Terms and Privacy Policy are published', { status: 503 })
	return { terms: terms.version, privacy: privacy.version }
}

/** Creates the account with its age confirmation and policy acceptances, and signs in. */
export async function completeSignup(
	challengeId: string,
	input: { displayName?: string; acceptedTermsVersion: string; acceptedPrivacyVersion: string },
	request: Request,
) {
	const challenge = await pendingSignup(challengeId)
	if (!challenge) throw new LoginError('Your e-mail confirmation has expired. Sign in again to continue.')
	const policies = await signupPolicies()
	if (input.acceptedTermsVersion !== policies.terms || input.acceptedPrivacyVersion !== policies.privacy)
		throw new LoginError('The Terms or Privacy Policy changed while you were signing up. Please read and accept the current versions.')
	return prisma.$transaction(async (tx) => {
		await consume(tx, challenge.id)
		const user = await tx.user.create({
			data: {
				email: challenge.email,
				displayName: input.displayName || null,
				role: 'customer',
				ageConfirmedAt: new Date(),
				acceptances: {
					create: [
						{ kind: 'terms', version: policies.terms, context: 'signup' },
						{ kind: 'privacy', version: policies.privacy, context: 'signup' },
					],
				},
			},
			select: { id: true, role: true },
		})
		const session = await openSignedInSession(tx, user.id, request)
		await recordAudit(tx, {
			actor: { id: user.id, role: user.role },
			action: 'auth.signup',
			target: { type: 'user', id: user.id },
			detail: { terms: policies.terms, privacy: policies.privacy, ageConfirmed: true },
		})
		return { setCookie: session.setCookie, redirectTo: challenge.redirectTo ?? '/account' }
	})
}
