import { prisma } from '#app/db/db.server.ts'
import { COIN_BUNDLES, COIN_VALUE_CENTS, CURRENCY, FAMILY_INFO } from '#app/orders/catalog.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { renderInvoicePdf, type InvoiceDocument } from './invoice-pdf.server.ts'

// Invoices are built from what the database recorded when Stripe confirmed the payment —
// never recomputed from today's prices — and the seller's details come from configuration.

function seller() {
	const env = getEnv()
	return { name: env.SELLER_NAME, addressLines: env.SELLER_ADDRESS.split('|').map((line) => line.trim()), vatId: env.SELLER_VAT_ID ?? null, email: env.SELLER_EMAIL }
}

/**
 * Only amounts are stored, and on small amounts the cent rounding blurs the rate (63 on
 * €3.80 is 19.9 %): prefer the nearest half-percent rate that reproduces the tax exactly.
 */
export function taxRate(tax: number, total: number) {
	const exact = (tax / (total - tax)) * 100
	const candidate = Math.round(exact * 2) / 2
	const taxAt = (percent: number) => total - Math.round(total / (1 + percent / 100))
	return Math.abs(taxAt(candidate) - tax) <= 1 ? candidate : Math.round(exact * 10) / 10
}

function taxLabel(tax: number, total: number, country: string | null) {
	if (tax <= 0) return null
	return `VAT ${taxRate(tax, total)} %${country ? ` (${country})` : ''}`
}

function description(payment: { purpose: string; coins: number | null; order: { conceptDescription: string; baseModel: keyof typeof FAMILY_INFO } | null }) {
	if (payment.purpose === 'order' && payment.order) return `LoRA training on ${FAMILY_INFO[payment.order.baseModel].label}: ${payment.order.conceptDescription}`
	const bundle = Object.values(COIN_BUNDLES).find((entry) => entry.coins === payment.coins)
	const label = bundle?.label ?? `${payment.coins ?? 0} coins`
	return payment.purpose === 'auto_top_up' ? `Lorica coins, automatic top-up: ${label}` : `Lorica coins: ${label}`
}

/** The invoice of one settled payment of this customer, or null when there is none. */
export async function invoicePdf(paymentId: string, customerId: string | null) {
	const payment = await prisma.payment.findFirst({
		where: { id: paymentId, ...(customerId ? { userId: customerId } : {}), invoiceNumber: { not: null } },
		select: {
			purpose: true,
			mode: true,
			coins: true,
			amountSubtotal: true,
			amountTax: true,
			amountTotal: true,
			currency: true,
			billingCountry: true,
			stripePaymentIntentId: true,
			invoiceNumber: true,
			paidAt: true,
			orderId: true,
			user: { select: { email: true, displayName: true } },
			order: { select: { conceptDescription: true, baseModel: true } },
			refunds: { where: { destination: 'card', status: 'succeeded' }, select: { completedAt: true, amount: true, reason: true } },
		},
	})
	if (!payment?.invoiceNumber || !payment.paidAt) return null
	const document: InvoiceDocument = {
		kind: 'invoice',
		number: payment.invoiceNumber,
		issuedAt: payment.paidAt,
		testMode: payment.mode === 'test',
		seller: seller(),
		buyer: { name: payment.user?.displayName ?? null, email: payment.user?.email ?? 'customer account erased', country: payment.billingCountry },
		lines: [{ description: description(payment), quantity: 1, unitAmount: payment.amountTotal }],
		currency: payment.currency,
		subtotal: payment.amountSubtotal,
		tax: payment.amountTax,
		taxRateLabel: taxLabel(payment.amountTax, payment.amountTotal, payment.billingCountry),
		total: payment.amountTotal,
		payment: { method: payment.mode === 'test' ? 'test' : 'card', reference: payment.stripePaymentIntentId, paidAt: payment.paidAt },
		refunds: payment.refunds.map((refund) => ({ at: refund.completedAt ?? payment.paidAt!, amount: refund.amount, reason: refund.reason })),
		orderReference: payment.orderId,
	}
	return { fileName: `${payment.invoiceNumber}.pdf`, body: await renderInvoicePdf(document) }
}

/** A receipt for an order paid with coins: VAT was invoiced when the coins were bought. */
export async function receiptPdf(orderId: string) {
	const order = await prisma.order.findUnique({
		where: { id: orderId },
		select: {
			id: true,
			paidWith: true,
			paidAt: true,
			priceCoins: true,
			conceptDescription: true,
			baseModel: true,
			customer: { select: { email: true, displayName: true } },
			refunds: { where: { destination: 'coins', status: 'succeeded' }, select: { completedAt: true, amount: true, reason: true } },
		},
	})
	if (!order || order.paidWith !== 'coins' || !order.paidAt || !order.priceCoins) return null
	const number = `RCT-${order.id}`
	const value = order.priceCoins * COIN_VALUE_CENTS
	const document: InvoiceDocument = {
		kind: 'receipt',
		number,
		issuedAt: order.paidAt,
		testMode: false,
		seller: seller(),
		buyer: { name: order.customer?.displayName ?? null, email: order.customer?.email ?? 'customer account erased', country: null },
		lines: [{ description: `LoRA training on ${FAMILY_INFO[order.baseModel].label}: ${order.conceptDescription}`, quantity: 1, unitAmount: value }],
		currency: CURRENCY,
		subtotal: value,
		tax: 0,
		taxRateLabel: null,
		total: value,
		coins: order.priceCoins,
		payment: { method: 'coins', reference: null, paidAt: order.paidAt },
		refunds: order.refunds.map((refund) => ({ at: refund.completedAt ?? order.paidAt!, amount: refund.amount * COIN_VALUE_CENTS, reason: refund.reason })),
		orderReference: order.id,
	}
	return { fileName: `${number}.pdf`, body: await renderInvoicePdf(document) }
}
