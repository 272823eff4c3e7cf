import { z } from 'zod'
import { prisma } from '#app/db/db.server.ts'
import { COIN_BUNDLES, isBundleId } from '#app/orders/catalog.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { liveLots } from './ledger.server.ts'

// What the wallet page shows and changes: balance by lot, the ledger, coin purchases with
// their invoices, and the automatic top-up settings.

export async function walletOverview(userId: string) {
	const [lots, entries, purchases, wallet] = await Promise.all([
		liveLots(prisma, userId),
		prisma.coinLedgerEntry.findMany({
			where: { userId },
			select: { id: true, kind: true, amount: true, reason: true, orderId: true, createdAt: true },
			orderBy: { createdAt: 'desc' },
			take: 100,
		}),
		prisma.payment.findMany({
			where: { userId, purpose: { in: ['coins', 'auto_top_up'] }, status: { not: 'expired' } },
			select: { id: true, purpose: true, status: true, mode: true, coins: true, amountTotal: true, currency: true, invoiceNumber: true, createdAt: true, paidAt: true, failureReason: true },
			orderBy: { createdAt: 'desc' },
			take: 50,
		}),
		prisma.wallet.findUnique({
			where: { userId },
			select: { paymentMethodId: true, autoTopUp: true, autoTopUpThreshold: true, autoTopUpBundle: true, autoTopUpFailedAt: true, autoTopUpFailure: true },
		}),
	])
	return { balance: lots.reduce((sum, lot) => sum + lot.remaining, 0), lots, entries, purchases, wallet }
}

export const autoTopUpSchema = z.object({
	enabled: z.boolean(),
	threshold: z.coerce
		.number({ error: 'The threshold must be a number of coins' })
		.int('The threshold must be a whole number of coins')
		.min(100, 'The threshold must be between 100 and 10,000 coins')
		.max(10_000, 'The threshold must be between 100 and 10,000 coins'),
	bundle: z.string().refine(isBundleId, `Choose one of the bundles: ${Object.keys(COIN_BUNDLES).join(', ')}`),
})

export async function updateAutoTopUp(userId: string, settings: z.infer<typeof autoTopUpSchema>) {
	const wallet = await prisma.wallet.findUnique({ where: { userId }, select: { paymentMethodId: true } })
	if (settings.enabled && !wallet?.paymentMethodId) throw new UserFacingError('Save a card first: automatic top-ups charge a saved card.', 422)
	await prisma.wallet.upsert({
		where: { userId },
		create: { userId, autoTopUp: settings.enabled, autoTopUpThreshold: settings.threshold, autoTopUpBundle: settings.bundle },
		update: { autoTopUp: settings.enabled, autoTopUpThreshold: settings.threshold, autoTopUpBundle: settings.bundle, ...(settings.enabled ? { autoTopUpFailedAt: null, autoTopUpFailure: null } : {}) },
		select: { userId: true },
	})
}

/** Forgets the saved card here; the card also stays removable in Stripe's customer portal. */
export async function forgetCard(userId: string) {
	await prisma.wallet.updateMany({ where: { userId }, data: { paymentMethodId: null, autoTopUp: false } })
}
