import type { CoinEntryKind, Prisma } from '#app/generated/prisma/client.ts'
import type { Duration } from '#app/privacy/data-map-schema.ts'
import { period } from '#app/privacy/periods.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

// The coin wallet is a ledger, not a balance column: every movement is an entry against one
// lot, a lot's remaining coins and the wallet balance are sums. Spending takes a row lock
// on the customer so two concurrent charges cannot both see the same coins; a trigger
// (coin_lot_not_negative) refuses any lot going below zero whatever writes the ledger.

type Tx = Prisma.TransactionClient

/** The commercial term of the Terms (not how long the ledger is kept: that is the coin_lots retention rule). */
export const LOT_LIFETIME_MONTHS: number = lifetimeInMonths(period('coinLifetime'))
/** Coins refunded into a lot that has already expired come back with this much time to use them. */
export const REFUND_GRACE_DAYS = 30

export class InsufficientCoinsError extends UserFacingError {
	constructor(
		readonly balance: number,
		readonly needed: number,
	) {
		super(`This needs ${needed} coins and your balance is ${balance}. Buy coins or pay by card.`, 402)
	}
}

export type LiveLot = { id: string; remaining: number; expiresAt: Date; acquiredAt: Date }

function lifetimeInMonths(lifetime: Duration) {
	if (lifetime.unit === 'months') return lifetime.amount
	if (lifetime.unit === 'years') return lifetime.amount * 12
	throw new Error(`the coin lifetime must be in months or years, not ${lifetime.unit}`)
}

export function addMonths(date: Date, months: number) {
	const result = new Date(date)
	result.setUTCMonth(result.getUTCMonth() + months)
	return result
}

/** Serialises every coin movement of one customer (the row lock lasts until commit). */
export async function lockWallet(tx: Tx, userId: string) {
	const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "User" WHERE "id" = ${userId} FOR UPDATE`
	if (!rows.length) throw new UserFacingError('This account does not exist.', 404)
}

/** Lots with coins left, the soonest to expire first: the order in which coins are spent. */
export async function liveLots(tx: Tx, userId: string, now = new Date()): Promise<LiveLot[]> {
	const rows = await tx.$queryRaw<Array<{ id: string; remaining: bigint | number; expiresAt: Date; acquiredAt: Date }>>`
		SELECT l."id", SUM(e."amount") AS "remaining", l."expiresAt", l."acquiredAt"
		FROM "CoinLot" l JOIN "CoinLedgerEntry" e ON e."lotId" = l."id"
		WHERE l."userId" = ${userId} AND l."expiresAt" > ${now}
		GROUP BY l."id"
		HAVING SUM(e."amount") > 0
		ORDER BY l."expiresAt", l."acquiredAt", l."id"`
	return rows.map((row) => ({ ...row, remaining: Number(row.remaining) }))
}

/** What can be spent now: coins in lots that have not expired. */
export async function coinBalance(tx: Tx, userId: string, now = new Date()) {
	const lots = await liveLots(tx, userId, now)
	return lots.reduce((sum, lot) => sum + lot.remaining, 0)
}

type CreditInput = {
	userId: string
	coins: number
	source: 'purchase' | 'refund' | 'adjustment'
	kind: Extract<CoinEntryKind, 'top_up' | 'refund' | 'adjustment'>
	expiresAt: Date
	paymentId?: string
	orderId?: string
	reason?: string
	actorId?: string
	now?: Date
}

/** A new lot and the entry that fills it. */
export async function creditLot(tx: Tx, input: CreditInput) {
	if (!Number.isInteger(input.coins) || input.coins <= 0) throw new UserFacingError('The number of coins must be a whole number above zero.')
	await lockWallet(tx, input.userId)
	const lot = await tx.coinLot.create({
		data: {
			userId: input.userId,
			source: input.source,
			coins: input.coins,
			paymentId: input.paymentId ?? null,
			acquiredAt: input.now ?? new Date(),
			expiresAt: input.expiresAt,
		},
		select: { id: true },
	})
	await tx.coinLedgerEntry.create({
		data: {
			userId: input.userId,
			lotId: lot.id,
			kind: input.kind,
			amount: input.coins,
			paymentId: input.paymentId ?? null,
			orderId: input.orderId ?? null,
			reason: input.reason ?? null,
			actorId: input.actorId ?? null,
			createdAt: input.now,
		},
		select: { id: true },
	})
	return lot
}

type DebitInput = {
	userId: string
	coins: number
	kind: Extract<CoinEntryKind, 'order_charge' | 'adjustment'>
	orderId?: string
	reason?: string
	actorId?: string
	now?: Date
}

/** Takes coins from the lots that expire soonest; all or nothing. */
export async function debitCoins(tx: Tx, input: DebitInput) {
	if (!Number.isInteger(input.coins) || input.coins <= 0) throw new UserFacingError('The number of coins must be a whole number above zero.')
	await lockWallet(tx, input.userId)
	const lots = await liveLots(tx, input.userId, input.now)
	const balance = lots.reduce((sum, lot) => sum + lot.remaining, 0)
	if (balance < input.coins) throw new InsufficientCoinsError(balance, input.coins)
	let left = input.coins
	for (const lot of lots) {
		if (left === 0) break
		const take = Math.min(left, lot.remaining)
		left -= take
		await tx.coinLedgerEntry.create({
			data: {
				userId: input.userId,
				lotId: lot.id,
				kind: input.kind,
				amount: -take,
				orderId: input.orderId ?? null,
				reason: input.reason ?? null,
				actorId: input.actorId ?? null,
				createdAt: input.now,
			},
			select: { id: true },
		})
	}
	return { balanceAfter: balance - input.coins }
}

/**
 * Gives back what an order was charged and has not been refunded yet, into the lots it
 * came from so a refund neither extends nor shortens the coins' life; coins whose lot has
 * expired meanwhile come back in a new lot with REFUND_GRACE_DAYS to use them. Returns the
 * coins refunded (0 when everything was already refunded: safe to call twice).
 */
export async function refundOrderCoins(tx: Tx, input: { userId: string; orderId: string; reason: string; actorId?: string; now?: Date }) {
	const now = input.now ?? new Date()
	await lockWallet(tx, input.userId)
	const entries = await tx.coinLedgerEntry.findMany({
		where: { orderId: input.orderId, userId: input.userId, kind: { in: ['order_charge', 'refund'] } },
		select: { lotId: true, amount: true, kind: true, lot: { select: { expiresAt: true } } },
	})
	// Charges first: a refund entry into a lot the order was never charged from went into a
	// grace lot, and settles coins that came from an expired one.
	const owed = new Map<string, { coins: number; expiresAt: Date }>()
	for (const entry of entries.filter((row) => row.kind === 'order_charge')) {
		const current = owed.get(entry.lotId) ?? { coins: 0, expiresAt: entry.lot.expiresAt }
		current.coins -= entry.amount
		owed.set(entry.lotId, current)
	}
	let expiredCoins = 0
	for (const entry of entries.filter((row) => row.kind === 'refund')) {
		const charged = owed.get(entry.lotId)
		if (charged) charged.coins -= entry.amount
		else expiredCoins -= entry.amount
	}
	let refunded = 0
	for (const [lotId, { coins, expiresAt }] of owed) {
		if (coins <= 0) continue
		if (expiresAt <= now) {
			expiredCoins += coins
			continue
		}
		await tx.coinLedgerEntry.create({
			data: { userId: input.userId, lotId, kind: 'refund', amount: coins, orderId: input.orderId, reason: input.reason, actorId: input.actorId ?? null, createdAt: input.now },
			select: { id: true },
		})
		refunded += coins
	}
	if (expiredCoins > 0) {
		await creditLot(tx, {
			userId: input.userId,
			coins: expiredCoins,
			source: 'refund',
			kind: 'refund',
			orderId: input.orderId,
			reason: input.reason,
			actorId: input.actorId,
			expiresAt: new Date(now.getTime() + REFUND_GRACE_DAYS * 86_400_000),
			now,
		})
		refunded += expiredCoins
	}
	return refunded
}
