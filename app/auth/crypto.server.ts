import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { sessionSecrets } from './secrets.server.ts'

export function sha256(value: string) {
	return createHash('sha256').update(value).digest('hex')
}

/** Keyed hash for values we must compare but never store in clear (IPs, codes). */
export function keyedHash(purpose: string, value: string) {
	return createHmac('sha256', sessionSecrets()[0]!).update(`${purpose}\0${value}`).digest('hex')
}

export function randomToken(bytes = 32) {
	return randomBytes(bytes).toString('base64url')
}

export function safeEqual(a: string, b: string) {
	const left = Buffer.from(a)
	const right = Buffer.from(b)
	return left.length === right.length && timingSafeEqual(left, right)
}

function keyFor(secret: string) {
	return Buffer.from(hkdfSync('sha256', secret, 'lorica', 'secret-box v1', 32))
}

/** AES-256-GCM with a key derived from the current secret; older secrets still decrypt (rotation). */
export function seal(plaintext: string) {
	const iv = randomBytes(12)
	const cipher = createCipheriv('aes-256-gcm', keyFor(sessionSecrets()[0]!), iv)
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
	return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.')
}

export function unseal(sealed: string): string {
	const [version, iv, body, tag] = sealed.split('.')
	if (version !== 'v1' || !iv || !body || !tag) throw new Error('not a sealed value')
	for (const secret of sessionSecrets()) {
		try {
			const decipher = createDecipheriv('aes-256-gcm', keyFor(secret), Buffer.from(iv, 'base64url'))
			decipher.setAuthTag(Buffer.from(tag, 'base64url'))
			return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
		} catch {
			// try the next (older) secret
		}
	}
	throw new Error('sealed value cannot be opened with any configured SESSION_SECRET')
}
