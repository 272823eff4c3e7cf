import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach } from 'vitest'
import type { Database } from '#app/db/database.server.ts'
import { DEFAULT_SETTINGS, quoteCoins } from '#app/orders/catalog.ts'
import * as logout from '#app/routes/logout.tsx'
import * as attestations from '#app/routes/orders.$orderId_.attestations.tsx'
import * as edit from '#app/routes/orders.$orderId_.edit.tsx'
import * as thumbnail from '#app/routes/orders.$orderId_.images.$imageId.tsx'
import * as images from '#app/routes/orders.$orderId_.images.tsx'
import * as settings from '#app/routes/orders.$orderId_.settings.tsx'
import * as newOrder from '#app/routes/orders.new.tsx'
import { IMAGE_LIMITS } from '#app/uploads/image-check.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, get, post, signIn, type TestUser } from '#tests/support/auth.ts'
import { callRoute, routeArgs, TEST_ORIGIN } from '#tests/support/route.ts'

// The order wizard through its routes, with a real database and real image files: a draft
// is created, images are uploaded (and refused), settings and attestations saved, and the
// order resumed in a new session. Each test gets its own file store.

let dataDir: string
const originalDataDir = process.env.DATA_DIR

beforeEach(() => {
	dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-wizard-'))
	process.env.DATA_DIR = dataDir
	resetEnvCache()
})
afterEach(() => {
	process.env.DATA_DIR = originalDataDir
	resetEnvCache()
	fs.rmSync(dataDir, { recursive: true, force: true })
})

const DETAILS = { baseModel: 'sdxl', conceptType: 'character', conceptDescription: 'A red fox mascot in a green scarf', triggerWords: 'foxy, fox_mascot' }

/** A 640×640 image of one colour per seed, so every seed is a different file. */
function solidImage(seed: number, format: 'png' | 'jpeg' = 'png', width = 640, height = 640) {
	const background = { r: (seed * 53) % 256, g: (seed * 97 + 40) % 256, b: (seed * 151 + 80) % 256 }
	const image = sharp({ create: { width, height, channels: 3, background } })
	return (format === 'png' ? image.png() : image.jpeg({ quality: 90 })).toBuffer()
}

// Noise does not compress, so a cut-off JPEG really misses image data.
function noiseJpeg() {
	return sharp(randomBytes(640 * 640 * 3), { raw: { width: 640, height: 640, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
}

function uploadRequest(orderId: string, name: string, data: Buffer, cookie: string, urlPath = `/orders/${orderId}/images`) {
	const body = new FormData()
	body.append('intent', 'upload')
	body.append('file', new File([new Uint8Array(data)], name, { type: name.endsWith('.png') ? 'image/png' : 'image/jpeg' }))
	return new Request(`${TEST_ORIGIN}${urlPath}`, { method: 'POST', body, headers: { origin: TEST_ORIGIN, cookie } })
}

type UploadAnswer = { status: number; contentType: string | null; body: Record<string, unknown> }

async function answerOf(run: () => Promise<unknown>): Promise<UploadAnswer> {
	let response: unknown
	try {
		response = await run()
	} catch (thrown) {
		response = thrown
	}
	if (!(response instanceof Response)) throw new Error(`expected a Response, got ${JSON.stringify(response)}`)
	const contentType = response.headers.get('Content-Type')
	const body = contentType?.includes('json') ? ((await response.json()) as Record<string, unknown>) : { text: await response.text() }
	return { status: response.status, contentType, body }
}

/** An upload as the uploader sends it: one file per multipart POST to the images page's action. */
function upload(orderId: string, name: string, data: Buffer, cookie: string) {
	return answerOf(() => images.action(routeArgs(uploadRequest(orderId, name, data, cookie), { orderId })))
}

/** The same through the URL browsers post to (POST /orders/:orderId/images/upload). */
function uploadViaResourceRoute(orderId: string, name: string, data: Buffer, cookie: string) {
	const request = uploadRequest(orderId, name, data, cookie, `/orders/${orderId}/images/upload`)
	return answerOf(() => thumbnail.action(routeArgs(request, { orderId, imageId: 'upload' })))
}

async function expectRejected(answer: UploadAnswer, file: string, code: string) {
	expect(answer.status, JSON.stringify(answer.body)).toBe(422)
	expect(answer.contentType).toBe('application/problem+json')
	expect(answer.body).toMatchObject({ type: 'about:blank', title: 'Image rejected', status: 422, code, file })
	expect(answer.body.detail).toEqual(expect.stringContaining(`"${file}"`))
	return answer.body.detail as string
}

/** Every file in the store, as storage keys. */
function storedFiles() {
	const root = path.join(dataDir, 'files')
	if (!fs.existsSync(root)) return []
	return fs
		.readdirSync(root, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
		.sort()
}

async function expectFilesMatchRows(db: Database) {
	const rows = await db.prisma.sourceImage.findMany({ select: { storageKey: true } })
	expect(storedFiles()).toEqual(rows.map((row) => row.storageKey).sort())
}

async function createOrder(cookie: string, details: Record<string, string> = DETAILS) {
	const created = await callRoute(newOrder.action, routeArgs(post('/orders/new', details, cookie)))
	expect(created.status, JSON.stringify(created.data)).toBe(302)
	const match = /^\/orders\/([^/]+)\/images$/.exec(created.location ?? '')
	expect(match, created.location ?? '').not.toBeNull()
	return match![1]!
}

/** A signed-in customer with a draft holding `count` uploaded images. */
async function draftWithImages(db: Database, count: number, customer?: TestUser) {
	const user = customer ?? (await createUser(db, 'customer'))
	const { cookie } = await signIn(db, user)
	const orderId = await createOrder(cookie)
	for (let seed = 1; seed <= count; seed++) {
		const answer = await upload(orderId, `reference-${seed}.png`, await solidImage(seed), cookie)
		expect(answer.status, JSON.stringify(answer.body)).toBe(201)
	}
	return { user, cookie, orderId }
}

function page(loader: (args: ReturnType<typeof routeArgs>) => unknown, urlPath: string, cookie: string, params: Record<string, string>) {
	return callRoute(loader, routeArgs(get(urlPath, cookie), params))
}

const VALID_SETTINGS = { steps: '2000', resolution: '1024', rank: '16', alpha: '8', unetLr: '0.0004', textEncoderLr: '0.00005', epochs: '12', captions: 'own' }

async function orderRow(db: Database, orderId: string) {
	return db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { wizardStep: true, settings: true, priceCoins: true, attestedAt: true, baseModel: true } })
}

describe('order wizard', () => {
	test('step 1 refuses invalid details and creates nothing; valid details create a draft at step 2', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { cookie } = await signIn(db, customer)
		expect((await callRoute(newOrder.loader, routeArgs(get('/orders/new', cookie)))).status).toBe(200)

		const invalid = await callRoute(
			newOrder.action,
			routeArgs(post('/orders/new', { baseModel: 'midjourney', conceptType: 'character', conceptDescription: 'x', triggerWords: 'ok a' }, cookie)),
		)
		expect(invalid.status).toBe(400)
		const error = (invalid.data as { result: { error: Record<string, string[]> } }).result.error
		expect(error.baseModel).toEqual(['Choose a base model family'])
		expect(error.conceptDescription).toEqual(['Describe the concept in at least 3 characters'])
		expect(error['triggerWords[1]']).toEqual(['Trigger words are 2–32 letters, digits, - or _, with no spaces'])
		expect(await db.prisma.order.count()).toBe(0)
		// Conform re-checks fields on the server as they change: valid or not, that creates nothing.
		const validate = JSON.stringify({ type: 'validate', payload: { name: 'triggerWords' } })
		const checked = await callRoute(newOrder.action, routeArgs(post('/orders/new', { ...DETAILS, __intent__: validate }, cookie)))
		expect(checked.status).toBe(200)
		expect(await db.prisma.order.count()).toBe(0)

		const orderId = await createOrder(cookie)
		const order = await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { customerId: true, status: true, wizardStep: true, triggerWords: true, settings: true, provider: true } })
		expect(order).toEqual({ customerId: customer.id, status: 'draft', wizardStep: 2, triggerWords: ['foxy', 'fox_mascot'], settings: DEFAULT_SETTINGS.sdxl, provider: 'replicate' })

		const editPage = await page(edit.loader, `/orders/${orderId}/edit`, cookie, { orderId })
		expect(editPage.data).toMatchObject({ order: { id: orderId, wizardStep: 2, details: { ...DETAILS, triggerWords: 'foxy fox_mascot' } } })
	})

	test('uploads: good images are stored, bad ones refused with a reason and leave nothing behind', async ({ db }) => {
		const { cookie, orderId } = await draftWithImages(db, 0)
		const first = await solidImage(1)
		const accepted = await upload(orderId, 'fox-front.png', first, cookie)
		expect(accepted.status).toBe(201)
		expect(accepted.body).toMatchObject({ ok: true, image: { displayName: 'fox-front.png', width: 640, height: 640 } })
		for (const [index, format] of (['jpeg', 'png', 'jpeg'] as const).entries()) {
			const answer = await upload(orderId, `fox-${index}.${format === 'png' ? 'png' : 'jpg'}`, await solidImage(index + 2, format), cookie)
			expect(answer.status, JSON.stringify(answer.body)).toBe(201)
		}

		const pdf = await expectRejected(await upload(orderId, 'x.jpg', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'), cookie), 'x.jpg', 'type')
		expect(pdf).toContain('PDF')
		const jpeg = await noiseJpeg()
		await expectRejected(await upload(orderId, 'cut-off.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), cookie), 'cut-off.jpg', 'truncated')
		const small = await expectRejected(await upload(orderId, 'small.png', await solidImage(20, 'png', 300, 200), cookie), 'small.png', 'too_small')
		expect(small).toContain('300 × 200')
		const duplicate = await expectRejected(await upload(orderId, 'again.png', first, cookie), 'again.png', 'duplicate')
		expect(duplicate).toContain('"fox-front.png"')
		// Remix's parser would shorten this to "passwd.png"; the check must see what was sent.
		await expectRejected(await upload(orderId, '../../etc/passwd.png', await solidImage(21), cookie), '../../etc/passwd.png', 'name')
		await expectRejected(await upload(orderId, 'C:\\fakepath\\fox.png', await solidImage(22), cookie), 'C:\\fakepath\\fox.png', 'name')
		await expectRejected(await upload(orderId, 'fox;v2.png', await solidImage(23), cookie), 'fox;v2.png', 'name')
		const large = Buffer.concat([await solidImage(24), Buffer.alloc(IMAGE_LIMITS.maxFileBytes)])
		await expectRejected(await upload(orderId, 'huge.png', large, cookie), 'huge.png', 'too_large')

		const rows = await db.prisma.sourceImage.findMany({ where: { orderId }, select: { displayName: true } })
		expect(rows.map((row) => row.displayName).sort()).toEqual(['fox-0.jpg', 'fox-1.png', 'fox-2.jpg', 'fox-front.png'])
		await expectFilesMatchRows(db)
		expect(storedFiles()).toHaveLength(4)

		const imagesPage = await page(images.loader, `/orders/${orderId}/images`, cookie, { orderId })
		expect(imagesPage.data).toMatchObject({ order: { id: orderId, wizardStep: 2 }, uploadUrl: `/orders/${orderId}/images/upload` })
		expect((imagesPage.data as { images: unknown[] }).images).toHaveLength(4)

		// Not a form with one image: a plain refusal, never a server error.
		const empty = new FormData()
		empty.append('intent', 'upload')
		const noFile = await answerOf(() =>
			images.action(routeArgs(new Request(`${TEST_ORIGIN}/orders/${orderId}/images`, { method: 'POST', body: empty, headers: { origin: TEST_ORIGIN, cookie } }), { orderId })),
		)
		expect(noFile).toMatchObject({ status: 400, contentType: 'application/problem+json' })
		const garbage = await answerOf(() =>
			images.action(
				routeArgs(
					new Request(`${TEST_ORIGIN}/orders/${orderId}/images`, {
						method: 'POST',
						body: 'this is not multipart',
						headers: { origin: TEST_ORIGIN, cookie, 'content-type': 'multipart/form-data; boundary=xyz' },
					}),
					{ orderId },
				),
			),
		)
		expect(garbage).toMatchObject({ status: 400, contentType: 'application/problem+json' })
	})

	test('step 2 continues with five images, not four; captions, removal and thumbnails', async ({ db }) => {
		const { cookie, orderId } = await draftWithImages(db, 4)
		const refused = await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'continue' }, cookie), { orderId }))
		expect(refused.status).toBe(422)
		expect((refused.data as { result: { error: Record<string, string[]> } }).result.error['']).toEqual(['Upload at least 5 images (this order has 4).'])
		expect((await orderRow(db, orderId)).wizardStep).toBe(2)

		expect((await uploadViaResourceRoute(orderId, 'fifth.jpg', await solidImage(5, 'jpeg'), cookie)).status).toBe(201)
		const extra = await upload(orderId, 'sixth.png', await solidImage(6), cookie)
		const extraId = (extra.body.image as { id: string }).id
		const removed = await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'remove', imageId: extraId }, cookie), { orderId }))
		expect(removed.status).toBe(200)
		expect(await db.prisma.sourceImage.count({ where: { orderId } })).toBe(5)
		await expectFilesMatchRows(db)

		const [image] = await db.prisma.sourceImage.findMany({ where: { orderId }, select: { id: true }, orderBy: { uploadedAt: 'asc' }, take: 1 })
		const longCaption = await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'caption', imageId: image!.id, caption: 'x'.repeat(501) }, cookie), { orderId }))
		expect(longCaption.status).toBe(400)
		expect((longCaption.data as { result: { error: Record<string, string[]> } }).result.error.caption).toEqual(['Keep the caption under 500 characters'])
		const caption = await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'caption', imageId: image!.id, caption: ' The fox, facing left ' }, cookie), { orderId }))
		expect(caption).toMatchObject({ status: 200, data: { intent: 'caption', saved: true } })
		expect((await db.prisma.sourceImage.findUniqueOrThrow({ where: { id: image!.id }, select: { caption: true } })).caption).toBe('The fox, facing left')

		const continued = await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'continue' }, cookie), { orderId }))
		expect(continued.location).toBe(`/orders/${orderId}/settings`)
		expect((await orderRow(db, orderId)).wizardStep).toBe(3)

		const thumb = await answerOfBinary(() => thumbnail.loader(routeArgs(get(`/orders/${orderId}/images/${image!.id}`, cookie), { orderId, imageId: image!.id })))
		expect(thumb.status).toBe(200)
		expect(thumb.headers.get('Content-Type')).toBe('image/webp')
		expect(thumb.headers.get('Cache-Control')).toBe('private, max-age=300')
		const metadata = await sharp(thumb.body).metadata()
		expect(metadata).toMatchObject({ format: 'webp', width: 320, height: 320 })
	})

	test('settings and attestations: errors next to fields, then saved; the order resumes in a new session', async ({ db }) => {
		const { user, cookie, orderId } = await draftWithImages(db, 5)
		await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'continue' }, cookie), { orderId }))

		const settingsPage = await page(settings.loader, `/orders/${orderId}/settings`, cookie, { orderId })
		expect(settingsPage.data).toMatchObject({ order: { family: 'SDXL', baseModel: 'sdxl' }, settings: DEFAULT_SETTINGS.sdxl, defaults: DEFAULT_SETTINGS.sdxl })
		const invalid = await callRoute(
			settings.action,
			routeArgs(post(`/orders/${orderId}/settings`, { ...VALID_SETTINGS, steps: '50', resolution: '1000', alpha: '32', epochs: 'many' }, cookie), { orderId }),
		)
		expect(invalid.status).toBe(400)
		const error = (invalid.data as { result: { error: Record<string, string[]> } }).result.error
		expect(error.steps).toEqual(['Steps must be between 100 and 10,000'])
		expect(error.resolution).toEqual(['Resolution must be a multiple of 64'])
		expect(error.epochs).toEqual(['Epochs must be a number'])
		expect((await orderRow(db, orderId)).priceCoins).toBeNull()
		const alpha = await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, { ...VALID_SETTINGS, alpha: '32' }, cookie), { orderId }))
		expect((alpha.data as { result: { error: Record<string, string[]> } }).result.error.alpha).toEqual(['Alpha must not be larger than the rank'])

		const saved = await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, VALID_SETTINGS, cookie), { orderId }))
		expect(saved.location).toBe(`/orders/${orderId}/attestations`)
		const expected = { steps: 2000, resolution: 1024, rank: 16, alpha: 8, unetLr: 0.0004, textEncoderLr: 0.00005, epochs: 12, captions: 'own' }
		expect(await orderRow(db, orderId)).toMatchObject({ wizardStep: 4, settings: expected, priceCoins: quoteCoins('sdxl', 2000) })

		const unticked = await callRoute(attestations.action, routeArgs(post(`/orders/${orderId}/attestations`, { rights: 'on' }, cookie), { orderId }))
		expect(unticked.status).toBe(400)
		expect(Object.keys((unticked.data as { result: { error: Record<string, string[]> } }).result.error)).toEqual(['consent'])
		const none = await callRoute(attestations.action, routeArgs(post(`/orders/${orderId}/attestations`, {}, cookie), { orderId }))
		expect(Object.keys((none.data as { result: { error: Record<string, string[]> } }).result.error).sort()).toEqual(['consent', 'rights'])
		expect((await orderRow(db, orderId)).attestedAt).toBeNull()
		const attested = await callRoute(attestations.action, routeArgs(post(`/orders/${orderId}/attestations`, { rights: 'on', consent: 'on' }, cookie), { orderId }))
		expect(attested.location).toBe(`/orders/${orderId}/review`)
		const row = await orderRow(db, orderId)
		expect(row.wizardStep).toBe(5)
		expect(row.attestedAt).toBeInstanceOf(Date)

		// Sign out; the old cookie is dead, a new session sees the saved settings.
		expect((await callRoute(logout.action, routeArgs(post('/logout', {}, cookie)))).status).toBe(302)
		expect((await page(settings.loader, `/orders/${orderId}/settings`, cookie, { orderId })).location).toMatch(/^\/login\?/)
		const again = await signIn(db, user)
		const resumed = await page(settings.loader, `/orders/${orderId}/settings`, again.cookie, { orderId })
		expect(resumed).toMatchObject({ status: 200, data: { order: { wizardStep: 5 }, settings: expected } })

		// New material needs the attestation again.
		expect((await upload(orderId, 'late-addition.png', await solidImage(9), again.cookie)).status).toBe(201)
		expect(await orderRow(db, orderId)).toMatchObject({ attestedAt: null, wizardStep: 4 })
		expect((await page(attestations.loader, `/orders/${orderId}/attestations`, again.cookie, { orderId })).data).toMatchObject({ order: { attestedAt: null, wizardStep: 4 } })
	})

	test('a step beyond the furthest one redirects there; a placed order goes to its page', async ({ db }) => {
		const { cookie, orderId } = await draftWithImages(db, 1)
		expect((await page(attestations.loader, `/orders/${orderId}/attestations`, cookie, { orderId })).location).toBe(`/orders/${orderId}/images`)
		expect((await page(settings.loader, `/orders/${orderId}/settings`, cookie, { orderId })).location).toBe(`/orders/${orderId}/images`)
		const posted = await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, VALID_SETTINGS, cookie), { orderId }))
		expect(posted.location).toBe(`/orders/${orderId}/images`)
		expect((await page(edit.loader, `/orders/${orderId}/edit`, cookie, { orderId })).status).toBe(200)
		// An order whose step 1 is not done (the column's default) starts there.
		await db.prisma.order.update({ where: { id: orderId }, data: { wizardStep: 1 } })
		expect((await page(images.loader, `/orders/${orderId}/images`, cookie, { orderId })).location).toBe(`/orders/${orderId}/edit`)
		expect((await upload(orderId, 'early.png', await solidImage(3), cookie)).status).toBe(409)
		await db.prisma.order.update({ where: { id: orderId }, data: { wizardStep: 2 } })

		await db.prisma.order.update({ where: { id: orderId }, data: { status: 'awaiting_payment' } })
		for (const [loader, slug] of [
			[edit.loader, 'edit'],
			[images.loader, 'images'],
			[settings.loader, 'settings'],
			[attestations.loader, 'attestations'],
		] as const)
			expect((await page(loader, `/orders/${orderId}/${slug}`, cookie, { orderId })).location, slug).toBe(`/orders/${orderId}`)
		const refused = await upload(orderId, 'late.png', await solidImage(2), cookie)
		expect(refused).toMatchObject({ status: 409, contentType: 'application/problem+json' })
		// Thumbnails stay visible to the owner whatever the status.
		const [image] = await db.prisma.sourceImage.findMany({ where: { orderId }, select: { id: true } })
		const thumb = await answerOfBinary(() => thumbnail.loader(routeArgs(get(`/orders/${orderId}/images/${image!.id}`, cookie), { orderId, imageId: image!.id })))
		expect(thumb.status).toBe(200)
	})

	test('nobody else sees or changes a draft: other customers, staff, and the signed-out get 404 or the login page', async ({ db }) => {
		const { cookie: ownerCookie, orderId } = await draftWithImages(db, 5)
		await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'continue' }, ownerCookie), { orderId }))
		const [image] = await db.prisma.sourceImage.findMany({ where: { orderId }, select: { id: true } })
		const imageId = image!.id
		const before = await db.prisma.order.findUniqueOrThrow({ where: { id: orderId } })

		for (const role of ['customer', 'support', 'admin'] as const) {
			const { cookie } = await signIn(db, await createUser(db, role))
			for (const [loader, slug] of [
				[edit.loader, 'edit'],
				[images.loader, 'images'],
				[settings.loader, 'settings'],
				[attestations.loader, 'attestations'],
			] as const)
				expect((await page(loader, `/orders/${orderId}/${slug}`, cookie, { orderId })).status, `${role} ${slug}`).toBe(404)
			const thumb = await answerOfBinary(() => thumbnail.loader(routeArgs(get(`/orders/${orderId}/images/${imageId}`, cookie), { orderId, imageId })))
			expect(thumb.status, `${role} thumbnail`).toBe(404)
			for (const [action, slug, fields] of [
				[edit.action, 'edit', DETAILS],
				[images.action, 'images', { intent: 'remove', imageId }],
				[settings.action, 'settings', VALID_SETTINGS],
				[attestations.action, 'attestations', { rights: 'on', consent: 'on' }],
			] as const)
				expect((await callRoute(action, routeArgs(post(`/orders/${orderId}/${slug}`, fields, cookie), { orderId }))).status, `${role} ${slug} action`).toBe(404)
			expect((await upload(orderId, `intruder-${role}.png`, await solidImage(30), cookie)).status, `${role} upload`).toBe(404)
		}
		expect((await page(images.loader, `/orders/${orderId}/images`, '', { orderId })).location).toMatch(/^\/login\?redirectTo=/)
		const missing = await answerOfBinary(() => thumbnail.loader(routeArgs(get(`/orders/${orderId}/images/nope`, ownerCookie), { orderId, imageId: 'nope' })))
		expect(missing.status).toBe(404)

		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).toEqual(before)
		expect(await db.prisma.sourceImage.count({ where: { orderId } })).toBe(5)
		await expectFilesMatchRows(db)
	})

	test('another model family in step 1 resets the settings to its defaults and sends the customer back to step 3', async ({ db }) => {
		const { cookie, orderId } = await draftWithImages(db, 5)
		await callRoute(images.action, routeArgs(post(`/orders/${orderId}/images`, { intent: 'continue' }, cookie), { orderId }))
		await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, VALID_SETTINGS, cookie), { orderId }))
		await callRoute(attestations.action, routeArgs(post(`/orders/${orderId}/attestations`, { rights: 'on', consent: 'on' }, cookie), { orderId }))
		expect((await orderRow(db, orderId)).wizardStep).toBe(5)

		// The same family keeps everything.
		const same = await callRoute(edit.action, routeArgs(post(`/orders/${orderId}/edit`, { ...DETAILS, conceptDescription: 'A red fox mascot, winter outfit' }, cookie), { orderId }))
		expect(same.location).toBe(`/orders/${orderId}/images`)
		expect(await orderRow(db, orderId)).toMatchObject({ wizardStep: 5, priceCoins: quoteCoins('sdxl', 2000) })

		const invalid = await callRoute(edit.action, routeArgs(post(`/orders/${orderId}/edit`, { ...DETAILS, triggerWords: '' }, cookie), { orderId }))
		expect(invalid.status).toBe(400)
		const changed = await callRoute(edit.action, routeArgs(post(`/orders/${orderId}/edit`, { ...DETAILS, baseModel: 'flux1_dev' }, cookie), { orderId }))
		expect(changed.location).toBe(`/orders/${orderId}/images`)
		const row = await orderRow(db, orderId)
		expect(row).toMatchObject({ baseModel: 'flux1_dev', settings: DEFAULT_SETTINGS.flux1_dev, priceCoins: null })
		expect(row.wizardStep).toBeLessThanOrEqual(3)
		expect((await page(attestations.loader, `/orders/${orderId}/attestations`, cookie, { orderId })).location).toBe(`/orders/${orderId}/settings`)

		const frozen = await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, { ...VALID_SETTINGS, textEncoderLr: '0.0001' }, cookie), { orderId }))
		expect((frozen.data as { result: { error: Record<string, string[]> } }).result.error.textEncoderLr).toEqual([
			'Flux.1 dev trains with a frozen text encoder: its learning rate must be 0',
		])
		const saved = await callRoute(settings.action, routeArgs(post(`/orders/${orderId}/settings`, { ...VALID_SETTINGS, textEncoderLr: '0' }, cookie), { orderId }))
		expect(saved.location).toBe(`/orders/${orderId}/attestations`)
		expect((await orderRow(db, orderId)).priceCoins).toBe(quoteCoins('flux1_dev', 2000))
	})

	test('the 51st image is refused and leaves no file', async ({ db }) => {
		const { cookie, orderId } = await draftWithImages(db, 0)
		await db.prisma.sourceImage.createMany({
			data: Array.from({ length: IMAGE_LIMITS.maxImages }, (_, index) => ({
				orderId,
				displayName: `existing-${index}.png`,
				sha256: index.toString(16).padStart(64, '0'),
				storageKey: `source_image/${orderId}/${index.toString(16).padStart(24, '0')}.png`,
				format: 'png',
				width: 640,
				height: 640,
				bytes: 1000,
			})),
		})
		const detail = await expectRejected(await upload(orderId, 'one-too-many.png', await solidImage(51), cookie), 'one-too-many.png', 'too_many')
		expect(detail).toContain('at most 50 images')
		expect(await db.prisma.sourceImage.count({ where: { orderId } })).toBe(50)
		expect(storedFiles()).toEqual([])
	})
})

async function answerOfBinary(run: () => Promise<unknown>) {
	let response: unknown
	try {
		response = await run()
	} catch (thrown) {
		response = thrown
	}
	if (!(response instanceof Response)) throw new Error('expected a Response')
	return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) }
}
