import QRCode from 'qrcode'
import { recordAudit } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { hitRateLimit, LIMITS, tooManyRequests } from '#app/utils/rate-limit.server.ts'
import { keyedHash, seal, unseal } from './crypto.server.ts'
import type { CurrentSession } from './session.server.ts'
import { generateTotpSecret, otpauthUri, verifyTotp } from './totp.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

export class TwoFactorError extends UserFacingError {}

/** A new secret, sealed for the form (so the page can be reloaded without storing it), with its QR code. */
export async function beginEnrolment(email: string) {
	const secret = generateTotpSecret()
	const uri = otpauthUri(secret, email)
	return { secret, sealed: seal(secret), qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1, width: 220 }) }
}

async function limit(userId: string) {
	const result = await hitRateLimit(LIMITS.totpPerUser, keyedHash('user', userId))
	if (!result.ok) throw new TwoFactorError(tooManyRequests(result, 'codes'), 429)
}

const WRONG = 'That code is not right. Check the time on your phone, and use the newest code.'

export async function completeEnrolment(session: CurrentSession, sealedSecret: string, code: string) {
	await limit(session.user.id)
	let secret: string
	try {
		secret = unseal(sealedSecret)
	} catch {
		throw new TwoFactorError('The set-up expired. Scan the new QR code.')
	}
	const step = verifyTotp(secret, code, null)
	if (step === null) throw new TwoFactorError(WRONG)
	const now = new Date()
	await prisma.$transaction(async (tx) => {
		const updated = await tx.user.updateMany({
			where: { id: session.user.id, totpEnabledAt: null },
			data: { totpSecret: seal(secret), totpEnabledAt: now, totpLastStep: step },
		})
		if (updated.count !== 1) throw new TwoFactorError('Two-factor authentication is already set up for this account.')
		await tx.session.update({ where: { id: session.id }, data: { secondFactorAt: now, reverifiedAt: now }, select: { id: true } })
		await recordAudit(tx, {
			actor: { id: session.user.id, role: session.user.role },
			action: 'auth.totp_enrolled',
			target: { type: 'user', id: session.user.id },
		})
	})
}

/** Checks a TOTP code for this session: the sign-in step for staff, or a re-verification. */
export async function verifySecondFactor(session: CurrentSession, code: string, purpose: 'signin' | 'reverify') {
	await limit(session.user.id)
	const user = await prisma.user.findUniqueOrThrow({
		where: { id: session.user.id },
		select: { totpSecret: true, totpLastStep: true },
	})
	if (!user.totpSecret) throw new TwoFactorError('Set up two-factor authentication first.')
	const step = verifyTotp(unseal(user.totpSecret), code, user.totpLastStep)
	if (step === null) throw new TwoFactorError(WRONG)
	const now = new Date()
	await prisma.$transaction(async (tx) => {
		// Conditional on the step we read: the same code submitted twice at once succeeds once.
		const spent = await tx.user.updateMany({
			where: { id: session.user.id, totpLastStep: user.totpLastStep },
			data: { totpLastStep: step },
		})
		if (spent.count !== 1) throw new TwoFactorError(WRONG)
		await tx.session.update({
			where: { id: session.id },
			data: purpose === 'signin' ? { secondFactorAt: now } : { reverifiedAt: now },
			select: { id: true },
		})
		await recordAudit(tx, {
			actor: { id: session.user.id, role: session.user.role },
			action: purpose === 'signin' ? 'auth.second_factor' : 'auth.reverified',
			target: { type: 'session', id: session.id },
		})
	})
}
