import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { resetMailTransportForTests } from '#app/mail/mail.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { lateBound } from './late-bound.ts'

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

/**
 * One SMTP server for the test file; every test starts with the app's mail pointed at it
 * and nothing received. A test may point the mail elsewhere; the next one is reset.
 */
export function useSmtpServer() {
	let smtp: Awaited<ReturnType<typeof startSmtpServer>> | undefined
	beforeAll(async () => {
		smtp = await startSmtpServer()
	})
	beforeEach(() => {
		smtp!.received.length = 0
		useSmtp(`smtp://127.0.0.1:${smtp!.port}`)
	})
	afterAll(async () => {
		useSmtp(undefined)
		await smtp?.close()
	})
	return lateBound(() => smtp, 'the test SMTP server')
}
