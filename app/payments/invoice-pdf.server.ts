import PDFDocument from 'pdfkit'

export type InvoiceDocument = {
	/** 'receipt': an order paid with coins bought earlier; the VAT was invoiced with the coin purchase. */
	kind: 'invoice' | 'receipt'
	number: string
	issuedAt: Date
	testMode: boolean
	seller: { name: string; addressLines: string[]; vatId: string | null; email: string }
	/** country: ISO 3166-1 alpha-2 billing country. */
	buyer: { name: string | null; email: string; country: string | null }
	/** unitAmount: minor units, tax-inclusive. */
	lines: Array<{ description: string; quantity: number; unitAmount: number }>
	/** ISO 4217, lower case. */
	currency: string
	/** Minor units, excluding tax. */
	subtotal: number
	tax: number
	/** Null when no tax was charged. */
	taxRateLabel: string | null
	/** Minor units, including tax. */
	total: number
	coins?: number | null
	/** reference: the Stripe PaymentIntent id. */
	payment: { method: 'card' | 'coins' | 'test'; reference: string | null; paidAt: Date }
	refunds: Array<{ at: Date; amount: number; reason: string | null }>
	orderReference: string | null
}

export function formatMoney(amount: number, currency: string): string {
	return new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(amount / 100)
}

// The built-in fonts only know WinAnsi: pdfkit writes any other UTF-16 unit as raw bytes,
// which shows up as unrelated Latin letters. So every string is made WinAnsi-safe first.

const WIN_ANSI_EXTRAS = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'

function isWinAnsi(character: string) {
	const code = character.codePointAt(0) ?? 0
	return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.includes(character)
}

/** Letters that Unicode decomposition does not reduce to Latin-1. */
const TRANSLITERATIONS: Record<string, string> = {
	ł: 'l',
	Ł: 'L',
	đ: 'd',
	Đ: 'D',
	ħ: 'h',
	Ħ: 'H',
	ı: 'i',
	ŋ: 'n',
	Ŋ: 'N',
	ŧ: 't',
	Ŧ: 'T',
	'‐': '-',
	'‑': '-',
	'‒': '-',
	'−': '-',
	'―': '—',
	'′': "'",
	'″': '"',
	'⁄': '/',
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' })

function transliterate(grapheme: string): string | null {
	let result = ''
	for (const character of grapheme.normalize('NFKD')) {
		if (isWinAnsi(character)) result += character
		else if (TRANSLITERATIONS[character] !== undefined) result += TRANSLITERATIONS[character]
		else if (!/[\p{M}\p{Cf}]/u.test(character)) return null
	}
	return result
}

function winAnsiGrapheme(grapheme: string) {
	if ([...grapheme].every(isWinAnsi)) return grapheme
	if (/^\p{Cc}+$/u.test(grapheme)) return ' '
	const transliterated = transliterate(grapheme)
	if (transliterated !== null) return transliterated
	// An emoji is decoration; a letter we cannot print is information, so it stays visible as '?'.
	return /\p{Extended_Pictographic}/u.test(grapheme) ? '' : '?'
}

export function toWinAnsi(text: string) {
	let result = ''
	for (const { segment } of graphemes.segment(text.normalize('NFC'))) result += winAnsiGrapheme(segment)
	return result.replace(/ {2,}/g, ' ').trim()
}

function countryName(code: string) {
	const upper = code.toUpperCase()
	try {
		const name = new Intl.DisplayNames('en', { type: 'region' }).of(upper)
		// ZZ is CLDR's "unknown region"; the code itself says more than that.
		return name && name !== 'Unknown Region' ? name : upper
	} catch {
		return upper
	}
}

// UTC, so the same document renders the same wherever the server runs.
const DATE = new Intl.DateTimeFormat('en-IE', { dateStyle: 'long', timeZone: 'UTC' })
const DATE_TIME = new Intl.DateTimeFormat('en-IE', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })

function formatDateTime(date: Date) {
	return `${DATE_TIME.format(date)} UTC`
}

function coinsPhrase(coins: number | null | undefined) {
	if (coins === null || coins === undefined) return 'coins'
	return `${new Intl.NumberFormat('en-IE').format(coins)} ${coins === 1 ? 'coin' : 'coins'}`
}

export function receiptSentence(coins: number | null | undefined) {
	return `Paid with ${coinsPhrase(coins)}. This is a receipt, not a tax invoice: VAT was invoiced when the coins were bought.`
}

const TEST_BANNER = 'TEST PAYMENT — no money was charged; not a valid tax invoice'

const METHODS: Record<InvoiceDocument['payment']['method'], string> = {
	card: 'Card (Stripe)',
	coins: 'Coins',
	test: 'Test payment (no charge)',
}

const PAGE = { margin: 50, bannerHeight: 26, footerHeight: 30 }
const COLOURS = { text: '#111111', muted: '#666666', rule: '#cccccc', banner: '#c62828' }
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' }

type Pdf = PDFKit.PDFDocument

type Layout = { left: number; right: number; width: number }

function layoutOf(pdf: Pdf): Layout {
	const left = pdf.page.margins.left
	const right = pdf.page.width - pdf.page.margins.right
	return { left, right, width: right - left }
}

/** Starts a new page when fewer than `height` points are left, so a block is not split. */
function ensureSpace(pdf: Pdf, height: number) {
	if (pdf.y + height > pdf.page.maxY()) pdf.addPage()
}

function write(pdf: Pdf, text: string, x: number, y: number, options: PDFKit.Mixins.TextOptions = {}) {
	pdf.text(toWinAnsi(text), x, y, options)
	return pdf.y
}

function style(pdf: Pdf, font: string, size: number, colour = COLOURS.text) {
	pdf.font(font).fontSize(size).fillColor(colour)
}

function rule(pdf: Pdf, y: number) {
	const { left, right } = layoutOf(pdf)
	pdf.moveTo(left, y).lineTo(right, y).lineWidth(0.5).strokeColor(COLOURS.rule).stroke()
}

function heading(pdf: Pdf, text: string, reserve: number) {
	pdf.y += 18
	ensureSpace(pdf, reserve)
	style(pdf, FONT.bold, 11)
	write(pdf, text, layoutOf(pdf).left, pdf.y)
	pdf.y += 4
}

function drawHeader(pdf: Pdf, document: InvoiceDocument) {
	const { left, right } = layoutOf(pdf)
	const top = pdf.y
	const titleWidth = 210
	const sellerWidth = right - left - titleWidth - 20

	style(pdf, FONT.bold, 14)
	let sellerBottom = write(pdf, document.seller.name, left, top, { width: sellerWidth })
	style(pdf, FONT.regular, 9, COLOURS.muted)
	for (const line of [...document.seller.addressLines, document.seller.email])
		sellerBottom = write(pdf, line, left, sellerBottom, { width: sellerWidth })

	const titleX = right - titleWidth
	style(pdf, FONT.bold, 22)
	let titleBottom = write(pdf, document.kind === 'receipt' ? 'Receipt' : 'Invoice', titleX, top, { width: titleWidth, align: 'right' })
	style(pdf, FONT.regular, 10)
	titleBottom = write(pdf, `No. ${document.number}`, titleX, titleBottom + 2, { width: titleWidth, align: 'right' })
	titleBottom = write(pdf, `Date: ${DATE.format(document.issuedAt)}`, titleX, titleBottom, { width: titleWidth, align: 'right' })

	pdf.y = Math.max(sellerBottom, titleBottom) + 24
}

function labelled(pdf: Pdf, label: string, lines: string[], x: number, y: number, width: number) {
	style(pdf, FONT.bold, 9, COLOURS.muted)
	let bottom = write(pdf, label, x, y, { width })
	style(pdf, FONT.regular, 10)
	for (const line of lines) bottom = write(pdf, line, x, bottom, { width })
	return bottom
}

function drawParties(pdf: Pdf, document: InvoiceDocument) {
	const { left, right, width } = layoutOf(pdf)
	const top = pdf.y
	const columnWidth = (width - 20) / 2
	const { buyer } = document
	const buyerLines = [buyer.name, buyer.email, buyer.country ? countryName(buyer.country) : null].filter((line) => line !== null)
	let bottom = labelled(pdf, 'Billed to', buyerLines, left, top, columnWidth)
	if (document.orderReference)
		bottom = Math.max(bottom, labelled(pdf, 'Order reference', [document.orderReference], right - columnWidth, top, columnWidth))
	pdf.y = bottom
}

const COLUMNS = [
	{ title: 'Description', width: 0.52, align: 'left' },
	{ title: 'Qty', width: 0.1, align: 'right' },
	{ title: 'Unit price', width: 0.18, align: 'right' },
	{ title: 'Amount', width: 0.2, align: 'right' },
] as const

const CELL_GAP = 8

/** x and width of each cell on this page; the gap sits on the side the text is not aligned to. */
function columns(pdf: Pdf) {
	const { left, width } = layoutOf(pdf)
	let x = left
	return COLUMNS.map((column) => {
		const span = column.width * width
		const cell = { x: column.align === 'right' ? x + CELL_GAP : x, width: span - CELL_GAP, align: column.align }
		x += span
		return cell
	})
}

function drawRow(pdf: Pdf, cells: string[], font: string) {
	const top = pdf.y
	style(pdf, font, 10)
	let bottom = top
	columns(pdf).forEach((column, index) => {
		bottom = Math.max(bottom, write(pdf, cells[index] ?? '', column.x, top, { width: column.width, align: column.align }))
	})
	pdf.y = bottom + 6
}

function drawTableHeader(pdf: Pdf) {
	const titles = COLUMNS.map((column) => column.title)
	drawRow(pdf, titles, FONT.bold)
	rule(pdf, pdf.y - 3)
	pdf.y += 3
}

function rowHeight(pdf: Pdf, description: string) {
	style(pdf, FONT.regular, 10)
	const [first] = columns(pdf)
	return pdf.heightOfString(toWinAnsi(description), { width: first?.width }) + 6
}

function drawLines(pdf: Pdf, document: InvoiceDocument) {
	pdf.y += 24
	const [first] = document.lines
	// Keeps the header together with the first row.
	ensureSpace(pdf, 24 + (first ? rowHeight(pdf, first.description) : 0))
	drawTableHeader(pdf)
	for (const line of document.lines) {
		if (pdf.y + rowHeight(pdf, line.description) > pdf.page.maxY()) {
			pdf.addPage()
			drawTableHeader(pdf)
		}
		drawRow(
			pdf,
			[
				line.description,
				String(line.quantity),
				formatMoney(line.unitAmount, document.currency),
				formatMoney(line.quantity * line.unitAmount, document.currency),
			],
			FONT.regular,
		)
		rule(pdf, pdf.y - 3)
	}
}

/** A label, by default in the right-hand half, with its amount flush right. */
function amountRow(pdf: Pdf, label: string, amount: string, { font = FONT.regular, wide = false } = {}) {
	const { left, right, width } = layoutOf(pdf)
	const labelX = wide ? left : left + width / 2
	const amountWidth = 110
	const top = pdf.y
	style(pdf, font, 10)
	const labelBottom = write(pdf, label, labelX, top, { width: right - labelX - amountWidth - CELL_GAP })
	const amountBottom = write(pdf, amount, right - amountWidth, top, { width: amountWidth, align: 'right' })
	pdf.y = Math.max(labelBottom, amountBottom) + 4
}

function drawTotals(pdf: Pdf, document: InvoiceDocument) {
	const money = (amount: number) => formatMoney(amount, document.currency)
	pdf.y += 6
	ensureSpace(pdf, 70)
	amountRow(pdf, 'Subtotal (excl. tax)', money(document.subtotal))
	amountRow(pdf, document.taxRateLabel ?? 'No tax charged', money(document.tax))
	amountRow(pdf, 'Total', money(document.total), { font: FONT.bold })
	style(pdf, FONT.regular, 8, COLOURS.muted)
	write(pdf, 'Unit prices and amounts include tax.', layoutOf(pdf).left, pdf.y + 2)
}

function detailRow(pdf: Pdf, label: string, value: string) {
	const { left, right } = layoutOf(pdf)
	const labelWidth = 130
	const top = pdf.y
	style(pdf, FONT.regular, 10, COLOURS.muted)
	const labelBottom = write(pdf, label, left, top, { width: labelWidth })
	style(pdf, FONT.regular, 10)
	const valueBottom = write(pdf, value, left + labelWidth, top, { width: right - left - labelWidth })
	pdf.y = Math.max(labelBottom, valueBottom) + 3
}

function drawPayment(pdf: Pdf, document: InvoiceDocument) {
	const { payment } = document
	heading(pdf, 'Payment', 70)
	detailRow(pdf, 'Method', METHODS[payment.method])
	if (payment.method === 'coins' && document.coins !== null && document.coins !== undefined)
		detailRow(pdf, 'Coins charged', coinsPhrase(document.coins))
	if (payment.reference) detailRow(pdf, 'Stripe reference', payment.reference)
	detailRow(pdf, 'Paid on', formatDateTime(payment.paidAt))
}

function drawRefunds(pdf: Pdf, document: InvoiceDocument) {
	if (document.refunds.length === 0) return
	const money = (amount: number) => formatMoney(amount, document.currency)
	heading(pdf, 'Refunds', 60)
	for (const refund of document.refunds) {
		ensureSpace(pdf, 20)
		const reason = refund.reason ? ` — ${refund.reason}` : ''
		amountRow(pdf, `Refunded ${DATE.format(refund.at)}${reason}`, money(-refund.amount), { wide: true })
	}
	const refunded = document.refunds.reduce((sum, refund) => sum + refund.amount, 0)
	ensureSpace(pdf, 20)
	amountRow(pdf, 'Net paid', money(document.total - refunded), { font: FONT.bold })
}

function drawReceiptNote(pdf: Pdf, document: InvoiceDocument) {
	if (document.kind !== 'receipt') return
	pdf.y += 18
	ensureSpace(pdf, 40)
	const { left, width } = layoutOf(pdf)
	style(pdf, FONT.bold, 10)
	write(pdf, receiptSentence(document.coins), left, pdf.y, { width })
}

/** Drawn last, on every buffered page, inside the margins that were kept free for it. */
function drawPageFurniture(pdf: Pdf, document: InvoiceDocument) {
	const range = pdf.bufferedPageRange()
	const { seller } = document
	const footer = [seller.name, seller.vatId ? `VAT ID ${seller.vatId}` : null, seller.email].filter((part) => part !== null).join(' · ')
	for (let index = range.start; index < range.start + range.count; index++) {
		pdf.switchToPage(index)
		const { left, width } = layoutOf(pdf)
		// Writing below maxY() would otherwise make pdfkit start a new page.
		const bottomMargin = pdf.page.margins.bottom
		pdf.page.margins.bottom = 0
		if (document.testMode) {
			const top = PAGE.margin - 10
			pdf.rect(left, top, width, PAGE.bannerHeight).fill(COLOURS.banner)
			style(pdf, FONT.bold, 11, '#ffffff')
			write(pdf, TEST_BANNER, left, top + 8, { width, align: 'center', lineBreak: false })
		}
		const footerY = pdf.page.height - bottomMargin + 12
		rule(pdf, footerY - 6)
		style(pdf, FONT.regular, 8, COLOURS.muted)
		write(pdf, footer, left, footerY, { width: width - 80, height: 20, ellipsis: true })
		write(pdf, `Page ${index - range.start + 1} of ${range.count}`, left + width - 70, footerY, { width: 70, align: 'right', lineBreak: false })
		pdf.page.margins.bottom = bottomMargin
	}
}

function createPdf(document: InvoiceDocument): Pdf {
	const title = `${document.kind === 'receipt' ? 'Receipt' : 'Invoice'} ${document.number}`
	const top = PAGE.margin + (document.testMode ? PAGE.bannerHeight + 10 : 0)
	return new PDFDocument({
		size: 'A4',
		margins: { top, bottom: PAGE.margin + PAGE.footerHeight, left: PAGE.margin, right: PAGE.margin },
		bufferPages: true,
		compress: true,
		font: FONT.regular,
		// Fixed metadata: the ID pdfkit writes is a hash of it, so equal input gives equal bytes.
		info: {
			Title: title,
			Author: document.seller.name,
			Subject: title,
			Creator: 'Lorica',
			Producer: 'Lorica',
			CreationDate: document.issuedAt,
			ModDate: document.issuedAt,
		},
		displayTitle: true,
		lang: 'en',
	})
}

function collect(pdf: Pdf) {
	return new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = []
		pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
		pdf.on('end', () => resolve(Buffer.concat(chunks)))
		pdf.on('error', reject)
	})
}

export async function renderInvoicePdf(document: InvoiceDocument): Promise<Buffer> {
	const pdf = createPdf(document)
	const output = collect(pdf)
	drawHeader(pdf, document)
	drawParties(pdf, document)
	drawLines(pdf, document)
	drawTotals(pdf, document)
	drawPayment(pdf, document)
	drawRefunds(pdf, document)
	drawReceiptNote(pdf, document)
	drawPageFurniture(pdf, document)
	pdf.end()
	return output
}
