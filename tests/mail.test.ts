import fs from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { listOutbox, mailTransportKind, readOutboxMessage, resetMailTransportForTests, sendMail, type MailMessage } from '#app/mail/mail.server.ts'
import { loader as messageLoader } from '#app/routes/dev.outbox.$id.tsx'
import { loader as listLoader } from '#app/routes/dev.outbox._index.tsx'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { startSmtpServer } from './support/smtp.ts'

const VARIABLES = ['DATA_DIR', 'SMTP_URL', 'MAIL_FROM'] as const
const FROM = 'Lorica Test <no-reply@lorica.test>'
const RECIPIENT = 'ann.customer@example.com'

const message: MailMessage = {
	to: RECIPIENT,
	subject: 'Your order is ready',
	text: 'Your LoRA has finished training.',
	html: '<p>Your LoRA has <strong>finished</strong> training.</p>',
	category: 'transactional',
}

async function unusedPort() {
	const probe = net.createServer()
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
	const { port } = probe.address() as AddressInfo
	await new Promise<void>((resolve) => probe.close(() => resolve()))
	return port
}

function configure(variables: Partial<Record<(typeof VARIABLES)[number], string>>) {
	for (const key of VARIABLES) {
		if (variables[key] === undefined) delete process.env[key]
		else process.env[key] = variables[key]
	}
	resetEnvCache()
	resetMailTransportForTests()
}

function request(url: string) {
	return { request: new Request(`http://x${url}`), context: { cspNonce: 'test', clientIp: '127.0.0.1', peerIp: '127.0.0.1' } }
}

describe('outgoing mail', () => {
	const saved = Object.fromEntries(VARIABLES.map((key) => [key, process.env[key]]))
	let dataDir: string
	const stops: (() => Promise<void>)[] = []

	beforeEach(() => {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-mail-'))
	})

	afterEach(async () => {
		for (const stop of stops.splice(0)) await stop()
		for (const key of VARIABLES) {
			if (saved[key] === undefined) delete process.env[key]
			else process.env[key] = saved[key]
		}
		resetEnvCache()
		resetMailTransportForTests()
		fs.rmSync(dataDir, { recursive: true, force: true })
	})

	test('without SMTP_URL mail is written to the outbox as .eml with a JSON sidecar', async () => {
		configure({ DATA_DIR: dataDir, MAIL_FROM: FROM })
		expect(mailTransportKind()).toBe('outbox')

		const sent = await sendMail(message)
		expect(sent.transport).toBe('outbox')

		const files = fs.readdirSync(path.join(dataDir, 'outbox')).sort()
		expect(files).toEqual([`${sent.id}.eml`, `${sent.id}.json`])
		const eml = fs.readFileSync(path.join(dataDir, 'outbox', `${sent.id}.eml`), 'utf8')
		expect(eml).toMatch(/^Subject: Your order is ready\r?$/m)
		expect(eml).toMatch(/^From: Lorica Test <no-reply@lorica\.test>\r?$/m)
		expect(eml).toMatch(/^To: ann\.customer@example\.com\r?$/m)
		expect(eml).toContain('Your LoRA has finished training.')

		expect(await listOutbox()).toEqual([{ id: sent.id, to: RECIPIENT, subject: message.subject, sentAt: expect.any(String) }])
		expect(await readOutboxMessage(sent.id)).toMatchObject({ id: sent.id, to: RECIPIENT, text: message.text, html: message.html })
	})

	test('the outbox lists newest first and rejects ids that are not outbox ids', async () => {
		configure({ DATA_DIR: dataDir })
		const first = await sendMail({ ...message, subject: 'First', html: undefined })
		await new Promise((resolve) => setTimeout(resolve, 5))
		const second = await sendMail({ ...message, subject: 'Second' })
		expect((await listOutbox()).map((entry) => entry.id)).toEqual([second.id, first.id])
		expect(await readOutboxMessage(first.id)).not.toHaveProperty('html')

		fs.writeFileSync(path.join(dataDir, 'secret.json'), '{}')
		for (const id of ['../../etc/passwd', '../secret', `${first.id}/../${first.id}`, `${first.id}.json`, '']) {
			expect(await readOutboxMessage(id), id).toBeNull()
		}
	})

	test('with SMTP_URL mail goes to the SMTP server', async () => {
		const smtp = await startSmtpServer()
		stops.push(smtp.close)
		configure({ DATA_DIR: dataDir, MAIL_FROM: FROM, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` })
		expect(mailTransportKind()).toBe('smtp')

		const sent = await sendMail({ ...message, headers: { 'X-Lorica-Test': 'yes' } })
		expect(sent.transport).toBe('smtp')
		expect(smtp.received).toHaveLength(1)
		expect(smtp.received[0]).toMatchObject({ from: 'no-reply@lorica.test', to: [RECIPIENT] })
		expect(smtp.received[0]?.data).toMatch(/^Subject: Your order is ready\r$/m)
		expect(smtp.received[0]?.data).toMatch(/^X-Lorica-Test: yes\r$/m)
		expect(fs.existsSync(path.join(dataDir, 'outbox'))).toBe(false)
	})

	test('a rejecting SMTP server fails the send without the address in the error', async () => {
		const smtp = await startSmtpServer({
			onData(stream, session, callback) {
				stream.resume()
				stream.on('end', () => callback(new Error(`Mailbox ${session.envelope.rcptTo[0]?.address} is over quota`)))
			},
		})
		stops.push(smtp.close)
		configure({ DATA_DIR: dataDir, SMTP_URL: `smtp://127.0.0.1:${smtp.port}` })

		const failure = await sendMail(message).then(
			() => {
				throw new Error('expected the send to fail')
			},
			(error: unknown) => error as Error,
		)
		expect(failure.message).toMatch(/^mail could not be sent: /)
		expect(failure.message).toContain('over quota')
		expect(failure.message).not.toContain(RECIPIENT)
		expect(failure.message).not.toContain('example.com')
	})

	test('an unreachable SMTP server fails the send with a clear message', async () => {
		configure({ DATA_DIR: dataDir, SMTP_URL: `smtp://127.0.0.1:${await unusedPort()}` })
		await expect(sendMail(message)).rejects.toThrow(/mail could not be sent: .*ECONNREFUSED/)
	})

	test('the outbox pages show the outbox, and do not exist when SMTP is configured', async () => {
		configure({ DATA_DIR: dataDir })
		const sent = await sendMail(message)
		expect(await listLoader({ params: {}, ...request('/dev/outbox') })).toEqual({ messages: [expect.objectContaining({ id: sent.id, to: RECIPIENT, subject: message.subject })] })
		expect(await messageLoader({ params: { id: sent.id }, ...request(`/dev/outbox/${sent.id}`) })).toMatchObject({
			message: { id: sent.id, text: message.text, html: message.html },
		})
		await expect(messageLoader({ params: { id: '..%2F..%2Fetc%2Fpasswd' }, ...request('/dev/outbox/x') })).rejects.toMatchObject({ status: 404 })
		await expect(messageLoader({ params: { id: '20260101T000000000Z-0000000000000000' }, ...request('/dev/outbox/x') })).rejects.toMatchObject({ status: 404 })

		configure({ DATA_DIR: dataDir, SMTP_URL: 'smtp://127.0.0.1:2525' })
		await expect(listLoader({ params: {}, ...request('/dev/outbox') })).rejects.toMatchObject({ status: 404 })
		await expect(messageLoader({ params: { id: sent.id }, ...request(`/dev/outbox/${sent.id}`) })).rejects.toMatchObject({ status: 404 })
	})
})
