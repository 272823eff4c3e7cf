import { problem } from './problem.server.ts'

// Every request body is read here, never with request.formData()/text()/json(): those
// buffer whatever arrives (a 200 MB anonymous sign-in post took the process to 3.3 GB) and
// throw a TypeError, a 500, on a body of the wrong type. Each reader has a byte limit that
// fits its route, refuses early on a Content-Length over it, counts bytes as the stream is
// read and stops past it; a refusal is a Response the route throws: 413, 415 or 400.

const KILOBYTE = 1024

/** What a form post may weigh: the largest form here is a few hundred characters. */
export const FORM_MAX_BYTES = 64 * KILOBYTE

export type BodyFormat = 'text' | 'problem'
type ReadOptions = { maxBytes?: number; format?: BodyFormat }

/** Why a body was refused; `respond` turns it into the route's kind of answer. */
export class RequestBodyError extends Error {
	constructor(
		readonly status: 400 | 413 | 415,
		readonly title: string,
		message: string,
	) {
		super(message)
		this.name = new.target.name
	}

	/** Problem documents for APIs and webhooks; plain text, shown by the error page, for forms. */
	respond(format: BodyFormat = 'text') {
		// The rest of a refused body is not read: closing the connection keeps Node from draining it.
		const headers = { Connection: 'close' }
		if (format === 'problem') {
			const response = problem(this.status, this.title, this.message)
			for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
			return response
		}
		return new Response(this.message, { status: this.status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } })
	}
}

function describeLimit(maxBytes: number) {
	return maxBytes >= 1024 * KILOBYTE ? `${Math.round((maxBytes / (1024 * KILOBYTE)) * 10) / 10} MB` : `${Math.round(maxBytes / KILOBYTE)} KB`
}

export function tooLarge(maxBytes: number) {
	return new RequestBodyError(413, 'Request too large', `The request body is larger than the ${describeLimit(maxBytes)} this address accepts.`)
}

/** Refuses a declared length over the limit before a byte of the body is read. */
export function assertDeclaredLength(request: Request, maxBytes: number) {
	const declared = request.headers.get('Content-Length')
	if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw tooLarge(maxBytes)
}

/**
 * The body as a stream that errors with a 413 RequestBodyError once more than `maxBytes`
 * have passed, whatever the headers said; `onChunk` sees each chunk as it goes by.
 */
export function limitedBody(request: Request, maxBytes: number, onChunk?: (chunk: Uint8Array) => void) {
	assertDeclaredLength(request, maxBytes)
	let seen = 0
	return request.body?.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				seen += chunk.byteLength
				if (seen > maxBytes) return controller.error(tooLarge(maxBytes))
				onChunk?.(chunk)
				controller.enqueue(chunk)
			},
		}),
	)
}

async function readBytes(request: Request, maxBytes: number) {
	const body = limitedBody(request, maxBytes)
	if (!body) return Buffer.alloc(0)
	const chunks: Uint8Array[] = []
	const reader = body.getReader()
	try {
		for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value)
	} catch (error) {
		if (error instanceof RequestBodyError) throw error
		throw new RequestBodyError(400, 'Request not readable', 'The request body could not be read completely.')
	}
	return Buffer.concat(chunks)
}

function mediaType(request: Request) {
	return (request.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
}

function unsupported(expected: string) {
	return new RequestBodyError(415, 'Unsupported content type', `This address takes ${expected}; the request was sent as something else.`)
}

/** PostgreSQL cannot store a NUL character, and no browser form sends one. */
function assertNoNul(form: FormData) {
	for (const [name, value] of form) {
		if (name.includes('\0') || (typeof value === 'string' && value.includes('\0')))
			throw new RequestBodyError(400, 'Invalid characters', `The form field "${name.replace(/[\p{Cc}]/gu, '').slice(0, 40)}" contains a NUL character, which no form sends.`)
	}
	return form
}

async function parseForm(request: Request, maxBytes: number) {
	const type = mediaType(request)
	if (type === 'application/x-www-form-urlencoded') {
		const bytes = await readBytes(request, maxBytes)
		const form = new FormData()
		for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) form.append(name, value)
		return assertNoNul(form)
	}
	if (type === 'multipart/form-data') {
		const bytes = await readBytes(request, maxBytes)
		try {
			// Bounded by now: the platform's parser may hold it.
			return assertNoNul(await new Response(bytes, { headers: { 'Content-Type': request.headers.get('Content-Type')! } }).formData())
		} catch (error) {
			if (error instanceof RequestBodyError) throw error
			throw new RequestBodyError(400, 'Form not readable', 'The form could not be read: the multipart body is broken or incomplete.')
		}
	}
	throw unsupported('a form (application/x-www-form-urlencoded or multipart/form-data)')
}

/**
 * The posted form, read within `maxBytes` (FORM_MAX_BYTES for every page form). Throws
 * the refusal as a Response: text for pages (their error boundary shows it), problem JSON
 * with `format: 'problem'`.
 */
export async function readForm(request: Request, { maxBytes = FORM_MAX_BYTES, format = 'text' }: ReadOptions = {}) {
	try {
		return await parseForm(request, maxBytes)
	} catch (error) {
		if (error instanceof RequestBodyError) throw error.respond(format)
		throw error
	}
}

/** The raw body as UTF-8 text (webhooks verify signatures on it), within `maxBytes`. */
export async function readText(request: Request, { maxBytes = FORM_MAX_BYTES, format = 'problem' }: ReadOptions = {}) {
	try {
		return new TextDecoder().decode(await readBytes(request, maxBytes))
	} catch (error) {
		if (error instanceof RequestBodyError) throw error.respond(format)
		throw error
	}
}
