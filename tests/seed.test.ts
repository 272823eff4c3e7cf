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
			expect(order.customer.role).toBe('customer')
			expect(order.statusChanges.at(-1)?.to).toBe(order.status)
			expect(order.statusChanges[0]?.from).toBeNull()
			order.statusChanges.slice(1).forEach((change, index) => expect(change.from).toBe(order.statusChanges[index]!.to))
		}
	})

	test('is idempotent: a second run adds nothing', async ({ db }) => {
		const first = await seedDemo(db.prisma)
		const counts = async () => ({
			users: await db.prisma.user.count(),
			orders: await db.prisma.order.count(),
			changes: await db.prisma.orderStatusChange.count(),
		})
		const before = await counts()
		const second = await seedDemo(db.prisma)
		expect(second).toEqual(first)
		expect(await counts()).toEqual(before)
		expect(before.users).toBe(4)
	})
})
