import { createHmac } from 'node:crypto'
import { safeEqual } from '#app/auth/crypto.server.ts'
import { sessionSecrets } from '#app/auth/secrets.server.ts'

// Download links carry their own proof: which file, for whom, until when, signed with the
// session secret (HMAC-SHA256). A forwarded link stops working after LINK_LIFETIME_MS, and
// changing any part of it breaks the signature. Rotated secrets keep recent links valid.

export const LINK_LIFETIME_MS = 15 * 60_000

export type LinkClaims = { kind: 'result' | 'export_archive'; id: string; userId: string; expiresAt: number }

function mac(secret: string, payload: string) {
	return createHmac('sha256', secret).update(`download\0${payload}`).digest('base64url')
}

export function signDownload(claims: Omit<LinkClaims, 'expiresAt'>, now = Date.now()) {
	const payload = Buffer.from(JSON.stringify({ ...claims, expiresAt: now + LINK_LIFETIME_MS })).toString('base64url')
	return `${payload}.${mac(sessionSecrets()[0]!, payload)}`
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' }

export function verifyDownload(token: string, now = Date.now()): LinkCheck {
	const [payload, signature, extra] = token.split('.')
	if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' }
	if (!sessionSecrets().some((secret) => safeEqual(mac(secret, payload), signature))) return { ok: false, reason: 'signature' }
	let claims: LinkClaims
	try {
		claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims
	} catch {
		return { ok: false, reason: 'malformed' }
	}
	if (typeof claims.expiresAt !== 'number' || claims.expiresAt < now) return { ok: false, reason: 'expired' }
	return { ok: true, claims }
}
