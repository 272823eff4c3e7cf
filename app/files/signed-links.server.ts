import { createHmac } from 'node:crypto'
import { safeEqual } from '#app/auth/crypto.server.ts'
import { z } from 'zod'
import { sessionSecrets } from '#app/auth/secrets.server.ts'
import { periodMs } from '#app/privacy/periods.server.ts'
import { ID_PATTERN } from '#app/utils/ids.ts'

// Download links carry their own proof: which file, for whom, until when, signed with the
// session secret (HMAC-SHA256). A forwarded link stops working after LINK_LIFETIME_MS, and
// changing any part of it breaks the signature. Rotated secrets keep recent links valid.

export const LINK_LIFETIME_MS = periodMs('downloadLink')

// Checked after the signature too: a link signed by an older release (or with a leaked
// secret) must not reach the database as a filter of whatever shape its JSON has.
const ClaimsSchema = z.object({
	kind: z.enum(['result', 'export_archive']),
	id: z.string().regex(ID_PATTERN),
	userId: z.string().regex(ID_PATTERN),
	expiresAt: z.number().int(),
})

export type LinkClaims = z.infer<typeof ClaimsSchema>

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
	let json: unknown
	try {
		json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
	} catch {
		return { ok: false, reason: 'malformed' }
	}
	const claims = ClaimsSchema.safeParse(json)
	if (!claims.success) return { ok: false, reason: 'malformed' }
	if (claims.data.expiresAt < now) return { ok: false, reason: 'expired' }
	return { ok: true, claims: claims.data }
}
