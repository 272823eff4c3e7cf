import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { unstable_parseMultipartFormData, type UploadHandlerPart } from '@remix-run/node'
import { addImage } from '#app/orders/wizard.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { problem } from '#app/utils/problem.server.ts'
import { limitedBody, RequestBodyError } from '#app/utils/request-body.server.ts'
import { checkUploadName, IMAGE_LIMITS, type ImageRejection } from './image-check.server.ts'

// Reference-image uploads: one file per multipart request, answered with JSON (201, or a
// problem document naming the file and the reason) for the wizard's uploader. The file is
// streamed to a temporary file in the data directory as it arrives, never collected in
// memory, and that file is removed whatever happens; a customer has at most
// MAX_UPLOADS_IN_FLIGHT uploads running at once.

const MEGABYTE = 1024 * 1024
/** One image and the few small fields around it, with their multipart framing. */
export const UPLOAD_MAX_BYTES = IMAGE_LIMITS.maxFileBytes + 64 * 1024
/** The uploader sends three at a time; more from one account is not the page. */
export const MAX_UPLOADS_IN_FLIGHT = 3
/** The text fields next to the file (`intent`) are a word each. */
const MAX_FIELD_BYTES = 1024
/** The wizard step uploads belong to: step 1 (model and concept) must be done. */
const STEP = 2

export function isMultipart(request: Request) {
	return /^multipart\/form-data\s*(;|$)/i.test(request.headers.get('Content-Type') ?? '')
}

/** The start of the body is kept to read the file name as sent (see clientFileName). */
const UPLOAD_HEAD_BYTES = 64 * 1024
/** The uploader sends `intent` and `file`; anything much bigger is not it. */
const MAX_UPLOAD_PARTS = 4

function rejected(file: string, rejection: ImageRejection | { code: string; message: string }) {
	return problem(422, 'Image rejected', rejection.message, { code: rejection.code, file })
}

/** The name for a message; checkUploadName has already refused invisible characters. */
function shown(name: string) {
	const characters = Array.from(name)
	return `"${characters.length > 60 ? `${characters.slice(0, 60).join('')}…` : name}"`
}

/**
 * The file name exactly as the client sent it. Remix's multipart parser keeps only what
 * follows the last "/" or "\", so "../../x.jpg" would reach the checks as "x.jpg"; they
 * must see the real name to refuse it.
 */
function clientFileName(head: Buffer, boundary: string) {
	const delimiter = `--${boundary}\r\n`
	for (let at = head.indexOf(delimiter); at !== -1; at = head.indexOf(delimiter, at + delimiter.length)) {
		const start = at + delimiter.length
		const end = head.indexOf('\r\n\r\n', start)
		if (end === -1) return null
		const disposition = head
			.subarray(start, end)
			.toString('utf8')
			.split('\r\n')
			.find((line) => /^content-disposition:/i.test(line))
		if (!disposition || !/;\s*name="?file"?\s*(;|$)/i.test(disposition)) continue
		const match = /;\s*filename="((?:[^"\\]|\\.)*)"/i.exec(disposition) ?? /;\s*filename=([^";\s][^;]*)/i.exec(disposition)
		return match ? match[1]!.replace(/\\"/g, '"') : null
	}
	return null
}

class UploadRefused extends Error {
	constructor(readonly response: Response) {
		super('upload refused')
	}
}

/** The file part passed the per-image limit: refused with the file's name, like any bad image. */
class FileTooLarge extends Error {}

/** The body passed the route's limit before a file name was seen. */
const bodyTooLarge = () =>
	problem(413, 'Upload too large', `Each image may be at most ${IMAGE_LIMITS.maxFileBytes / MEGABYTE} MB; this upload is larger.`, { code: 'too_large' })

// Per process on purpose: what it protects is this process's memory, disk and CPU.
const inFlight = new Map<string, number>()

function takeUploadSlot(customerId: string) {
	const running = inFlight.get(customerId) ?? 0
	if (running >= MAX_UPLOADS_IN_FLIGHT) return null
	inFlight.set(customerId, running + 1)
	return () => {
		const left = (inFlight.get(customerId) ?? 1) - 1
		if (left > 0) inFlight.set(customerId, left)
		else inFlight.delete(customerId)
	}
}

function temporaryUploadPath() {
	return path.resolve(getEnv().DATA_DIR, 'tmp', `upload-${randomBytes(12).toString('hex')}`)
}

/** Writes the file part to `target`, stopping past the per-image limit. */
async function saveFilePart(part: UploadHandlerPart, target: string) {
	let bytes = 0
	const counter = new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			bytes += chunk.byteLength
			callback(bytes > IMAGE_LIMITS.maxFileBytes ? new FileTooLarge() : null, chunk)
		},
	})
	await fs.mkdir(path.dirname(target), { recursive: true })
	await pipeline(Readable.from(part.data), counter, createWriteStream(target, { flags: 'wx' }))
}

async function readField(part: UploadHandlerPart) {
	const chunks: Uint8Array[] = []
	let bytes = 0
	for await (const chunk of part.data) {
		bytes += chunk.byteLength
		if (bytes > MAX_FIELD_BYTES) throw new Error('form field too large')
		chunks.push(chunk)
	}
	return new TextDecoder().decode(Buffer.concat(chunks))
}

/** The one uploaded file, saved at `target`, or the problem response that refuses the request. */
async function receiveUpload(request: Request, target: string): Promise<{ name: string } | Response> {
	const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers.get('Content-Type') ?? '')
	const head: Buffer[] = []
	let seen = 0
	let body: ReadableStream<Uint8Array> | undefined
	try {
		body = limitedBody(request, UPLOAD_MAX_BYTES, (chunk) => {
			if (seen < UPLOAD_HEAD_BYTES) head.push(Buffer.from(chunk.subarray(0, UPLOAD_HEAD_BYTES - seen)))
			seen += chunk.byteLength
		})
	} catch (error) {
		if (error instanceof RequestBodyError) return bodyTooLarge()
		throw error
	}
	const sentName = () => (boundary ? clientFileName(Buffer.concat(head), boundary[1] ?? boundary[2]!) : null)
	let parts = 0
	let files = 0
	let lastFileName: string | undefined
	try {
		const observed = new Request(request.url, { method: 'POST', headers: request.headers, body, duplex: 'half' } as RequestInit)
		await unstable_parseMultipartFormData(observed, async (part) => {
			if (++parts > MAX_UPLOAD_PARTS) throw new Error('too many form parts')
			if (part.name !== 'file' || part.filename === undefined) return readField(part)
			if (++files > 1) throw new UploadRefused(problem(400, 'One image per upload', 'Send exactly one image, in the form field "file".'))
			lastFileName = part.filename
			await saveFilePart(part, target)
			return null
		})
	} catch (error) {
		const name = sentName() ?? lastFileName ?? null
		if (error instanceof FileTooLarge || (error instanceof RequestBodyError && error.status === 413)) {
			if (name === null) return bodyTooLarge()
			const limit = `${IMAGE_LIMITS.maxFileBytes / MEGABYTE} MB`
			return rejected(name, checkUploadName(name) ?? { code: 'too_large', message: `${shown(name)} is larger than ${limit}; each image may be at most ${limit}` })
		}
		if (error instanceof UploadRefused) return error.response
		// The parser cannot read a quoted file name with ";" or "=" in it: say so, not "unreadable".
		if (name && /[;=]/.test(name))
			return rejected(name, checkUploadName(name) ?? { code: 'name', message: `${shown(name)} cannot be uploaded because of the ";" or "=" in its name: rename the file and try again` })
		return problem(400, 'Upload not readable', 'The upload could not be read as a form with one image. Choose the file again and retry.')
	}
	if (files !== 1 || lastFileName === undefined) return problem(400, 'No image', 'Send exactly one image, in the form field "file".')
	const sent = sentName()
	return { name: sent !== null && sent.split(/[/\\]/).pop() === lastFileName ? sent : lastFileName }
}

export async function handleImageUpload(request: Request, order: { id: string; status: string; wizardStep: number }, customerId: string) {
	if (order.status !== 'draft') return problem(409, 'Order not editable', 'This order is no longer a draft: its images cannot be changed.')
	if (order.wizardStep < STEP) return problem(409, 'Step 1 not done', 'Choose the model and describe the concept before uploading images.')
	const release = takeUploadSlot(customerId)
	if (!release) {
		const refusal = problem(429, 'Too many uploads at once', `Upload at most ${MAX_UPLOADS_IN_FLIGHT} images at the same time; wait for one to finish and try again.`)
		refusal.headers.set('Retry-After', '5')
		return refusal
	}
	const target = temporaryUploadPath()
	try {
		const received = await receiveUpload(request, target)
		if (received instanceof Response) return received
		// The checks decode the whole image anyway; by now it is one bounded file, read once.
		const upload = { name: received.name, data: await fs.readFile(target) }
		try {
			const result = await addImage(order.id, customerId, upload)
			if (!result.ok) return rejected(upload.name, result.rejection)
			return Response.json({ ok: true, image: result.image }, { status: 201 })
		} catch (error) {
			if (error instanceof UserFacingError) return problem(error.status, 'Upload refused', error.message, { file: upload.name })
			throw error
		}
	} finally {
		release()
		await fs.rm(target, { force: true })
	}
}
