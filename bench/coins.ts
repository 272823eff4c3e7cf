import { addMonths, creditLot, debitCoins } from '#app/coins/ledger.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { applyMigrations } from '#app/db/migrations.server.ts'
import { MIGRATIONS } from '../scripts/lib/paths.ts'
import { onBothDatabases, time } from './lib.ts'

// The price of a safe coin spend (customer row lock, oldest-lot-first from summed entries,
// a trigger that re-checks the lot) against a plain insert of one ledger-like row, and how
// concurrent spenders of one customer queue behind each other versus of many customers.

const SPENDS = Number(process.env.BENCH_SPENDS ?? 300)

async function customer(database: Database, name: string, lots: number) {
	const user = await database.prisma.user.create({ data: { email: `${name}-${Date.now()}@bench.test` }, select: { id: true } })
	for (let i = 0; i < lots; i++)
		await database.prisma.$transaction((tx) => creditLot(tx, { userId: user.id, coins: 1000, source: 'purchase', kind: 'top_up', expiresAt: addMonths(new Date(), 12 - (i % 6)) }))
	return user.id
}

async function measure(label: string, database: Database) {
	await applyMigrations(database, MIGRATIONS)
	await database.withSql((sql) => sql.exec('CREATE TABLE IF NOT EXISTS bench_plain_coins (id serial primary key, user_id text, amount int, at timestamptz)'))
	const one = await customer(database, 'one', 10)
	const plain = await time(async () => {
		for (let i = 0; i < SPENDS; i++) await database.prisma.$executeRaw`INSERT INTO bench_plain_coins (user_id, amount, at) VALUES (${one}, -1, now())`
	})
	const safe = await time(async () => {
		for (let i = 0; i < SPENDS; i++) {
			await database.prisma.$transaction((tx) => debitCoins(tx, { userId: one, coins: 1, kind: 'adjustment', reason: 'bench' }))
			if (i % 50 === 49) process.stdout.write(`\r  ${label}: ${i + 1}/${SPENDS} spends`)
		}
	})
	process.stdout.write('\n')
	console.log(`  ${label}: plain insert ${(plain.ms / SPENDS).toFixed(2)} ms (baseline), locked lot spend ${(safe.ms / SPENDS).toFixed(2)} ms ×${(safe.ms / plain.ms).toFixed(2)}`)
	const many = await Promise.all(Array.from({ length: 8 }, (_, i) => customer(database, `many${i}`, 2)))
	const sameCustomer = await time(() => Promise.all(Array.from({ length: 40 }, () => database.prisma.$transaction((tx) => debitCoins(tx, { userId: one, coins: 1, kind: 'adjustment' })))))
	const manyCustomers = await time(() =>
		Promise.all(Array.from({ length: 40 }, (_, i) => database.prisma.$transaction((tx) => debitCoins(tx, { userId: many[i % many.length]!, coins: 1, kind: 'adjustment' })))),
	)
	console.log(`  ${label}: 40 concurrent spends, one customer ${sameCustomer.ms.toFixed(0)} ms (baseline), eight customers ${manyCustomers.ms.toFixed(0)} ms ×${(manyCustomers.ms / sameCustomer.ms).toFixed(2)}`)
}

export async function benchCoins() {
	console.log(`\nCoin spends (${SPENDS} sequential, then 40 concurrent)`)
	await onBothDatabases('coins', measure, 8)
}
