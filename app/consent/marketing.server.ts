import type { AppLoadContext } from '@remix-run/node'
import { safeEqual } from '#app/auth/crypto.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { sendMail } from '#app/mail/mail.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { absoluteUrl } from '#app/utils/trusted-origin.server.ts'
import { consentState, recordConsent, unsubscribeToken } from './consent.server.ts'

// Marketing e-mail is its own opt-in purpose. Every marketing mail carries a one-click
// unsubscribe (a link in the text and RFC 8058 List-Unsubscribe headers).

export function unsubscribeUrl(userId: string) {
	return absoluteUrl(`/unsubscribe?${new URLSearchParams({ u: userId, t: unsubscribeToken(userId) })}`)
}

export async function marketingAllowed(userId: string) {
	return (await consentState({ subjectId: null, userId })).purposes.marketing_email?.granted === true
}

export async function setMarketingConsent(request: Request, context: Partial<AppLoadContext>, userId: string, granted: boolean) {
	return recordConsent(request, context, { userId, choices: { marketing_email: granted }, method: granted ? 'settings' : 'withdrawal' })
}

/** Sends only to people who opted in; says so instead of sending otherwise. */
export async function sendMarketingMail(userId: string, message: { subject: string; text: string }) {
	if (!(await marketingAllowed(userId))) return { sent: false as const }
	const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } })
	const url = unsubscribeUrl(userId)
	const result = await sendMail({
		to: user.email,
		category: 'marketing',
		subject: message.subject,
		text: `${message.text}\n\n—\nYou get this because you asked for news from Lorica. Unsubscribe with one click: ${url}`,
		headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
	})
	return { sent: true as const, id: result.id }
}

export function checkUnsubscribeToken(userId: string, token: string) {
	if (!userId || !token || !safeEqual(unsubscribeToken(userId), token))
		throw new UserFacingError('This unsubscribe link is not valid. You can change your e-mail preferences in your account.')
}

export async function unsubscribe(request: Request, context: Partial<AppLoadContext>, userId: string, token: string) {
	checkUnsubscribeToken(userId, token)
	const exists = await prisma.user.findUnique({ where: { id: userId }, select: { id: true } })
	if (!exists) throw new UserFacingError('This account no longer exists; there is nothing to unsubscribe from.', 404)
	await recordConsent(request, context, { userId, choices: { marketing_email: false }, method: 'unsubscribe' })
}
