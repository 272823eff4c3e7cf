import { recordAudit, type AuditActor } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { addMonths, creditLot, debitCoins, LOT_LIFETIME_MONTHS } from './ledger.server.ts'

// Staff corrections of a wallet: goodwill credits or taking back coins credited by mistake.
// Every adjustment names its reason in the ledger and in the audit log; a negative one
// cannot take more than the customer has.

export async function adjustCoins(actor: NonNullable<AuditActor>, input: { email: string; coins: number; reason: string }) {
	const customer = await prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() }, select: { id: true, role: true } })
	if (!customer || customer.role !== 'customer') throw new UserFacingError(`No customer account uses ${input.email}.`, 404)
	await prisma.$transaction(async (tx) => {
		if (input.coins > 0)
			await creditLot(tx, { userId: customer.id, coins: input.coins, source: 'adjustment', kind: 'adjustment', reason: input.reason, actorId: actor.id, expiresAt: addMonths(new Date(), LOT_LIFETIME_MONTHS) })
		else await debitCoins(tx, { userId: customer.id, coins: -input.coins, kind: 'adjustment', reason: input.reason, actorId: actor.id })
		await recordAudit(tx, { actor, action: 'coins.adjusted', target: { type: 'user', id: customer.id }, detail: { coins: input.coins, reason: input.reason } })
	})
	return customer.id
}

export function recentAdjustments(take = 50) {
	return prisma.coinLedgerEntry.findMany({
		where: { kind: 'adjustment' },
		select: { id: true, amount: true, reason: true, actorId: true, createdAt: true, user: { select: { email: true } } },
		orderBy: { createdAt: 'desc' },
		take,
	})
}
