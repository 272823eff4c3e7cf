import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { extractText, getDocumentProxy } from 'unpdf'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { useAppAndBrowser } from './fixture.ts'
import { enterEmailedCode } from './sign-in.ts'

// A customer orders a LoRA in Chromium against `npm start` (test-payment mode, embedded
// database): the wizard with real image files, payment, the queued order, the invoice.

const running = useAppAndBrowser()
let folder: string

beforeAll(async () => {
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-e2e-images-'))
	for (let index = 0; index < 5; index++) {
		const raw = Buffer.alloc(640 * 640 * 3)
		for (let i = 0; i < raw.length; i++) raw[i] = (i * (index + 3) * 2654435761) >>> 24
		await sharp(raw, { raw: { width: 640, height: 640, channels: 3 } })
			.png()
			.toFile(path.join(folder, `character-${index + 1}.png`))
	}
	fs.writeFileSync(path.join(folder, 'notes.jpg'), 'these are my notes, not a photo')
})
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }))

async function signInAsDemoCustomer(page: Page) {
	await enterEmailedCode(page, running.app.url, 'customer@demo.lorica.example')
	await page.waitForURL((url) => !url.pathname.startsWith('/login'))
}

async function pdfText(page: Page, href: string) {
	const response = await page.context().request.get(`${running.app.url}${href}`)
	expect(response.headers()['content-type']).toBe('application/pdf')
	const { text } = await extractText(await getDocumentProxy(new Uint8Array(await response.body())), { mergePages: true })
	// Long descriptions wrap inside the table: compare with single spaces.
	return text.replace(/\s+/g, ' ')
}

describe('ordering', () => {
	test('the wizard with real files, a refresh in the middle, a test card payment, a queued order and its invoice', async () => {
		const context = await running.browser.newContext()
		const page = await context.newPage()
		const errors: string[] = []
		page.on('pageerror', (error) => errors.push(error.message))
		await signInAsDemoCustomer(page)

		await page.goto(`${running.app.url}/orders/new`)
		await page.getByRole('heading', { name: 'Model and concept' }).waitFor()
		await page.getByLabel('SDXL').check()
		await page.getByLabel('Character').check()
		await page.getByLabel('Concept description').fill('Copper-haired sky pirate from my novel')
		await page.getByLabel('Trigger words').fill('skypirate')
		await page.getByRole('button', { name: 'Save and continue to images' }).click()
		await page.getByRole('heading', { name: 'Reference images' }).waitFor()
		const imagesUrl = page.url()
		expect(imagesUrl).toMatch(/\/orders\/[^/]+\/images$/)

		const files = [...Array.from({ length: 5 }, (_, index) => path.join(folder, `character-${index + 1}.png`)), path.join(folder, 'notes.jpg')]
		await page.getByLabel('Add images').setInputFiles(files)
		await page.getByText('5 uploaded, 1 rejected').waitFor({ timeout: 30_000 })
		await expect(page.getByText(/"notes\.jpg" is not a JPEG, PNG or WebP image/).count()).resolves.toBeGreaterThan(0)

		// The draft lives on the server: a refresh shows the same five images.
		await page.reload()
		await page.getByRole('heading', { name: 'Reference images' }).waitFor()
		await expect(page.getByRole('list', { name: 'Uploaded images' }).getByRole('listitem').count()).resolves.toBe(5)

		await page.getByRole('button', { name: 'Continue to training settings' }).click()
		await page.getByRole('heading', { name: 'Training settings' }).waitFor()
		await page.getByRole('button', { name: 'Save and continue' }).click()
		await page.getByRole('heading', { name: 'Your attestations' }).waitFor()
		await page.getByRole('button', { name: 'Confirm and continue to payment' }).click()
		await page.getByLabel(/I hold the rights to every image/).check()
		await page.getByLabel(/The images do not show a real person/).check()
		await page.getByRole('button', { name: 'Confirm and continue to payment' }).click()
		await page.getByRole('heading', { name: 'Quote and payment' }).waitFor()
		// SDXL at 1,500 steps: 80 + 300 coins = €3.80; the data goes to Replicate in the US.
		await expect(page.getByText('380 coins').first().isVisible()).resolves.toBe(true)
		await expect(page.getByText(/Replicate, Inc\./).first().isVisible()).resolves.toBe(true)

		await page.getByLabel(/Card, €3\.80/).check()
		await page.getByRole('button', { name: 'Place order and pay' }).click()
		await page.getByText('Accept the Terms of Service to place the order.').waitFor()
		await page.getByLabel(/I accept the Terms of Service/).check()
		await page.getByRole('button', { name: 'Place order and pay' }).click()
		await page.getByRole('heading', { name: 'Pay €3.80' }).waitFor()
		await expect(page.getByText('TEST PAYMENT').isVisible()).resolves.toBe(true)
		await page.getByLabel('Billing country').selectOption('FR')
		await page.getByRole('button', { name: 'Pay €3.80 (test)' }).click()

		await page.getByText('Thank you — the order is paid and queued for training.').waitFor()
		await expect(page.locator('.eyebrow .status').textContent()).resolves.toBe('Queued')
		const invoice = page.getByRole('link', { name: /Invoice TEST-\d{4}-\d{6} \(PDF\)/ })
		const number = /TEST-\d{4}-\d{6}/.exec((await invoice.textContent())!)![0]
		const text = await pdfText(page, (await invoice.getAttribute('href'))!)
		for (const expected of [number, 'TEST PAYMENT', 'customer@demo.lorica.example', 'France', '€3.80', '€0.63', 'VAT 20 % (FR)', 'Copper-haired sky pirate from my novel'])
			expect(text).toContain(expected)
		expect(errors).toEqual([])
		await context.close()
	}, 120_000)

	test('an order waiting for payment is paid with coins and gets a receipt', async () => {
		const context = await running.browser.newContext()
		const page = await context.newPage()
		await signInAsDemoCustomer(page)
		await page.goto(`${running.app.url}/wallet`)
		const before = Number(/(\d+) coins/.exec((await page.getByRole('heading', { level: 1 }).textContent())!)![1])

		await page.goto(`${running.app.url}/orders/demo-order-awaiting/review`)
		await page.getByRole('heading', { name: 'Quote and payment' }).waitFor()
		await page.getByLabel(/coins from your wallet/).check()
		await page.getByLabel(/I accept the Terms of Service/).check()
		await page.getByRole('button', { name: 'Place order and pay' }).click()
		await page.getByText(/Paid with \d+ coins — the order is queued for training\./).waitFor()
		const text = await pdfText(page, '/orders/demo-order-awaiting/receipt')
		expect(text).toContain('This is a receipt, not a tax invoice')

		await page.goto(`${running.app.url}/wallet`)
		const after = Number(/(\d+) coins/.exec((await page.getByRole('heading', { level: 1 }).textContent())!)![1])
		expect(before - after).toBe(380)
		await context.close()
	}, 60_000)
})
