import sharp from 'sharp'
import { addMonths, coinBalance, creditLot } from '#app/coins/ledger.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { newFileKey, writeFile } from '#app/files/file-store.server.ts'
import { signDownload } from '#app/files/signed-links.server.ts'
import { expireStaleTestCheckouts } from '#app/payments/test-mode.server.ts'
import * as adminCoins from '#app/routes/admin.coins.tsx'
import * as download from '#app/routes/downloads.$token.tsx'
import * as galleryImage from '#app/routes/gallery.$resultId.tsx'
import * as gallery from '#app/routes/gallery._index.tsx'
import * as orderPage from '#app/routes/orders.$orderId.tsx'
import * as review from '#app/routes/orders.$orderId_.review.tsx'
import * as testCheckout from '#app/routes/test-checkout.$paymentId.tsx'
import * as wallet from '#app/routes/wallet._index.tsx'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, get, post, signIn, type TestUser } from '#tests/support/auth.ts'
import { drainJobs } from '#tests/support/jobs.ts'
import { callRoute, routeArgs } from '#tests/support/route.ts'

// The order page (results, publishing, cancel, staff refund), the gallery, signed
// downloads, the test-payment page, the wallet and the back office's coin adjustments.

async function completedOrderWithResults(db: Database, customer: TestUser) {
	const order = await db.prisma.order.create({
		data: {
			customerId: customer.id,
			status: 'completed',
			baseModel: 'sd15',
			conceptType: 'character',
			conceptDescription: 'Fox knight mascot',
			triggerWords: ['foxknt'],
			priceCoins: 230,
			wizardStep: 5,
			statusChanges: { create: [{ from: null, to: 'draft' }, { from: 'training', to: 'completed' }] },
		},
		select: { id: true },
	})
	const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c05' } }).png().toBuffer()
	const sampleKey = newFileKey('result', order.id, 'png')
	await writeFile(sampleKey, image)
	const sample = await db.prisma.resultFile.create({ data: { orderId: order.id, kind: 'sample', displayName: 'sample-1.png', storageKey: sampleKey, mime: 'image/png', bytes: image.length }, select: { id: true } })
	const weightsKey = newFileKey('result', order.id, 'safetensors')
	await writeFile(weightsKey, Buffer.from('weights'))
	const weights = await db.prisma.resultFile.create({
		data: { orderId: order.id, kind: 'weights', displayName: 'lora.safetensors', storageKey: weightsKey, mime: 'application/octet-stream', bytes: 7 },
		select: { id: true },
	})
	return { orderId: order.id, sampleId: sample.id, weightsId: weights.id, image }
}

async function readyOrder(db: Database, customer: TestUser) {
	const order = await db.prisma.order.create({
		data: {
			customerId: customer.id,
			baseModel: 'flux1_dev',
			conceptType: 'object',
			conceptDescription: 'A teapot I designed',
			triggerWords: ['tpt'],
			priceCoins: 400,
			wizardStep: 5,
			attestedAt: new Date(),
			statusChanges: { create: { from: null, to: 'draft' } },
		},
		select: { id: true },
	})
	return order.id
}

async function giveCoins(db: Database, customer: TestUser, coins: number) {
	await db.prisma.$transaction((tx) => creditLot(tx, { userId: customer.id, coins, source: 'purchase', kind: 'top_up', expiresAt: addMonths(new Date(), 12) }))
}

describe('results', () => {
	test('signed download links work for their owner until they expire; a changed or foreign link does not', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, sampleId, image } = await completedOrderWithResults(db, customer)
		const { cookie } = await signIn(db, customer)
		const page = await callRoute(orderPage.loader, routeArgs(get(`/orders/${orderId}`, cookie), { orderId }))
		const results = (page.data as { results: Array<{ id: string; href: string }> }).results
		expect(results.map((result) => result.id).sort()).toHaveLength(2)
		const href = results.find((result) => result.id === sampleId)!.href
		const token = href.replace('/downloads/', '')
		const ok = (await download.loader(routeArgs(get(href), { token }) as never)) as Response
		expect(ok.status).toBe(200)
		expect(Buffer.from(await ok.arrayBuffer()).equals(image)).toBe(true)
		expect(ok.headers.get('content-disposition')).toBe('attachment; filename="sample-1.png"')

		const [payload, signature] = token.split('.')
		const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), expiresAt: Date.now() + 86_400_000 })).toString('base64url')}.${signature}`
		expect(((await download.loader(routeArgs(get('/'), { token: forged }) as never)) as Response).status).toBe(404)
		const expired = signDownload({ kind: 'result', id: sampleId, userId: customer.id }, Date.now() - 16 * 60_000)
		const gone = (await download.loader(routeArgs(get('/'), { token: expired }) as never)) as Response
		expect(gone.status).toBe(410)
		expect(await gone.text()).toMatch(/expired/)
		const stranger = await createUser(db, 'customer')
		const foreign = signDownload({ kind: 'result', id: sampleId, userId: stranger.id })
		expect(((await download.loader(routeArgs(get('/'), { token: foreign }) as never)) as Response).status).toBe(404)
	})

	test('publishing a sample needs the CC0 confirmation; weights never; unpublishing removes it from the gallery', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { orderId, sampleId, weightsId } = await completedOrderWithResults(db, customer)
		const { cookie } = await signIn(db, customer)
		const act = (fields: Record<string, string>) => callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, fields, cookie), { orderId }))

		const unconfirmed = await act({ intent: 'publish', resultId: sampleId })
		expect(unconfirmed).toMatchObject({ status: 422, data: { error: 'To publish, confirm that you release this image under CC0.' } })
		expect((await act({ intent: 'publish', resultId: weightsId, cc0: 'on' })).data).toMatchObject({ error: expect.stringMatching(/LoRA weights stay private/) })
		expect((await callRoute(gallery.loader, routeArgs(get('/gallery')))).data).toEqual({ items: [] })

		expect((await act({ intent: 'publish', resultId: sampleId, cc0: 'on' })).data).toMatchObject({ message: 'The image is now in the public gallery.' })
		const listed = (await callRoute(gallery.loader, routeArgs(get('/gallery')))).data as { items: Array<{ id: string; label: string }> }
		expect(listed.items).toEqual([{ id: sampleId, name: 'sample-1.png', label: 'Character LoRA on SD 1.5' }])
		expect(((await galleryImage.loader(routeArgs(get('/'), { resultId: sampleId }) as never)) as Response).status).toBe(200)
		expect(((await galleryImage.loader(routeArgs(get('/'), { resultId: weightsId }) as never)) as Response).status).toBe(404)

		await act({ intent: 'unpublish', resultId: sampleId })
		expect((await callRoute(gallery.loader, routeArgs(get('/gallery')))).data).toEqual({ items: [] })
		expect(((await galleryImage.loader(routeArgs(get('/'), { resultId: sampleId }) as never)) as Response).status).toBe(404)

		const stranger = await signIn(db, await createUser(db, 'customer'))
		const foreign = await callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, { intent: 'publish', resultId: sampleId, cc0: 'on' }, stranger.cookie), { orderId }))
		expect(foreign.status).toBe(404)
	})
})

describe('paying and canceling through the pages', () => {
	test('coins: the review step charges the wallet and queues the order; canceling gives the coins back', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		await giveCoins(db, customer, 1000)
		const orderId = await readyOrder(db, customer)
		const { cookie } = await signIn(db, customer)
		const terms = (await db.prisma.policyVersion.findFirstOrThrow({ where: { kind: 'terms' }, select: { version: true } })).version

		const noTerms = await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', refundTo: 'coins', termsVersion: terms }, cookie), { orderId }))
		expect(noTerms).toMatchObject({ status: 422, data: { fieldErrors: { acceptTerms: 'Accept the Terms of Service to place the order.' } } })
		const stale = await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', acceptTerms: 'on', termsVersion: '0.9' }, cookie), { orderId }))
		expect(stale.data).toMatchObject({ fieldErrors: { acceptTerms: expect.stringMatching(/changed to version/) } })

		const paid = await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', acceptTerms: 'on', termsVersion: terms }, cookie), { orderId }))
		expect(paid).toMatchObject({ status: 302, location: `/orders/${orderId}?paid=coins` })
		expect(await coinBalance(db.prisma, customer.id)).toBe(600)
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true, paidWith: true, termsVersion: true } })).toEqual({ status: 'queued', paidWith: 'coins', termsVersion: terms })
		expect(await db.prisma.policyAcceptance.count({ where: { userId: customer.id, context: 'checkout', version: terms } })).toBe(1)

		const canceled = await callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, { intent: 'cancel' }, cookie), { orderId }))
		expect(canceled.data).toMatchObject({ message: 'The order is canceled and 400 coins are back in your wallet.' })
		expect(await coinBalance(db.prisma, customer.id)).toBe(1000)
		const again = await callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, { intent: 'cancel' }, cookie), { orderId }))
		expect(again).toMatchObject({ status: 409 })
	})

	test('coins: too few coins is a clear error and changes nothing', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		await giveCoins(db, customer, 100)
		const orderId = await readyOrder(db, customer)
		const { cookie } = await signIn(db, customer)
		const terms = (await db.prisma.policyVersion.findFirstOrThrow({ where: { kind: 'terms' }, select: { version: true } })).version
		const result = await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', acceptTerms: 'on', termsVersion: terms }, cookie), { orderId }))
		expect(result).toMatchObject({ status: 402, data: { formError: 'This needs 400 coins and your balance is 100. Buy coins or pay by card.' } })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'draft' })
		expect(await coinBalance(db.prisma, customer.id)).toBe(100)
	})

	test('test mode: a declined card keeps the payment open, paying queues the order with a TEST invoice, abandoning returns the draft', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { cookie } = await signIn(db, customer)
		const terms = (await db.prisma.policyVersion.findFirstOrThrow({ where: { kind: 'terms' }, select: { version: true } })).version
		const pay = async (orderId: string) => {
			const started = await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'card', refundTo: 'card', acceptTerms: 'on', termsVersion: terms }, cookie), { orderId }))
			expect(started.location).toMatch(/^\/test-checkout\//)
			return started.location!.split('/').pop()!
		}
		const orderId = await readyOrder(db, customer)
		const paymentId = await pay(orderId)
		const page = (target: Record<string, string>) => callRoute(testCheckout.action, routeArgs(post(`/test-checkout/${paymentId}`, target, cookie), { paymentId }))

		expect(await page({ intent: 'decline' })).toMatchObject({ status: 402 })
		expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: paymentId }, select: { status: true, failureReason: true } })).toEqual({ status: 'pending', failureReason: 'card_declined' })
		expect(await page({ intent: 'pay', billingCountry: 'XX' })).toMatchObject({ status: 422 })
		expect(await page({ intent: 'pay', billingCountry: 'DE' })).toMatchObject({ status: 302, location: `/orders/${orderId}?checkout=success` })
		const payment = await db.prisma.payment.findUniqueOrThrow({ where: { id: paymentId }, select: { status: true, invoiceNumber: true, amountTax: true, mode: true } })
		expect(payment).toEqual({ status: 'succeeded', invoiceNumber: `TEST-${new Date().getUTCFullYear()}-000001`, amountTax: 64, mode: 'test' })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'queued' })
		// Canceled, the card payment is refunded through the same settlement as Stripe's charge.refunded.
		const canceled = await callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, { intent: 'cancel' }, cookie), { orderId }))
		expect(canceled.data).toMatchObject({ message: 'The order is canceled; €4.00 are on their way back to your card.' })
		// The card part is the card-refund job, enqueued with the refund.
		expect(await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { status: true } })).toEqual({ status: 'pending' })
		expect(await drainJobs(db)).toMatchObject({ completed: 1, failed: 0 })
		expect(await db.prisma.refund.findFirstOrThrow({ where: { orderId }, select: { status: true, stripeRefundId: true, amount: true } })).toMatchObject({
			status: 'succeeded',
			stripeRefundId: expect.stringMatching(/^re_test_/),
			amount: 400,
		})
		expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: paymentId }, select: { status: true, amountRefunded: true } })).toEqual({ status: 'refunded', amountRefunded: 400 })
		// A paid test payment's page sends the customer back to the order.
		expect(await callRoute(testCheckout.loader, routeArgs(get(`/test-checkout/${paymentId}`, cookie), { paymentId }))).toMatchObject({ status: 302, location: `/orders/${orderId}` })

		const second = await readyOrder(db, customer)
		const abandoned = await pay(second)
		const back = await callRoute(testCheckout.action, routeArgs(post(`/test-checkout/${abandoned}`, { intent: 'cancel' }, cookie), { paymentId: abandoned }))
		expect(back.location).toBe(`/orders/${second}?checkout=canceled`)
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: second }, select: { status: true } })).toEqual({ status: 'draft' })

		// Left open for over an hour, a test checkout expires like Stripe's would.
		const third = await readyOrder(db, customer)
		const forgotten = await pay(third)
		await db.prisma.payment.update({ where: { id: forgotten }, data: { createdAt: new Date(Date.now() - 61 * 60_000) } })
		expect(await expireStaleTestCheckouts()).toBe(1)
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: third }, select: { status: true } })).toEqual({ status: 'draft' })

		const stranger = await signIn(db, await createUser(db, 'customer'))
		expect((await callRoute(testCheckout.loader, routeArgs(get(`/test-checkout/${abandoned}`, stranger.cookie), { paymentId: abandoned }))).status).toBe(404)
	})

	test('an admin refunds a queued order with a reason (which also stops it); support may not', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		await giveCoins(db, customer, 500)
		const orderId = await readyOrder(db, customer)
		const { cookie } = await signIn(db, customer)
		const terms = (await db.prisma.policyVersion.findFirstOrThrow({ where: { kind: 'terms' }, select: { version: true } })).version
		await callRoute(review.action, routeArgs(post(`/orders/${orderId}/review`, { intent: 'pay', method: 'coins', acceptTerms: 'on', termsVersion: terms }, cookie), { orderId }))
		const admin = await signIn(db, await createUser(db, 'admin'))
		const support = await signIn(db, await createUser(db, 'support'))
		const refund = (who: string, reason: string) => callRoute(orderPage.action, routeArgs(post(`/orders/${orderId}`, { intent: 'staff-refund', reason }, who), { orderId }))
		expect((await refund(support.cookie, 'Goodwill refund')).status).toBe(403)
		expect(await refund(admin.cookie, 'no')).toMatchObject({ status: 422 })
		expect((await refund(admin.cookie, 'Customer asked before training started')).data).toMatchObject({ message: "Refunded 400 coins to the customer's wallet." })
		expect(await coinBalance(db.prisma, customer.id)).toBe(500)
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } })).toEqual({ status: 'refunded' })
	})
})

describe('the wallet and coin adjustments', () => {
	test('auto top-up settings are validated; it cannot be switched on without a saved card', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const { cookie } = await signIn(db, customer)
		const act = (fields: Record<string, string>) => callRoute(wallet.action, routeArgs(post('/wallet', fields, cookie)))
		expect(await act({ intent: 'auto-top-up', enabled: 'on', threshold: '50', bundle: 'coins_1000' })).toMatchObject({
			status: 422,
			data: { fieldErrors: { threshold: ['The threshold must be between 100 and 10,000 coins'] } },
		})
		expect(await act({ intent: 'auto-top-up', enabled: 'on', threshold: '500', bundle: 'coins_1000' })).toMatchObject({ status: 422, data: { error: 'Save a card first: automatic top-ups charge a saved card.' } })
		expect(await act({ intent: 'buy', bundle: 'coins_999' })).toMatchObject({ status: 422 })
		const buy = await act({ intent: 'buy', bundle: 'coins_1000' })
		expect(buy.location).toMatch(/^\/test-checkout\//)
	})

	test('an admin adjusts a wallet with a reason, audited; taking back more than there is fails whole', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const admin = await createUser(db, 'admin')
		const { cookie } = await signIn(db, admin)
		const act = (fields: Record<string, string>) => callRoute(adminCoins.action, routeArgs(post('/admin/coins', fields, cookie)))
		expect(await act({ email: customer.email, coins: '0', reason: 'nothing' })).toMatchObject({ status: 422 })
		expect(await act({ email: 'nobody@people.test', coins: '10', reason: 'Goodwill for a slow order' })).toMatchObject({ status: 404 })
		expect((await act({ email: customer.email, coins: '250', reason: 'Goodwill for a slow order' })).data).toMatchObject({ message: `Credited 250 coins to ${customer.email}.` })
		expect(await act({ email: customer.email, coins: '-300', reason: 'Credited twice by mistake' })).toMatchObject({ status: 402 })
		expect(await coinBalance(db.prisma, customer.id)).toBe(250)
		expect(await db.prisma.auditEvent.findMany({ where: { action: 'coins.adjusted' }, select: { actorId: true, targetId: true, detail: true } })).toEqual([
			{ actorId: admin.id, targetId: customer.id, detail: { coins: 250, reason: 'Goodwill for a slow order' } },
		])
		const page = await callRoute(wallet.loader, routeArgs(get('/wallet', (await signIn(db, customer)).cookie)))
		expect((page.data as { entries: Array<{ label: string; reason: string }> }).entries).toMatchObject([{ label: 'Adjustment by Lorica', reason: 'Goodwill for a slow order' }])
	})
})
