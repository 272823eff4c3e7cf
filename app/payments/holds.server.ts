import { recordAudit } from '#app/audit/audit.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'

// A card dispute is a legal claim: the order and the customer's data it concerns must
// survive retention and erasure until it is settled. One hold row per dispute, keyed by the
// dispute id, so created/closed events in any order and any number of times converge.

type Tx = Prisma.TransactionClient

type DisputeHold = { disputeId: string; userId: string | null; orderId: string | null; reason: string }

/** Returns false when the hold for this dispute already exists (a replay, or closed came first). */
export async function placeDisputeHold(tx: Tx, input: DisputeHold) {
	const existing = await tx.legalHold.findUnique({ where: { source_reference: { source: 'dispute', reference: input.disputeId } }, select: { id: true } })
	if (existing) return false
	const hold = await tx.legalHold.create({
		data: { source: 'dispute', reference: input.disputeId, userId: input.userId, orderId: input.orderId, reason: `Card dispute (${input.reason})` },
		select: { id: true },
	})
	await recordAudit(tx, { actor: null, action: 'hold.placed', target: { type: 'legal_hold', id: hold.id }, detail: { source: 'dispute', orderId: input.orderId } })
	return true
}

export async function releaseDisputeHold(tx: Tx, input: DisputeHold & { outcome: string }) {
	const now = new Date()
	const existing = await tx.legalHold.findUnique({
		where: { source_reference: { source: 'dispute', reference: input.disputeId } },
		select: { id: true, releasedAt: true },
	})
	if (existing?.releasedAt) return
	const releaseNote = `Dispute closed: ${input.outcome}`
	const hold = existing
		? await tx.legalHold.update({ where: { id: existing.id }, data: { releasedAt: now, releaseNote }, select: { id: true } })
		: await tx.legalHold.create({
				data: {
					source: 'dispute',
					reference: input.disputeId,
					userId: input.userId,
					orderId: input.orderId,
					reason: `Card dispute (${input.reason})`,
					placedAt: now,
					releasedAt: now,
					releaseNote,
				},
				select: { id: true },
			})
	await recordAudit(tx, { actor: null, action: 'hold.released', target: { type: 'legal_hold', id: hold.id }, detail: { source: 'dispute', outcome: input.outcome } })
}

/** Live holds on an order or on its customer: what retention and erasure must skip. */
export function activeHolds(tx: Pick<Tx, 'legalHold'>, where: { orderId?: string; userId?: string }) {
	return tx.legalHold.findMany({
		where: { releasedAt: null, OR: [...(where.orderId ? [{ orderId: where.orderId }] : []), ...(where.userId ? [{ userId: where.userId }] : [])] },
		select: { id: true, source: true, reason: true, placedAt: true, orderId: true },
		orderBy: { placedAt: 'asc' },
	})
}
