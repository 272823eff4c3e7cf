import { extractText, getDocumentProxy, getMeta } from 'unpdf'
import { describe, expect, test } from 'vitest'
import { formatMoney, renderInvoicePdf, toWinAnsi, type InvoiceDocument } from '#app/payments/invoice-pdf.server.ts'

const RECEIPT_SENTENCE = 'This is a receipt, not a tax invoice: VAT was invoiced when the coins were bought.'
const TEST_BANNER = 'TEST PAYMENT — no money was charged; not a valid tax invoice'

function invoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
	return {
		kind: 'invoice',
		number: 'LOR-2026-000042',
		issuedAt: new Date('2026-03-14T10:30:00Z'),
		testMode: false,
		seller: {
			name: 'Lorica Studio GmbH',
			addressLines: ['Torstraße 1', '10119 Berlin', 'Germany'],
			vatId: 'DE123456789',
			email: 'billing@lorica.test',
		},
		buyer: { name: 'Ann Customer', email: 'ann.customer@example.com', country: 'DE' },
		lines: [{ description: 'LoRA training — portrait style, 1,500 steps', quantity: 1, unitAmount: 2400 }],
		currency: 'eur',
		subtotal: 2017,
		tax: 383,
		taxRateLabel: 'VAT 19 % (DE)',
		total: 2400,
		payment: { method: 'card', reference: 'pi_3PqRsTuVwXyZ0123', paidAt: new Date('2026-03-14T10:29:00Z') },
		refunds: [],
		orderReference: 'ord_01HZX7Q9K2',
		...overrides,
	}
}

async function read(pdf: Buffer) {
	const proxy = await getDocumentProxy(new Uint8Array(pdf))
	const { totalPages, text } = await extractText(proxy, { mergePages: true })
	return { totalPages, text, proxy }
}

describe('formatMoney', () => {
	test('formats minor units with the currency symbol', () => {
		expect(formatMoney(1200, 'eur')).toBe('€12.00')
		expect(formatMoney(383, 'eur')).toBe('€3.83')
		expect(formatMoney(-500, 'eur')).toBe('-€5.00')
	})
})

describe('toWinAnsi', () => {
	test('keeps what the built-in fonts can print', () => {
		expect(toWinAnsi('Zoë Müller — “Straße” €5 … œ')).toBe('Zoë Müller — “Straße” €5 … œ')
	})

	test('transliterates letters, drops emoji and marks unprintable letters', () => {
		expect(toWinAnsi('Łukasz Wałęsa')).toBe('Lukasz Walesa')
		expect(toWinAnsi('Portrait 🚀 LoRA 👍🏽')).toBe('Portrait LoRA')
		expect(toWinAnsi('Li 李 Wei')).toBe('Li ? Wei')
		expect(toWinAnsi('e\u0301 x\u200by')).toBe('é xy')
	})
})

describe('renderInvoicePdf', () => {
	test('prints the parties, lines, totals and payment', async () => {
		const pdf = await renderInvoicePdf(invoice())
		expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
		const { totalPages, text } = await read(pdf)
		expect(totalPages).toBe(1)
		for (const expected of [
			'Lorica Studio GmbH',
			'Torstraße 1',
			'billing@lorica.test',
			'DE123456789',
			'Invoice',
			'LOR-2026-000042',
			'14 March 2026',
			'Billed to',
			'Ann Customer',
			'ann.customer@example.com',
			'Germany',
			'ord_01HZX7Q9K2',
			'LoRA training — portrait style, 1,500 steps',
			'€24.00',
			'€20.17',
			'€3.83',
			'VAT 19 % (DE)',
			'Total',
			'pi_3PqRsTuVwXyZ0123',
			'Card (Stripe)',
		])
			expect(text).toContain(expected)
		expect(text).not.toContain('TEST PAYMENT')
		expect(text).not.toContain('Refunds')
		expect(text).not.toContain(RECEIPT_SENTENCE)
	})

	test('sets the document metadata', async () => {
		const { proxy } = await read(await renderInvoicePdf(invoice()))
		const { info } = await getMeta(proxy, { parseDates: true })
		expect(info.Title).toBe('Invoice LOR-2026-000042')
		expect(info.Author).toBe('Lorica Studio GmbH')
		expect((info.CreationDate as Date).toISOString()).toBe('2026-03-14T10:30:00.000Z')
	})

	test('renders the same bytes for the same input', async () => {
		const [first, second] = await Promise.all([renderInvoicePdf(invoice()), renderInvoicePdf(invoice())])
		expect(first.equals(second)).toBe(true)
	})

	test('a test payment carries the banner', async () => {
		const { text } = await read(
			await renderInvoicePdf(invoice({ testMode: true, payment: { method: 'test', reference: null, paidAt: new Date('2026-03-14T10:29:00Z') } })),
		)
		expect(text).toContain(TEST_BANNER)
		expect(text).not.toContain('pi_')
	})

	test('the test banner is on every page', async () => {
		const lines = Array.from({ length: 60 }, (_, index) => ({ description: `Line ${index + 1}`, quantity: 1, unitAmount: 40 }))
		const { text: pages } = await extractText(new Uint8Array(await renderInvoicePdf(invoice({ testMode: true, lines }))))
		expect(pages.length).toBeGreaterThanOrEqual(2)
		for (const page of pages) expect(page).toContain(TEST_BANNER)
	})

	test('a receipt says it was paid with coins and is no tax invoice', async () => {
		const { text } = await read(
			await renderInvoicePdf(
				invoice({
					kind: 'receipt',
					coins: 1200,
					subtotal: 2400,
					tax: 0,
					taxRateLabel: null,
					payment: { method: 'coins', reference: null, paidAt: new Date('2026-03-14T10:29:00Z') },
				}),
			),
		)
		expect(text).toContain('Receipt')
		expect(text).toContain(`Paid with 1,200 coins. ${RECEIPT_SENTENCE}`)
		expect(text).toContain('No tax charged')
	})

	test('refunds are listed with the net amount paid', async () => {
		const { text } = await read(
			await renderInvoicePdf(
				invoice({
					refunds: [
						{ at: new Date('2026-03-20T09:00:00Z'), amount: 500, reason: 'Partial refund: one image failed' },
						{ at: new Date('2026-03-21T09:00:00Z'), amount: 400, reason: null },
					],
				}),
			),
		)
		expect(text).toContain('Refunds')
		expect(text).toContain('20 March 2026 — Partial refund: one image failed')
		expect(text).toContain('-€5.00')
		expect(text).toContain('-€4.00')
		expect(text).toContain('Net paid')
		expect(text).toContain('€15.00')
	})

	test('many lines continue on further pages with the table header repeated', async () => {
		const lines = Array.from({ length: 40 }, (_, index) => ({
			description: `Training run ${index + 1}: a long description of the dataset, captions and settings that has to wrap onto a second line`,
			quantity: 1,
			unitAmount: 60,
		}))
		const pdf = await renderInvoicePdf(invoice({ lines, subtotal: 2017, tax: 383, total: 2400 }))
		const { totalPages, text } = await read(pdf)
		expect(totalPages).toBeGreaterThanOrEqual(2)
		for (let index = 1; index <= 40; index++) expect(text).toContain(`Training run ${index}:`)
		const pages = (await extractText(new Uint8Array(pdf))).text
		for (const page of pages) expect(page).toContain('Unit price')
		expect(pages.at(-1)).toContain(`Page ${totalPages} of ${totalPages}`)
	})

	test('characters the built-in fonts cannot print do not break the document', async () => {
		const { text } = await read(
			await renderInvoicePdf(
				invoice({
					buyer: { name: 'Zoë 🚀 李 Müller', email: 'zoe@example.com', country: 'CN' },
					lines: [{ description: 'Anime style ✨ 动漫 LoRA', quantity: 2, unitAmount: 1200 }],
				}),
			),
		)
		expect(text).toContain('Zoë ? Müller')
		expect(text).toContain('Anime style ?? LoRA')
		expect(text).toContain('China')
		expect(text).toContain('zoe@example.com')
	})
})
