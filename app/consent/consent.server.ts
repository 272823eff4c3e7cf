import { createCookie, type AppLoadContext } from '@remix-run/node'
import { keyedHash, randomToken } from '#app/auth/crypto.server.ts'
import { sessionSecrets } from '#app/auth/secrets.server.ts'
import { prisma } from '#app/db/db.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { compareVersions, listPolicyVersions } from '#app/policies/documents.server.ts'
import { currentPolicyVersion } from '#app/policies/publish.server.ts'
import { periodSeconds } from '#app/privacy/periods.server.ts'
import { CONSENT_COOKIE_NAME } from './consent-cookie-name.ts'
import { clientIpHash } from '#app/utils/client.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { hitRateLimit, LIMITS, tooManyRequests } from '#app/utils/rate-limit.server.ts'

export const COOKIE_PURPOSES = ['analytics', 'advertising'] as const
export type CookiePurpose = (typeof COOKIE_PURPOSES)[number]
export type ConsentPurpose = CookiePurpose | 'marketing_email'
export type ConsentMethod = 'accept_all' | 'reject_all' | 'custom' | 'settings' | 'gpc' | 'withdrawal' | 'unsubscribe'

function consentCookie() {
	const env = getEnv()
	return createCookie(CONSENT_COOKIE_NAME, {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure: env.NODE_ENV === 'production' && (env.APP_URL ?? '').startsWith('https:'),
		secrets: sessionSecrets(),
		maxAge: periodSeconds('consentCookie'),
	})
}

export async function readConsentSubject(request: Request): Promise<string | null> {
	const value = await consentCookie().parse(request.headers.get('cookie'))
	return typeof value === 'string' && value.length >= 20 ? value : null
}

/** The subject id of this browser, creating one (and its Set-Cookie) on the first choice. */
async function ensureSubject(request: Request) {
	const existing = await readConsentSubject(request)
	if (existing) return { subjectId: existing, setCookie: null }
	const subjectId = randomToken(18)
	return { subjectId, setCookie: await consentCookie().serialize(subjectId) }
}

export function gpcSignal(request: Request) {
	return request.headers.get('sec-gpc')?.trim() === '1'
}

type Who = { subjectId: string | null; userId?: string | null }

function whoFilter(who: Who): Prisma.ConsentEventWhereInput | null {
	const or: Prisma.ConsentEventWhereInput[] = []
	if (who.subjectId) or.push({ subjectId: who.subjectId })
	if (who.userId) or.push({ userId: who.userId })
	return or.length ? { OR: or } : null
}

/** For each cookie purpose, the cookie-policy version from which a choice must date (the last one that changed it). */
function lapseVersions(now: Date): Record<CookiePurpose, string | null> {
	const result: Record<CookiePurpose, string | null> = { analytics: null, advertising: null }
	for (const version of listPolicyVersions('cookies').filter((entry) => entry.effective <= now))
		for (const purpose of version.changedPurposes) result[purpose] = version.version
	return result
}

export type PurposeState = { granted: boolean; method: string; at: Date; noticeVersion: string; gpc: boolean } | null

export type ConsentState = {
	purposes: Record<ConsentPurpose, PurposeState>
	/** A cookie purpose has no choice, or the choice lapsed with a new cookie policy: ask. */
	needsChoice: boolean
}

export async function consentState(who: Who, now = new Date()): Promise<ConsentState> {
	const purposes: Record<ConsentPurpose, PurposeState> = { analytics: null, advertising: null, marketing_email: null }
	const where = whoFilter(who)
	if (where) {
		const lapse = lapseVersions(now)
		for (const purpose of Object.keys(purposes) as ConsentPurpose[]) {
			const latest = await prisma.consentEvent.findFirst({
				where: { ...where, purpose },
				select: { granted: true, method: true, at: true, noticeVersion: true, noticeKind: true, gpc: true },
				orderBy: { at: 'desc' },
			})
			if (!latest) continue
			const since = purpose === 'marketing_email' ? null : lapse[purpose]
			if (since && latest.noticeKind === 'cookies' && compareVersions(latest.noticeVersion, since) < 0) continue
			purposes[purpose] = latest
		}
	}
	return { purposes, needsChoice: COOKIE_PURPOSES.some((purpose) => !purposes[purpose]) }
}

function userAgentName(request: Request) {
	const agent = request.headers.get('user-agent') ?? ''
	return /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(agent)?.[1]?.replace('Edg', 'Edge') ?? (agent ? 'other browser' : null)
}

async function noticeVersion(kind: 'cookies' | 'privacy') {
	const current = await currentPolicyVersion(kind)
	if (!current) throw new Response(`The ${kind} policy is not published yet`, { status: 503 })
	return current.version
}

/** A choice posted by anyone counts against its address first; null when it may be recorded. */
export async function consentRateLimited(context: Partial<AppLoadContext>) {
	const result = await hitRateLimit(LIMITS.consentPerIp, clientIpHash(context))
	return result.ok ? null : { message: tooManyRequests(result, 'cookie choices from your address'), retryAfterSeconds: result.retryAfterSeconds }
}

/** Appends one event per purpose; returns the consent id and, for a new one, its Set-Cookie. */
export async function recordConsent(
	request: Request,
	context: Partial<AppLoadContext>,
	input: { userId?: string | null; choices: Partial<Record<ConsentPurpose, boolean>>; method: ConsentMethod },
) {
	const { subjectId, setCookie } = await ensureSubject(request)
	const entries = Object.entries(input.choices) as [ConsentPurpose, boolean][]
	const cookiesVersion = await noticeVersion('cookies')
	const privacyVersion = entries.some(([purpose]) => purpose === 'marketing_email') ? await noticeVersion('privacy') : null
	await prisma.consentEvent.createMany({
		data: entries.map(([purpose, granted]) => ({
			subjectId,
			userId: input.userId ?? null,
			purpose,
			granted,
			method: input.method,
			noticeKind: purpose === 'marketing_email' ? 'privacy' : 'cookies',
			noticeVersion: purpose === 'marketing_email' ? privacyVersion! : cookiesVersion,
			gpc: gpcSignal(request),
			ipHash: clientIpHash(context),
			userAgent: userAgentName(request),
		})),
	})
	return { subjectId, setCookie }
}

/**
 * Global Privacy Control opts out of advertising, unless the person opted in while their
 * browser was already sending the signal. Applying it is recorded like any other choice.
 */
export async function applyGpc(request: Request, context: Partial<AppLoadContext>, userId: string | null, state: ConsentState) {
	if (!gpcSignal(request)) return null
	// A browser without a consent id has chosen nothing, so advertising is off already;
	// recording it would write a row per cookieless request. Its first choice records GPC.
	if (!userId && !(await readConsentSubject(request))) return null
	const advertising = state.purposes.advertising
	if (advertising && (!advertising.granted || advertising.gpc)) return null
	return recordConsent(request, context, { userId, choices: { advertising: false }, method: 'gpc' })
}

/** On sign-in, the anonymous choices made in this browser become the account's. */
export async function linkConsentToUser(tx: Prisma.TransactionClient, request: Request, userId: string) {
	const subjectId = await readConsentSubject(request)
	if (!subjectId) return 0
	const linked = await tx.consentEvent.updateMany({ where: { subjectId, userId: null }, data: { userId } })
	return linked.count
}

export function consentHistory(userId: string) {
	return prisma.consentEvent.findMany({
		where: { userId },
		select: { purpose: true, granted: true, method: true, noticeKind: true, noticeVersion: true, gpc: true, at: true },
		orderBy: { at: 'desc' },
		take: 200,
	})
}

/** Signed, so an unsubscribe link works without signing in and cannot be forged for others. */
export function unsubscribeToken(userId: string) {
	return keyedHash('unsubscribe', userId).slice(0, 32)
}
