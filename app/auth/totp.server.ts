import { createHmac, randomBytes } from 'node:crypto'

// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) as every authenticator app implements it.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
export const TOTP_PERIOD_SECONDS = 30

export function base32Encode(bytes: Buffer) {
	let bits = 0
	let value = 0
	let out = ''
	for (const byte of bytes) {
		value = (value << 8) | byte
		bits += 8
		while (bits >= 5) {
			out += ALPHABET[(value >>> (bits - 5)) & 31]
			bits -= 5
		}
	}
	if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
	return out
}

export function base32Decode(text: string) {
	const clean = text.replace(/[\s=]/g, '').toUpperCase()
	let bits = 0
	let value = 0
	const out: number[] = []
	for (const char of clean) {
		const index = ALPHABET.indexOf(char)
		if (index === -1) throw new Error('invalid base32')
		value = (value << 5) | index
		bits += 5
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255)
			bits -= 8
		}
	}
	return Buffer.from(out)
}

export function generateTotpSecret() {
	return base32Encode(randomBytes(20))
}

export function totpStep(at = Date.now()) {
	return Math.floor(at / 1000 / TOTP_PERIOD_SECONDS)
}

export function totpCode(secret: string, step: number) {
	const counter = Buffer.alloc(8)
	counter.writeBigUInt64BE(BigInt(step))
	const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest()
	const offset = digest[digest.length - 1]! & 15
	const binary = digest.readUInt32BE(offset) & 0x7fffffff
	return String(binary % 1_000_000).padStart(6, '0')
}

/**
 * The step the code belongs to (current ±1 for clock drift), or null. Steps at or before
 * `lastStep` are refused, so an observed code cannot be replayed.
 */
export function verifyTotp(secret: string, code: string, lastStep: number | null, at = Date.now()): number | null {
	if (!/^\d{6}$/.test(code)) return null
	const now = totpStep(at)
	for (const step of [now - 1, now, now + 1]) {
		if (lastStep !== null && step <= lastStep) continue
		if (totpCode(secret, step) === code) return step
	}
	return null
}

export function otpauthUri(secret: string, account: string, issuer = 'Lorica') {
	const label = encodeURIComponent(`${issuer}:${account}`)
	return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=${TOTP_PERIOD_SECONDS}`
}
