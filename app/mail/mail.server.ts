import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { AppLoadContext } from '@remix-run/node'
import nodemailer from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport'
import type StreamTransport from 'nodemailer/lib/stream-transport'
import { getEnv } from '#app/utils/env.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { isLoopbackAddress } from '#app/utils/trusted-origin.server.ts'

// Without SMTP_URL, mail lands in <DATA_DIR>/outbox/ so the demo and development work
// with no mail server; the /dev/outbox pages show it.

export type MailMessage = {
	to: string
	subject: string
	text: string
	html?: string
	category: 'transactional' | 'marketing'
	headers?: Record<string, string>
}

export type MailTransportKind = 'smtp' | 'outbox'

export type OutboxEntry = { id: string; to: string; subject: string; sentAt: string }

export type OutboxMessage = OutboxEntry & { text: string; html?: string }

// Compact ISO time first so that file names sort by sending time; the strict shape is
// what keeps ids taken from URLs inside the outbox folder.
const OUTBOX_ID = /^\d{8}T\d{9}Z-[0-9a-f]{16}$/

type Transport =
	| { kind: 'smtp'; key: string; transporter: nodemailer.Transporter<SMTPTransport.SentMessageInfo> }
	| { kind: 'outbox'; key: string; transporter: nodemailer.Transporter<StreamTransport.SentMessageInfo>; directory: string }

let cached: Transport | undefined

export function mailTransportKind(): MailTransportKind {
	return getEnv().SMTP_URL ? 'smtp' : 'outbox'
}

/**
 * The outbox viewer shows every sign-in link, so it is only for the embedded demo and
 * development; a deployment on PostgreSQL without SMTP_URL keeps the files but hides them.
 */
export function outboxViewerEnabled() {
	const env = getEnv()
	return mailTransportKind() === 'outbox' && (!env.DATABASE_URL || env.NODE_ENV !== 'production')
}

/** Headers a proxy adds: a request carrying one came from elsewhere, whatever the socket says. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host']

/**
 * Who may read the outbox (every sign-in code in it): only someone on this machine. The TCP
 * peer decides, never X-Forwarded-For; a request through a local reverse proxy has a
 * loopback peer, so one that carries forwarding headers is not local either.
 */
export function outboxOpenTo(request: Request, context: Pick<AppLoadContext, 'peerIp'>) {
	return outboxViewerEnabled() && isLoopbackAddress(context.peerIp) && !FORWARDING_HEADERS.some((name) => request.headers.has(name))
}

function outboxDirectory() {
	return path.resolve(getEnv().DATA_DIR, 'outbox')
}

function transport(): Transport {
	const { SMTP_URL } = getEnv()
	const key = SMTP_URL ? `smtp:${SMTP_URL}` : `outbox:${outboxDirectory()}`
	if (cached?.key === key) return cached
	cached?.transporter.close()
	cached = SMTP_URL
		? { kind: 'smtp', key, transporter: nodemailer.createTransport(SMTP_URL) }
		: { kind: 'outbox', key, transporter: nodemailer.createTransport({ streamTransport: true, buffer: true }), directory: outboxDirectory() }
	return cached
}

export function resetMailTransportForTests() {
	cached?.transporter.close()
	cached = undefined
}

function newId() {
	return `${new Date().toISOString().replace(/[-:.]/g, '')}-${crypto.randomBytes(8).toString('hex')}`
}

// SMTP replies often quote the recipient ("550 <ann@example.com> unknown"); the error
// travels to logs and callers, so addresses are removed entirely rather than masked.
function withoutAddresses(text: string) {
	return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[address]')
}

async function writeAtomically(file: string, data: string | Buffer) {
	const temporary = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`
	await fs.writeFile(temporary, data)
	await fs.rename(temporary, file)
}

export async function sendMail(message: MailMessage): Promise<{ id: string; transport: MailTransportKind }> {
	const { MAIL_FROM } = getEnv()
	const current = transport()
	const id = newId()
	const envelope = {
		from: MAIL_FROM,
		to: message.to,
		subject: message.subject,
		text: message.text,
		html: message.html,
		headers: message.headers,
	}
	try {
		if (current.kind === 'smtp') {
			await current.transporter.sendMail(envelope)
		} else {
			const info = await current.transporter.sendMail(envelope)
			const sentAt = new Date().toISOString()
			await fs.mkdir(current.directory, { recursive: true })
			// The .eml goes first: the list reads the sidecars, so every listed message is complete.
			await writeAtomically(path.join(current.directory, `${id}.eml`), info.message as Buffer)
			const sidecar = { id, to: message.to, subject: message.subject, text: message.text, html: message.html, sentAt }
			await writeAtomically(path.join(current.directory, `${id}.json`), JSON.stringify(sidecar, null, '\t'))
		}
	} catch (error) {
		const reason = withoutAddresses(error instanceof Error ? error.message : String(error))
		log.warn('mail failed', { id, transport: current.kind, category: message.category, reason })
		throw new Error(`mail could not be sent: ${reason}`)
	}
	log.info('mail sent', { id, transport: current.kind, category: message.category })
	return { id, transport: current.kind }
}

async function readSidecar(id: string): Promise<OutboxMessage | null> {
	try {
		const data = JSON.parse(await fs.readFile(path.join(outboxDirectory(), `${id}.json`), 'utf8')) as OutboxMessage
		return { id, to: data.to, subject: data.subject, sentAt: data.sentAt, text: data.text, ...(data.html === undefined ? {} : { html: data.html }) }
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
		throw error
	}
}

/** Newest first, without bodies. */
export async function listOutbox(): Promise<OutboxEntry[]> {
	let names: string[]
	try {
		names = await fs.readdir(outboxDirectory())
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
		throw error
	}
	const ids = names
		.filter((name) => name.endsWith('.json'))
		.map((name) => name.slice(0, -'.json'.length))
		.filter((id) => OUTBOX_ID.test(id))
		.sort()
		.reverse()
	const entries = await Promise.all(ids.map((id) => readSidecar(id)))
	return entries.filter((entry) => entry !== null).map(({ id, to, subject, sentAt }) => ({ id, to, subject, sentAt }))
}

export async function readOutboxMessage(id: string): Promise<OutboxMessage | null> {
	if (!OUTBOX_ID.test(id)) return null
	return readSidecar(id)
}
