import { prisma } from '#app/db/db.server.ts'
import { sendMail, type MailMessage } from './mail.server.ts'

// Jobs may run twice (a retry after a crash). An e-mail a job sends is recorded under a
// key of ids once the server took it, and not sent again for that key. The one gap: a
// crash between the server taking it and the record leaves it to be sent a second time.

export async function sendMailOnce(key: string, message: MailMessage): Promise<'sent' | 'already_sent'> {
	const sent = await prisma.mailReceipt.findUnique({ where: { key }, select: { key: true } })
	if (sent) return 'already_sent'
	await sendMail(message)
	await prisma.mailReceipt.create({ data: { key }, select: { key: true } })
	return 'sent'
}
