import { coinBalance } from '#app/coins/ledger.server.ts'
import { fileExists } from '#app/files/file-store.server.ts'
import { receiptPdf } from '#app/payments/invoices.server.ts'
import { DEMO_ACCOUNTS, seedDemo } from '#prisma/seed.ts'
import { describe, expect, test } from './db.ts'

describe('demo seed', () => {
	test('creates one account per role and orders whose timeline ends in their status', async ({ db }) => {
		await seedDemo(db.prisma)
		const users = await db.prisma.user.findMany({ select: { email: true, role: true }, orderBy: { email: 'asc' } })
		expect(users.map((user) => user.role).sort()).toEqual(['admin', 'customer', 'dpo', 'support'])
		expect(users.map((user) => user.email).sort()).toEqual(DEMO_ACCOUNTS.map((account) => account.email).sort())

		const orders = await db.prisma.order.findMany({
			select: { status: true, customer: { select: { role: true } }, statusChanges: { select: { from: true, to: true }, orderBy: { at: 'asc' } } },
		})
		expect(new Set(orders.map((order) => order.status)).size).toBeGreaterThanOrEqual(4)
		for (const order of orders) {
			expect(order.customer?.role).toBe('customer')
			expect(order.statusChanges.at(-1)?.to).toBe(order.status)
			expect(order.statusChanges[0]?.from).toBeNull()
			order.statusChanges.slice(1).forEach((change, index) => expect(change.from).toBe(order.statusChanges[index]!.to))
		}
	})

	test('gives the demo customer a wallet, paid orders with documents, and results whose files exist', async ({ db }) => {
		await seedDemo(db.prisma)
		const customer = await db.prisma.user.findUniqueOrThrow({ where: { email: DEMO_ACCOUNTS[0]!.email }, select: { id: true } })
		expect(await coinBalance(db.prisma, customer.id)).toBe(5800)
		const invoices = await db.prisma.payment.findMany({ where: { status: 'succeeded' }, select: { invoiceNumber: true }, orderBy: { invoiceNumber: 'asc' } })
		// Test payments number in their own series (the purchase may fall in last year's).
		expect(invoices).toHaveLength(2)
		for (const { invoiceNumber } of invoices) expect(invoiceNumber).toMatch(/^TEST-\d{4}-00000[12]$/)
		const results = await db.prisma.resultFile.findMany({ select: { kind: true, storageKey: true, publishedAt: true } })
		expect(results.map((result) => result.kind).sort()).toEqual(['sample', 'sample', 'sample', 'sample', 'weights'])
		expect(results.filter((result) => result.publishedAt)).toHaveLength(1)
		for (const result of results) expect(await fileExists(result.storageKey)).toBe(true)
		expect(await receiptPdf('demo-order-training')).not.toBeNull()
	})

	test('is idempotent: a second run adds nothing', async ({ db }) => {
		const first = await seedDemo(db.prisma)
		const counts = async () => ({
			users: await db.prisma.user.count(),
			orders: await db.prisma.order.count(),
			changes: await db.prisma.orderStatusChange.count(),
			entries: await db.prisma.coinLedgerEntry.count(),
			results: await db.prisma.resultFile.count(),
		})
		const before = await counts()
		const second = await seedDemo(db.prisma)
		expect(second).toEqual(first)
		expect(await counts()).toEqual(before)
		expect(before.users).toBe(4)
	})
})
