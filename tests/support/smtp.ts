import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { resetMailTransportForTests } from '#app/mail/mail.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'

// A real SMTP server on a random local port; tests read what it received.

export type Received = { from: string | undefined; to: string[]; data: string }

export async function startSmtpServer(options: Partial<SMTPServerOptions> = {}) {
	const received: Received[] = []
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = []
			stream.on('data', (chunk: Buffer) => chunks.push(chunk))
			stream.on('end', () => {
				received.push({
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
					to: session.envelope.rcptTo.map((recipient) => recipient.address),
					data: Buffer.concat(chunks).toString('utf8'),
				})
				callback()
			})
		},
		...options,
	})
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const { port } = server.server.address() as AddressInfo
	return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Sends the app's mail to `url` (a test SMTP server), or back to the file outbox when undefined. */
export function useSmtp(url: string | undefined) {
	if (url) process.env.SMTP_URL = url
	else delete process.env.SMTP_URL
	resetEnvCache()
	resetMailTransportForTests()
}
