import { prisma } from '#app/db/db.server.ts'
import { sendMail } from '#app/mail/mail.server.ts'
import { describePeriod } from '#app/privacy/periods.server.ts'
import { log } from '#app/utils/logger.server.ts'
import { absoluteUrl } from '#app/utils/trusted-origin.server.ts'
import { lockWallet } from './ledger.server.ts'

// The daily coin job: lots past their expiry lose what is left in them (an `expiry` entry,
// never a deleted row), and customers hear 14 days ahead. The warning is claimed before
// it is sent (expiryWarnedAt), so parallel runs never send it twice; a failed send releases
// the claim for the next run.

export const EXPIRY_WARNING_DAYS = 14
const LOT_AGE = describePeriod('coinLifetime')

type LotRemaining = { id: string; userId: string; remaining: number; expiresAt: Date }

async function lotsWithCoins(where: { expiredBy?: Date; expiringBetween?: [Date, Date] }) {
	const rows = await prisma.$queryRaw<Array<{ id: string; userId: string; remaining: bigint | number; expiresAt: Date }>>`
		SELECT l."id", l."userId", SUM(e."amount") AS "remaining", l."expiresAt"
		FROM "CoinLot" l JOIN "CoinLedgerEntry" e ON e."lotId" = l."id"
		WHERE l."userId" IS NOT NULL
			AND (${where.expiredBy ?? null}::timestamp IS NULL OR l."expiresAt" <= ${where.expiredBy ?? null}::timestamp)
			AND (${where.expiringBetween?.[0] ?? null}::timestamp IS NULL
				OR (l."expiresAt" > ${where.expiringBetween?.[0] ?? null}::timestamp AND l."expiresAt" <= ${where.expiringBetween?.[1] ?? null}::timestamp AND l."expiryWarnedAt" IS NULL))
		GROUP BY l."id"
		HAVING SUM(e."amount") > 0
		ORDER BY l."expiresAt"`
	return rows.map((row): LotRemaining => ({ ...row, remaining: Number(row.remaining) }))
}

/** Writes an expiry entry for every expired lot that still holds coins. */
export async function expireLots(now = new Date(), onProgress?: (done: number, total: number) => void) {
	const lots = await lotsWithCoins({ expiredBy: now })
	let expired = 0
	for (const [index, lot] of lots.entries()) {
		const written = await prisma.$transaction(async (tx) => {
			await lockWallet(tx, lot.userId)
			// Re-read under the lock: a refund or another run may have changed the lot.
			const sum = await tx.coinLedgerEntry.aggregate({ where: { lotId: lot.id }, _sum: { amount: true } })
			const remaining = sum._sum.amount ?? 0
			if (remaining <= 0) return 0
			await tx.coinLedgerEntry.create({
				data: { userId: lot.userId, lotId: lot.id, kind: 'expiry', amount: -remaining, reason: `Coins bought ${LOT_AGE} ago expired` },
				select: { id: true },
			})
			return remaining
		})
		if (written) expired += 1
		onProgress?.(index + 1, lots.length)
	}
	return { lots: expired }
}

/** One e-mail per customer listing their lots that expire within 14 days. */
export async function warnExpiringLots(now = new Date()) {
	const until = new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000)
	const lots = await lotsWithCoins({ expiringBetween: [now, until] })
	const byUser = new Map<string, LotRemaining[]>()
	for (const lot of lots) byUser.set(lot.userId, [...(byUser.get(lot.userId) ?? []), lot])
	let sent = 0
	for (const [userId, userLots] of byUser) {
		const ids = userLots.map((lot) => lot.id)
		// Only the lots this run claimed: another run may have claimed (and mailed) some of them.
		const claimed = await prisma.$queryRaw<Array<{ id: string }>>`
			UPDATE "CoinLot" SET "expiryWarnedAt" = ${now} WHERE "id" = ANY(${ids}::text[]) AND "expiryWarnedAt" IS NULL RETURNING "id"`
		const mine = new Set(claimed.map((row) => row.id))
		const lotsToMail = userLots.filter((lot) => mine.has(lot.id))
		if (!lotsToMail.length) continue
		try {
			await sendExpiryWarning(userId, lotsToMail)
			sent += 1
		} catch (error) {
			await prisma.coinLot.updateMany({ where: { id: { in: [...mine] }, expiryWarnedAt: now }, data: { expiryWarnedAt: null } })
			log.error('coin expiry warning not sent; retried on the next run', { error: error instanceof Error ? error.message : String(error) })
		}
	}
	return { customers: sent }
}

async function sendExpiryWarning(userId: string, lots: LotRemaining[]) {
	const user = await prisma.user.findUnique({ where: { id: userId }, select: { email: true } })
	if (!user) return
	const total = lots.reduce((sum, lot) => sum + lot.remaining, 0)
	const wallet = absoluteUrl('/wallet')
	await sendMail({
		to: user.email,
		category: 'transactional',
		subject: `${total} of your Lorica coins expire soon`,
		text: [
			`${total} coins in your Lorica wallet expire within ${EXPIRY_WARNING_DAYS} days:`,
			'',
			...lots.map((lot) => `- ${lot.remaining} coins on ${lot.expiresAt.toISOString().slice(0, 10)}`),
			'',
			`Coins expire ${LOT_AGE} after purchase; orders always spend the coins that expire first.`,
			`Your wallet: ${wallet}`,
		].join('\n'),
	})
}

export async function runCoinExpiryJob(now = new Date(), options: { dryRun?: boolean; progress?: (message: string) => void } = {}) {
	if (options.dryRun) {
		const until = new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000)
		const warning = await lotsWithCoins({ expiringBetween: [now, until] })
		const expiring = await lotsWithCoins({ expiredBy: now })
		return { warned: new Set(warning.map((lot) => lot.userId)).size, expired: expiring.length, coinsToExpire: expiring.reduce((sum, lot) => sum + lot.remaining, 0) }
	}
	const warned = await warnExpiringLots(now)
	options.progress?.(`warned ${warned.customers} customer(s)`)
	const expired = await expireLots(now, (done, total) => options.progress?.(`expired lots ${done}/${total}`))
	return { warned: warned.customers, expired: expired.lots }
}
