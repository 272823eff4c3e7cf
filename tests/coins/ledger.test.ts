import { inject } from 'vitest'
import {
	addMonths,
	coinBalance,
	creditLot,
	debitCoins,
	InsufficientCoinsError,
	liveLots,
	REFUND_GRACE_DAYS,
	refundOrderCoins,
} from '#app/coins/ledger.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { describe, expect, test } from '#tests/db.ts'
import { createUser } from '#tests/support/auth.ts'

// The coin ledger: balances are sums of entries, spending takes the soonest-expiring lot
// first, a per-customer lock keeps concurrent charges honest, and triggers keep the ledger
// append-only and every lot at zero or above whatever writes to it.

const DAY = 86_400_000
const onPostgres = inject('testDatabase').kind === 'postgres'

function daysFrom(base: Date, days: number) {
	return new Date(base.getTime() + days * DAY)
}

function credit(userId: string, coins: number, expiresAt: Date, acquiredAt?: Date) {
	return prisma.$transaction((tx) => creditLot(tx, { userId, coins, source: 'purchase', kind: 'top_up', expiresAt, now: acquiredAt }))
}

function debit(userId: string, coins: number, extra: { orderId?: string; now?: Date } = {}) {
	return prisma.$transaction((tx) => debitCoins(tx, { userId, coins, kind: 'order_charge', ...extra }))
}

function balance(userId: string, now?: Date) {
	return prisma.$transaction((tx) => coinBalance(tx, userId, now))
}

/** Every entry of a lot, oldest first, as kind and amount. */
function entriesOf(db: Database, lotId: string) {
	return db.prisma.coinLedgerEntry.findMany({ where: { lotId }, select: { kind: true, amount: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
}

async function lotSums(db: Database, userId: string) {
	const rows = await db.prisma.coinLedgerEntry.groupBy({ by: ['lotId'], where: { lot: { userId } }, _sum: { amount: true } })
	return new Map(rows.map((row) => [row.lotId, row._sum.amount ?? 0]))
}

async function waitsForLock(db: Database, pid: number) {
	const rows = await db.withSql((sql) => sql.query<{ waiting: boolean }>(`SELECT "wait_event_type" = 'Lock' AS "waiting" FROM pg_stat_activity WHERE "pid" = $1`, [pid]))
	return rows[0]?.waiting === true
}

function createOrder(db: Database, customerId: string) {
	return db.prisma.order.create({
		data: { customerId, baseModel: 'flux1_dev', conceptType: 'character', conceptDescription: 'A red fox in a knitted scarf', triggerWords: ['lrcfox'] },
		select: { id: true },
	})
}

describe('credit and debit', () => {
	test('the balance is the sum of the entries; debits take the soonest-expiring lot first and split across lots', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		const late = await credit(customer.id, 500, daysFrom(now, 300))
		const soon = await credit(customer.id, 200, daysFrom(now, 30))
		const middle = await credit(customer.id, 300, daysFrom(now, 100))
		expect(await balance(customer.id)).toBe(1000)

		const lots = await prisma.$transaction((tx) => liveLots(tx, customer.id))
		expect(lots.map((lot) => [lot.id, lot.remaining])).toEqual([
			[soon.id, 200],
			[middle.id, 300],
			[late.id, 500],
		])

		expect(await debit(customer.id, 150)).toEqual({ balanceAfter: 850 })
		expect(await entriesOf(db, soon.id)).toEqual([
			{ kind: 'top_up', amount: 200 },
			{ kind: 'order_charge', amount: -150 },
		])
		expect(await entriesOf(db, middle.id)).toEqual([{ kind: 'top_up', amount: 300 }])

		// 50 left in the soonest lot, the rest from the next one; the latest is untouched.
		expect(await debit(customer.id, 350)).toEqual({ balanceAfter: 500 })
		expect(await entriesOf(db, soon.id)).toEqual([
			{ kind: 'top_up', amount: 200 },
			{ kind: 'order_charge', amount: -150 },
			{ kind: 'order_charge', amount: -50 },
		])
		expect(await entriesOf(db, middle.id)).toEqual([
			{ kind: 'top_up', amount: 300 },
			{ kind: 'order_charge', amount: -300 },
		])
		expect(await entriesOf(db, late.id)).toEqual([{ kind: 'top_up', amount: 500 }])
		expect(Object.fromEntries(await lotSums(db, customer.id))).toEqual({ [soon.id]: 0, [middle.id]: 0, [late.id]: 500 })
		expect(await balance(customer.id)).toBe(500)

		// Empty lots are no longer live.
		expect((await prisma.$transaction((tx) => liveLots(tx, customer.id))).map((lot) => lot.id)).toEqual([late.id])
	})

	test('lots expiring at the same moment are spent oldest-acquired first', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		const expiresAt = daysFrom(now, 60)
		const newer = await credit(customer.id, 100, expiresAt, daysFrom(now, -1))
		const older = await credit(customer.id, 100, expiresAt, daysFrom(now, -5))
		await debit(customer.id, 120)
		expect(Object.fromEntries(await lotSums(db, customer.id))).toEqual({ [older.id]: 0, [newer.id]: 80 })
	})

	test('an insufficient balance throws InsufficientCoinsError with balance and need, and writes nothing', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		await credit(customer.id, 100, daysFrom(now, 30))
		await credit(customer.id, 50, daysFrom(now, 60))
		const before = await db.prisma.coinLedgerEntry.count()

		const error = await debit(customer.id, 151).catch((caught: unknown) => caught)
		expect(error).toBeInstanceOf(InsufficientCoinsError)
		expect(error).toBeInstanceOf(UserFacingError)
		expect(error).toMatchObject({ balance: 150, needed: 151, status: 402 })
		expect((error as Error).message).toBe('This needs 151 coins and your balance is 150. Buy coins or pay by card.')

		expect(await db.prisma.coinLedgerEntry.count()).toBe(before)
		expect(await balance(customer.id)).toBe(150)
		// Exactly the balance is fine.
		expect(await debit(customer.id, 150)).toEqual({ balanceAfter: 0 })
	})

	test('a customer with no coins at all gets InsufficientCoinsError(0, n); an unknown customer is refused', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		await expect(debit(customer.id, 1)).rejects.toMatchObject({ balance: 0, needed: 1 })
		await expect(debit('no-such-user', 1)).rejects.toThrow('This account does not exist.')
		expect(await db.prisma.coinLedgerEntry.count()).toBe(0)
	})

	test('amounts must be whole numbers above zero', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const expiresAt = daysFrom(new Date(), 30)
		for (const coins of [0, -5, 1.5, Number.NaN]) {
			await expect(credit(customer.id, coins, expiresAt)).rejects.toThrow('The number of coins must be a whole number above zero.')
			await expect(debit(customer.id, coins)).rejects.toThrow('The number of coins must be a whole number above zero.')
		}
		expect(await db.prisma.coinLot.count()).toBe(0)
	})

	test('expired lots are not spendable even before the expiry job ran', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		const expired = await credit(customer.id, 500, daysFrom(now, -1), daysFrom(now, -366))
		const live = await credit(customer.id, 100, daysFrom(now, 30))
		// Nothing has written an expiry entry: the 500 are still in the ledger.
		expect(Object.fromEntries(await lotSums(db, customer.id))).toEqual({ [expired.id]: 500, [live.id]: 100 })

		expect(await balance(customer.id)).toBe(100)
		expect((await prisma.$transaction((tx) => liveLots(tx, customer.id))).map((lot) => lot.id)).toEqual([live.id])
		await expect(debit(customer.id, 150)).rejects.toMatchObject({ balance: 100, needed: 150 })

		expect(await debit(customer.id, 100)).toEqual({ balanceAfter: 0 })
		expect(await entriesOf(db, expired.id)).toEqual([{ kind: 'top_up', amount: 500 }])

		// A lot expiring exactly now is already gone; one a millisecond later still counts.
		const edge = new Date(now.getTime() + 10 * DAY)
		await credit(customer.id, 70, edge)
		expect(await balance(customer.id, edge)).toBe(0)
		expect(await balance(customer.id, new Date(edge.getTime() - 1))).toBe(70)
	})

	test('addMonths moves the calendar month in UTC', () => {
		expect(addMonths(new Date('2026-03-14T10:30:00Z'), 12).toISOString()).toBe('2027-03-14T10:30:00.000Z')
		expect(addMonths(new Date('2026-11-30T23:59:59.999Z'), 1).toISOString()).toBe('2026-12-30T23:59:59.999Z')
	})
})

describe('concurrent debits', () => {
	test('10 parallel debits of 150 against 1000 coins: 6 succeed, 4 are refused, 100 remain', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		// Split over lots whose sizes are not multiples of 150, so charges straddle lots.
		await credit(customer.id, 250, daysFrom(now, 20))
		await credit(customer.id, 350, daysFrom(now, 40))
		await credit(customer.id, 400, daysFrom(now, 80))

		const results = await Promise.allSettled(
			Array.from({ length: 10 }, () => prisma.$transaction((tx) => debitCoins(tx, { userId: customer.id, coins: 150, kind: 'order_charge' }))),
		)
		const succeeded = results.filter((result) => result.status === 'fulfilled')
		const failed = results.filter((result) => result.status === 'rejected')
		expect(succeeded).toHaveLength(6)
		expect(failed).toHaveLength(4)
		for (const result of failed) {
			expect(result.reason).toBeInstanceOf(InsufficientCoinsError)
			expect(result.reason).toMatchObject({ balance: 100, needed: 150 })
		}
		// Each success saw the one before it: the balances after are all different.
		expect(succeeded.map((result) => result.value.balanceAfter).sort((a, b) => b - a)).toEqual([850, 700, 550, 400, 250, 100])

		expect(await balance(customer.id)).toBe(100)
		const sums = await lotSums(db, customer.id)
		expect([...sums.values()].every((sum) => sum >= 0)).toBe(true)
		expect([...sums.values()].reduce((a, b) => a + b, 0)).toBe(100)
		const charged = await db.prisma.coinLedgerEntry.aggregate({ where: { userId: customer.id, kind: 'order_charge' }, _sum: { amount: true } })
		expect(charged._sum.amount).toBe(-900)
	})

	test('20 parallel debits of 1 coin against 10 coins: exactly 10 succeed', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const now = new Date()
		await credit(customer.id, 4, daysFrom(now, 10))
		await credit(customer.id, 6, daysFrom(now, 20))

		const results = await Promise.allSettled(
			Array.from({ length: 20 }, () => prisma.$transaction((tx) => debitCoins(tx, { userId: customer.id, coins: 1, kind: 'order_charge' }))),
		)
		expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(10)
		const failed = results.filter((result) => result.status === 'rejected')
		expect(failed).toHaveLength(10)
		for (const result of failed) expect(result.reason).toBeInstanceOf(InsufficientCoinsError)

		expect(await balance(customer.id)).toBe(0)
		expect([...(await lotSums(db, customer.id)).values()]).toEqual([0, 0])
		expect(await db.prisma.coinLedgerEntry.count({ where: { userId: customer.id, kind: 'order_charge' } })).toBe(10)
	})
})

describe('database guards', () => {
	async function setUp(db: Database) {
		const customer = await createUser(db, 'customer')
		const order = await createOrder(db, customer.id)
		const lot = await credit(customer.id, 100, daysFrom(new Date(), 30))
		await debit(customer.id, 40, { orderId: order.id })
		const charge = await db.prisma.coinLedgerEntry.findFirstOrThrow({ where: { lotId: lot.id, kind: 'order_charge' }, select: { id: true } })
		return { customer, order, lot, charge }
	}

	test('the ledger is append-only: UPDATE of amount, DELETE and TRUNCATE are refused', async ({ db }) => {
		const { lot, charge } = await setUp(db)
		await expect(db.prisma.coinLedgerEntry.update({ where: { id: charge.id }, data: { amount: -10 }, select: { id: true } })).rejects.toThrow(
			'CoinLedgerEntry is append-only (only userId and orderId may be cleared)',
		)
		await expect(db.withSql((sql) => sql.exec(`UPDATE "CoinLedgerEntry" SET "amount" = 0 WHERE "id" = '${charge.id}'`))).rejects.toThrow(
			'CoinLedgerEntry is append-only (only userId and orderId may be cleared)',
		)
		await expect(db.withSql((sql) => sql.exec(`UPDATE "CoinLedgerEntry" SET "kind" = 'refund' WHERE "id" = '${charge.id}'`))).rejects.toThrow(
			'CoinLedgerEntry is append-only (only userId and orderId may be cleared)',
		)
		await expect(db.prisma.coinLedgerEntry.delete({ where: { id: charge.id }, select: { id: true } })).rejects.toThrow('CoinLedgerEntry is append-only')
		await expect(db.withSql((sql) => sql.exec('DELETE FROM "CoinLedgerEntry"'))).rejects.toThrow('CoinLedgerEntry is append-only')
		await expect(db.withSql((sql) => sql.exec('TRUNCATE "CoinLedgerEntry"'))).rejects.toThrow('CoinLedgerEntry is append-only')

		expect(await entriesOf(db, lot.id)).toEqual([
			{ kind: 'top_up', amount: 100 },
			{ kind: 'order_charge', amount: -40 },
		])
	})

	test('clearing the link to the customer and to the order is allowed (erasure)', async ({ db }) => {
		const { customer, lot, charge } = await setUp(db)
		await db.prisma.coinLedgerEntry.update({ where: { id: charge.id }, data: { userId: null, orderId: null }, select: { id: true } })
		expect(await db.prisma.coinLedgerEntry.findUniqueOrThrow({ where: { id: charge.id }, select: { userId: true, orderId: true, amount: true } })).toEqual({
			userId: null,
			orderId: null,
			amount: -40,
		})
		// Setting an order on an entry is not clearing it.
		const order = await createOrder(db, (await createUser(db, 'customer')).id)
		await expect(db.prisma.coinLedgerEntry.update({ where: { id: charge.id }, data: { orderId: order.id }, select: { id: true } })).rejects.toThrow(
			'CoinLedgerEntry is append-only',
		)
		expect((await lotSums(db, customer.id)).get(lot.id)).toBe(60)
	})

	// Regression: the trigger used to ignore userId, so an entry could be moved to another customer.
	test('the link to the customer can be cleared but not pointed at someone else', async ({ db }) => {
		const { charge } = await setUp(db)
		const other = await createUser(db, 'customer')
		await expect(db.prisma.coinLedgerEntry.update({ where: { id: charge.id }, data: { userId: other.id }, select: { id: true } })).rejects.toThrow(
			'CoinLedgerEntry is append-only',
		)
	})

	test('an entry that would take a lot below zero is refused, even written around the application', async ({ db }) => {
		const { customer, lot } = await setUp(db)
		const insert = (id: string, amount: number) =>
			db.withSql((sql) =>
				sql.query(`INSERT INTO "CoinLedgerEntry" ("id", "userId", "lotId", "kind", "amount") VALUES ($1, $2, $3, 'adjustment', $4)`, [id, customer.id, lot.id, amount]),
			)
		await expect(insert('raw-entry-1', -61)).rejects.toThrow(`coin lot ${lot.id} would go negative (-1)`)
		await expect(
			db.prisma.coinLedgerEntry.create({ data: { userId: customer.id, lotId: lot.id, kind: 'adjustment', amount: -1000 }, select: { id: true } }),
		).rejects.toThrow(`coin lot ${lot.id} would go negative (-940)`)
		expect((await lotSums(db, customer.id)).get(lot.id)).toBe(60)

		// Down to exactly zero is fine.
		await insert('raw-entry-2', -60)
		expect((await lotSums(db, customer.id)).get(lot.id)).toBe(0)
	})

	// Regression: the trigger used to sum without locking the lot, so two writers bypassing the app lock both passed.
	test.runIf(onPostgres)('two writers that bypass the application lock cannot both spend the same coins', async ({ db }) => {
		const { customer, lot } = await setUp(db) // 60 coins left
		const insert = `INSERT INTO "CoinLedgerEntry" ("id", "userId", "lotId", "kind", "amount") VALUES ($1, $2, $3, 'adjustment', -40)`
		const outcome = await db.withSql((a) =>
			db.withSql(async (b) => {
				const [{ pid }] = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }]
				await a.exec('BEGIN')
				await b.exec('BEGIN')
				await a.query(insert, ['race-a', customer.id, lot.id])
				let settled = false
				const second = b
					.query(insert, ['race-b', customer.id, lot.id])
					.then(
						() => 'inserted' as const,
						(error: unknown) => error,
					)
					.finally(() => (settled = true))
				// b either finishes (nothing serialises writers of a lot) or waits for a's lock: only then commit a.
				while (!settled && !(await waitsForLock(db, pid))) await new Promise((resolve) => setTimeout(resolve, 10))
				await a.exec('COMMIT')
				const result = await second
				await b.exec(result === 'inserted' ? 'COMMIT' : 'ROLLBACK')
				return result
			}),
		)
		expect((await lotSums(db, customer.id)).get(lot.id)).toBe(20)
		expect(outcome).toBeInstanceOf(Error)
		expect((outcome as Error).message).toContain(`coin lot ${lot.id} would go negative (-20)`)
	})
})

describe('refundOrderCoins', () => {
	async function chargedOrder(db: Database) {
		const customer = await createUser(db, 'customer')
		const order = await createOrder(db, customer.id)
		const chargedAt = new Date()
		const first = await credit(customer.id, 200, daysFrom(chargedAt, 10))
		const second = await credit(customer.id, 500, daysFrom(chargedAt, 100))
		await debit(customer.id, 300, { orderId: order.id, now: chargedAt })
		expect(Object.fromEntries(await lotSums(db, customer.id))).toEqual({ [first.id]: 0, [second.id]: 400 })
		return { customer, order, first, second, chargedAt }
	}

	const refund = (userId: string, orderId: string, now?: Date) => prisma.$transaction((tx) => refundOrderCoins(tx, { userId, orderId, reason: 'Training failed', now }))

	test('coins go back into the lots they came from; a second call refunds nothing', async ({ db }) => {
		const { customer, order, first, second } = await chargedOrder(db)
		const lotsBefore = await db.prisma.coinLot.count()

		expect(await refund(customer.id, order.id)).toBe(300)
		expect(Object.fromEntries(await lotSums(db, customer.id))).toEqual({ [first.id]: 200, [second.id]: 500 })
		expect(await db.prisma.coinLot.count()).toBe(lotsBefore)
		const refunds = await db.prisma.coinLedgerEntry.findMany({ where: { orderId: order.id, kind: 'refund' }, select: { lotId: true, amount: true, reason: true } })
		expect(refunds.sort((a, b) => a.amount - b.amount)).toEqual([
			{ lotId: second.id, amount: 100, reason: 'Training failed' },
			{ lotId: first.id, amount: 200, reason: 'Training failed' },
		])
		expect(await balance(customer.id)).toBe(700)

		const entries = await db.prisma.coinLedgerEntry.count()
		expect(await refund(customer.id, order.id)).toBe(0)
		expect(await db.prisma.coinLedgerEntry.count()).toBe(entries)
		expect(await balance(customer.id)).toBe(700)
	})

	test('coins from a lot that expired meanwhile come back in a new lot with REFUND_GRACE_DAYS to use them', async ({ db }) => {
		const { customer, order, first, second, chargedAt } = await chargedOrder(db)
		const later = daysFrom(chargedAt, 11) // the first lot expired a day ago

		expect(await refund(customer.id, order.id, later)).toBe(300)
		const sums = await lotSums(db, customer.id)
		expect(sums.get(first.id)).toBe(0)
		expect(sums.get(second.id)).toBe(500)
		const grace = await db.prisma.coinLot.findFirstOrThrow({
			where: { userId: customer.id, id: { notIn: [first.id, second.id] } },
			select: { id: true, source: true, coins: true, expiresAt: true, acquiredAt: true },
		})
		expect(grace).toEqual({ id: grace.id, source: 'refund', coins: 200, expiresAt: daysFrom(later, REFUND_GRACE_DAYS), acquiredAt: later })
		expect(await entriesOf(db, grace.id)).toEqual([{ kind: 'refund', amount: 200 }])
		expect(await db.prisma.coinLedgerEntry.findFirstOrThrow({ where: { lotId: grace.id }, select: { orderId: true } })).toEqual({ orderId: order.id })
		expect(await balance(customer.id, later)).toBe(700)

		// Twice is still once, also later on and after the grace lot was partly spent.
		const lots = await db.prisma.coinLot.count()
		expect(await refund(customer.id, order.id, later)).toBe(0)
		await debit(customer.id, 50, { now: later })
		expect(await refund(customer.id, order.id, daysFrom(later, 1))).toBe(0)
		expect(await db.prisma.coinLot.count()).toBe(lots)
		expect(await balance(customer.id, later)).toBe(650)
	})

	// Regression: refunds were classified in table order, so a reordered table refunded twice.
	test('refunding twice stays a single refund whatever order the database returns the entries in', async ({ db }) => {
		const { customer, order } = await chargedOrder(db)
		expect(await refund(customer.id, order.id)).toBe(300)
		await db.withSql((sql) => sql.exec(`UPDATE "CoinLedgerEntry" SET "reason" = "reason" WHERE "kind" = 'order_charge'; ANALYZE "CoinLedgerEntry"`))
		expect(await refund(customer.id, order.id)).toBe(0)
		expect(await balance(customer.id)).toBe(700)
	})

	test('an order that was never charged refunds 0', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const order = await createOrder(db, customer.id)
		expect(await refund(customer.id, order.id)).toBe(0)
		expect(await db.prisma.coinLedgerEntry.count()).toBe(0)
	})
})
