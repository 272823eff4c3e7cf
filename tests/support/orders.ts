import type { Database } from '#app/db/database.server.ts'
import type { TestUser } from './auth.ts'

/** An order that has been through every wizard step and waits for payment. */
export async function readyOrder(db: Database, customer: TestUser, options: { priceCoins?: number; provider?: string } = {}) {
	const order = await db.prisma.order.create({
		data: {
			customerId: customer.id,
			baseModel: 'flux1_dev',
			conceptType: 'character',
			conceptDescription: 'A brass robot detective',
			triggerWords: ['brassbot'],
			priceCoins: options.priceCoins ?? 400,
			wizardStep: 5,
			attestedAt: new Date(),
			provider: options.provider,
			statusChanges: { create: { from: null, to: 'draft' } },
		},
		select: { id: true },
	})
	return order.id
}
