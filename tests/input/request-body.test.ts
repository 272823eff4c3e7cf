import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import type { Database } from '#app/db/database.server.ts'
import * as consent from '#app/routes/consent.tsx'
import * as login from '#app/routes/login._index.tsx'
import * as uploadRoute from '#app/routes/orders.$orderId_.images.$imageId.tsx'
import * as webhook from '#app/routes/webhooks.stripe.tsx'
import { MAX_UPLOADS_IN_FLIGHT, UPLOAD_MAX_BYTES } from '#app/uploads/upload-request.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { FORM_MAX_BYTES, readForm } from '#app/utils/request-body.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, signIn } from '#tests/support/auth.ts'
import { callRoute, routeArgs, TEST_ORIGIN } from '#tests/support/route.ts'

// Bodies are refused by size before they are held: these bodies are generated lazily and
// count what was pulled from them, so a reader that buffers everything fails the test.

const MEGABYTE = 1024 * 1024
const CHUNK = 64 * 1024

/** A body of `total` bytes made on demand; `pulled()` says how much of it was read. */
function lazyBody(total: number, prefix = '') {
	let sent = 0
	const head = new TextEncoder().encode(prefix)
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (sent >= total) return controller.close()
			const chunk = sent === 0 && head.length ? head : new Uint8Array(Math.min(CHUNK, total - sent)).fill(0x61)
			sent += chunk.length
			controller.enqueue(chunk)
		},
	})
	return { stream, pulled: () => sent }
}

function streamedPost(url: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) {
	return new Request(`${TEST_ORIGIN}${url}`, { method: 'POST', body, headers: { origin: TEST_ORIGIN, ...headers }, duplex: 'half' } as RequestInit)
}

describe('form bodies are bounded', () => {
	test('an anonymous 200 MB sign-in post is refused with 413 after reading at most the 64 KB limit', async () => {
		const body = lazyBody(200 * MEGABYTE, 'email=a%40b.test&x=')
		const refused = await login.action(routeArgs(streamedPost('/login', body.stream, { 'content-type': 'application/x-www-form-urlencoded' })) as never).catch((thrown: unknown) => thrown)
		expect(refused).toBeInstanceOf(Response)
		const response = refused as Response
		expect(response.status).toBe(413)
		expect(await response.text()).toBe('The request body is larger than the 64 KB this address accepts.')
		expect(response.headers.get('Connection')).toBe('close')
		expect(body.pulled()).toBeLessThanOrEqual(FORM_MAX_BYTES + 2 * CHUNK)
	})

	// The consent action checks its rate limit (a database row) before it reads the body.
	test('a declared Content-Length over the limit is refused before the body is read', async ({ db: _db }) => {
		const body = lazyBody(50 * MEGABYTE)
		const request = streamedPost('/consent', body.stream, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(50 * MEGABYTE) })
		const refused = await consent.action(routeArgs(request) as never).catch((thrown: unknown) => thrown)
		expect((refused as Response).status).toBe(413)
		// A ReadableStream pulls its first chunk when it is made; nothing after that.
		expect(body.pulled()).toBeLessThanOrEqual(CHUNK)
	})

	test('multipart form posts have the same limit', async () => {
		const boundary = 'x-boundary'
		const body = lazyBody(5 * MEGABYTE, `--${boundary}\r\nContent-Disposition: form-data; name="intent"\r\n\r\n`)
		const refused = await readForm(streamedPost('/account', body.stream, { 'content-type': `multipart/form-data; boundary=${boundary}` })).catch((thrown: unknown) => thrown)
		expect((refused as Response).status).toBe(413)
		expect(body.pulled()).toBeLessThanOrEqual(FORM_MAX_BYTES + 2 * CHUNK)
	})

	test('the Stripe webhook takes at most 256 KB and says so as a problem document', async () => {
		process.env.STRIPE_SECRET_KEY = 'sk_test_input_limits'
		process.env.STRIPE_WEBHOOK_SECRET = 'whsec_input_limits'
		resetEnvCache()
		try {
			const body = lazyBody(10 * MEGABYTE, '{"id":"evt_1","x":"')
			const request = streamedPost('/webhooks/stripe', body.stream, { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' })
			const refused = await webhook.action(routeArgs(request) as never).catch((thrown: unknown) => thrown)
			const response = refused as Response
			expect(response.status).toBe(413)
			expect(response.headers.get('content-type')).toBe('application/problem+json')
			expect(await response.json()).toMatchObject({ status: 413, title: 'Request too large', detail: 'The request body is larger than the 256 KB this address accepts.' })
			expect(body.pulled()).toBeLessThanOrEqual(256 * 1024 + 2 * CHUNK)
		} finally {
			delete process.env.STRIPE_SECRET_KEY
			delete process.env.STRIPE_WEBHOOK_SECRET
			resetEnvCache()
		}
	})

	test('a body just within the limit is read and acted on as before', async ({ db }) => {
		const fields = new URLSearchParams({ intent: 'reject_all', redirectTo: '/orders', filler: 'a'.repeat(FORM_MAX_BYTES - 200) })
		const form = await readForm(new Request(`${TEST_ORIGIN}/consent`, { method: 'POST', body: fields }))
		expect(String(form.get('filler'))).toHaveLength(FORM_MAX_BYTES - 200)
		const outcome = await callRoute(consent.action as never, routeArgs(new Request(`${TEST_ORIGIN}/consent`, { method: 'POST', body: fields, headers: { origin: TEST_ORIGIN } })))
		expect(outcome).toMatchObject({ status: 302, location: '/orders' })
		expect(await db.prisma.consentEvent.count()).toBeGreaterThan(0)
	})
})

// ---------------------------------------------------------------------------------------------
// Uploads

const BOUNDARY = 'lorica-test-boundary'

function uploadHead(name: string) {
	return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="intent"\r\n\r\nupload\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`
}
const uploadTail = `\r\n--${BOUNDARY}--\r\n`

/** An upload whose body the test feeds by hand: `send` more bytes, then `finish` or `fail`. */
function manualUpload(orderId: string, cookie: string, name: string) {
	let controller!: ReadableStreamDefaultController<Uint8Array>
	const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
	const request = new Request(`${TEST_ORIGIN}/orders/${orderId}/images/upload`, {
		method: 'POST',
		body: stream,
		duplex: 'half',
		headers: { origin: TEST_ORIGIN, cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
	} as RequestInit)
	controller.enqueue(new TextEncoder().encode(uploadHead(name)))
	const answer = upload(request, orderId)
	return {
		answer,
		send: (bytes: Uint8Array) => controller.enqueue(bytes),
		finish() {
			controller.enqueue(new TextEncoder().encode(uploadTail))
			controller.close()
			return answer
		},
		fail() {
			controller.error(new Error('client went away'))
			return answer
		},
	}
}

async function upload(request: Request, orderId: string) {
	const response = (await uploadRoute.action(routeArgs(request, { orderId, imageId: 'upload' }) as never)) as Response
	return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function temporaryFiles() {
	const directory = path.join(process.env.DATA_DIR!, 'tmp')
	return fs.existsSync(directory) ? fs.readdirSync(directory).map((name) => path.join(directory, name)) : []
}

async function until(condition: () => boolean, what: string) {
	for (let waited = 0; !condition(); waited += 10) {
		if (waited > 10_000) throw new Error(`timed out waiting for ${what}`)
		await new Promise((resolve) => setTimeout(resolve, 10))
	}
}

async function draftAtImages(db: Database) {
	const customer = await createUser(db, 'customer')
	const { cookie } = await signIn(db, customer)
	const order = await db.prisma.order.create({
		data: { customerId: customer.id, baseModel: 'sdxl', conceptType: 'style', conceptDescription: 'Upload limits', triggerWords: ['lim'], wizardStep: 2 },
		select: { id: true },
	})
	return { cookie, orderId: order.id }
}

describe('uploads stream to disk and are bounded', () => {
	test(`the file is written to a temporary file as it arrives; the ${MAX_UPLOADS_IN_FLIGHT + 1}th upload at once gets 429; every temporary file is removed`, async ({ db }) => {
		const { cookie, orderId } = await draftAtImages(db)
		const image = await sharp({ create: { width: 640, height: 640, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer()
		const uploads = Array.from({ length: MAX_UPLOADS_IN_FLIGHT }, (_, index) => manualUpload(orderId, cookie, `part-${index}.png`))
		uploads.forEach((pending) => pending.send(image.subarray(0, 1000)))
		await until(() => temporaryFiles().length === MAX_UPLOADS_IN_FLIGHT && temporaryFiles().every((file) => fs.statSync(file).size === 1000), 'three partial files')

		const fourth = manualUpload(orderId, cookie, 'fourth.png')
		const refused = await fourth.answer
		expect(refused.status).toBe(429)
		expect(refused.body).toMatchObject({ title: 'Too many uploads at once', detail: `Upload at most ${MAX_UPLOADS_IN_FLIGHT} images at the same time; wait for one to finish and try again.` })

		uploads[0]!.send(image.subarray(1000))
		expect((await uploads[0]!.finish()).status).toBe(201)
		expect((await uploads[1]!.finish()).body).toMatchObject({ status: 422, title: 'Image rejected', file: 'part-1.png' })
		expect((await uploads[2]!.fail()).status).toBe(400)
		expect(temporaryFiles()).toEqual([])
		expect(await db.prisma.sourceImage.count({ where: { orderId } })).toBe(1)

		// The slots are free again.
		const again = manualUpload(orderId, cookie, 'again.png')
		again.send(image)
		expect((await again.finish()).body).toMatchObject({ status: 422, code: 'duplicate' })
		expect(temporaryFiles()).toEqual([])
	})

	test('an upload over the per-image limit stops there: 413 on the declared length, 422 naming the file when streamed', async ({ db }) => {
		const { cookie, orderId } = await draftAtImages(db)
		const declared = lazyBody(200 * MEGABYTE, uploadHead('big.png'))
		const headers = { origin: TEST_ORIGIN, cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }
		const early = await upload(streamedPost(`/orders/${orderId}/images/upload`, declared.stream, { ...headers, 'content-length': String(200 * MEGABYTE) }), orderId)
		expect(early).toEqual({ status: 413, body: expect.objectContaining({ title: 'Upload too large', code: 'too_large', detail: 'Each image may be at most 20 MB; this upload is larger.' }) })
		expect(declared.pulled()).toBeLessThanOrEqual(CHUNK)

		const streamed = lazyBody(200 * MEGABYTE, uploadHead('big.png'))
		const late = await upload(streamedPost(`/orders/${orderId}/images/upload`, streamed.stream, headers), orderId)
		expect(late).toEqual({ status: 422, body: expect.objectContaining({ code: 'too_large', file: 'big.png' }) })
		expect(streamed.pulled()).toBeLessThanOrEqual(UPLOAD_MAX_BYTES + 2 * CHUNK)
		expect(temporaryFiles()).toEqual([])
	})
})
