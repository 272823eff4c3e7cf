import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from '@remix-run/node'
import { addImage } from '#app/orders/wizard.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { problem } from '#app/utils/problem.server.ts'
import { checkUploadName, IMAGE_LIMITS, type ImageRejection } from './image-check.server.ts'

// Reference-image uploads: one file per multipart request, answered with JSON (201, or a
// problem document naming the file and the reason) for the wizard's uploader.

const MEGABYTE = 1024 * 1024
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

/** The one uploaded file, or the problem response that refuses the request. */
async function receiveUpload(request: Request): Promise<{ name: string; data: Buffer } | Response> {
	const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers.get('Content-Type') ?? '')
	const head: Buffer[] = []
	let seen = 0
	const body = request.body?.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				if (seen < UPLOAD_HEAD_BYTES) head.push(Buffer.from(chunk.subarray(0, UPLOAD_HEAD_BYTES - seen)))
				seen += chunk.byteLength
				controller.enqueue(chunk)
			},
		}),
	)
	const sentName = () => (boundary ? clientFileName(Buffer.concat(head), boundary[1] ?? boundary[2]!) : null)
	const memory = unstable_createMemoryUploadHandler({ maxPartSize: IMAGE_LIMITS.maxFileBytes + 1 })
	let parts = 0
	let lastFileName: string | undefined
	let form: FormData
	try {
		const observed = new Request(request.url, { method: 'POST', headers: request.headers, body, duplex: 'half' } as RequestInit)
		form = await unstable_parseMultipartFormData(observed, (part) => {
			if (++parts > MAX_UPLOAD_PARTS) throw new Error('too many form parts')
			if (part.name === 'file') lastFileName = part.filename
			return memory(part)
		})
	} catch (error) {
		const name = sentName() ?? lastFileName ?? null
		if (error instanceof MaxPartSizeExceededError && error.field === 'file') {
			const limit = `${IMAGE_LIMITS.maxFileBytes / MEGABYTE} MB`
			return rejected(name ?? '', checkUploadName(name ?? '') ?? { code: 'too_large', message: `${shown(name ?? '')} is larger than ${limit}; each image may be at most ${limit}` })
		}
		// The parser cannot read a quoted file name with ";" or "=" in it: say so, not "unreadable".
		if (name && /[;=]/.test(name))
			return rejected(name, checkUploadName(name) ?? { code: 'name', message: `${shown(name)} cannot be uploaded because of the ";" or "=" in its name: rename the file and try again` })
		return problem(400, 'Upload not readable', 'The upload could not be read as a form with one image. Choose the file again and retry.')
	}
	const files = form.getAll('file')
	const file = files[0]
	if (files.length !== 1 || !(file instanceof File)) return problem(400, 'No image', 'Send exactly one image, in the form field "file".')
	const sent = sentName()
	const name = sent !== null && sent.split(/[/\\]/).pop() === file.name ? sent : file.name
	return { name, data: Buffer.from(await file.arrayBuffer()) }
}

export async function handleImageUpload(request: Request, order: { id: string; status: string; wizardStep: number }, customerId: string) {
	if (order.status !== 'draft') return problem(409, 'Order not editable', 'This order is no longer a draft: its images cannot be changed.')
	if (order.wizardStep < STEP) return problem(409, 'Step 1 not done', 'Choose the model and describe the concept before uploading images.')
	const received = await receiveUpload(request)
	if (received instanceof Response) return received
	try {
		const result = await addImage(order.id, customerId, received)
		if (!result.ok) return rejected(received.name, result.rejection)
		return Response.json({ ok: true, image: result.image }, { status: 201 })
	} catch (error) {
		if (error instanceof UserFacingError) return problem(error.status, 'Upload refused', error.message, { file: received.name })
		throw error
	}
}
