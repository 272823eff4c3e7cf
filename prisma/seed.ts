import type { PrismaClient } from '#app/generated/prisma/client.ts'
import type { BaseModelFamily, ConceptType, OrderStatus, Role } from '#app/generated/prisma/enums.ts'
import { DEFAULT_SETTINGS, FAMILY_INFO } from '#app/orders/catalog.ts'
import { currentPolicy } from '#app/policies/documents.server.ts'
import { seedDemoMoney } from './seed-money.ts'

// Demo data for the embedded database and for `npm run db:seed`. Every row has a fixed
// key and is upserted, so seeding twice changes nothing.

export const DEMO_ACCOUNTS: ReadonlyArray<{ id: string; email: string; displayName: string; role: Role }> = [
	{ id: 'demo-customer', email: 'customer@demo.lorica.example', displayName: 'Casey Customer', role: 'customer' },
	{ id: 'demo-support', email: 'support@demo.lorica.example', displayName: 'Sam Support', role: 'support' },
	{ id: 'demo-dpo', email: 'dpo@demo.lorica.example', displayName: 'Dana DPO', role: 'dpo' },
	{ id: 'demo-admin', email: 'admin@demo.lorica.example', displayName: 'Alex Admin', role: 'admin' },
]

type DemoOrder = {
	id: string
	baseModel: BaseModelFamily
	conceptType: ConceptType
	conceptDescription: string
	triggerWords: string[]
	priceCoins: number | null
	paidWith?: 'coins' | 'card'
	/** The path the order took, oldest first; the last entry is its current status. */
	path: OrderStatus[]
	daysAgo: number
}

const DEMO_ORDERS: DemoOrder[] = [
	{
		id: 'demo-order-draft',
		baseModel: 'flux1_dev',
		conceptType: 'character',
		conceptDescription: 'Brass automaton detective from an original comic',
		triggerWords: ['brassdet'],
		priceCoins: null,
		path: ['draft'],
		daysAgo: 0,
	},
	{
		id: 'demo-order-awaiting',
		baseModel: 'sdxl',
		conceptType: 'style',
		conceptDescription: 'Watercolour style of my own sketchbook',
		triggerWords: ['mywtrclr'],
		priceCoins: 380,
		path: ['draft', 'awaiting_payment'],
		daysAgo: 1,
	},
	{
		id: 'demo-order-training',
		baseModel: 'flux1_dev',
		conceptType: 'object',
		conceptDescription: 'Hand-made ceramic teapot I designed',
		triggerWords: ['tpt01'],
		priceCoins: 400,
		paidWith: 'coins',
		path: ['draft', 'awaiting_payment', 'paid', 'queued', 'submitted', 'training'],
		daysAgo: 2,
	},
	{
		id: 'demo-order-completed',
		baseModel: 'sd15',
		conceptType: 'character',
		conceptDescription: 'Fox knight mascot of our studio',
		triggerWords: ['foxknt', 'fox_knight'],
		priceCoins: 230,
		paidWith: 'card',
		path: ['draft', 'awaiting_payment', 'paid', 'queued', 'submitted', 'training', 'completed'],
		daysAgo: 12,
	},
	{
		id: 'demo-order-failed',
		baseModel: 'wan21',
		conceptType: 'style',
		conceptDescription: 'Paper-cut animation style from our short film',
		triggerWords: ['papercut'],
		priceCoins: 1400,
		paidWith: 'coins',
		path: ['draft', 'awaiting_payment', 'paid', 'queued', 'submitted', 'failed', 'refunded'],
		daysAgo: 20,
	},
]

export async function seedDemo(prisma: PrismaClient, onProgress: (message: string) => void = () => {}) {
	const total = DEMO_ACCOUNTS.length + DEMO_ORDERS.length
	let done = 0
	const step = (what: string) => onProgress(`seeded ${what} (${++done}/${total})`)

	for (const account of DEMO_ACCOUNTS) {
		await prisma.user.upsert({
			where: { email: account.email },
			create: account,
			update: { role: account.role, displayName: account.displayName },
			select: { id: true },
		})
		step(`${account.role} account`)
	}

	const customer = DEMO_ACCOUNTS[0]!
	// The demo customer signed up under the Terms and Privacy Policy in the repository.
	for (const kind of ['terms', 'privacy'] as const) {
		const version = currentPolicy(kind)?.version
		if (!version) continue
		const accepted = await prisma.policyAcceptance.findFirst({ where: { userId: customer.id, kind, version }, select: { id: true } })
		if (!accepted) await prisma.policyAcceptance.create({ data: { userId: customer.id, kind, version, context: 'signup' }, select: { id: true } })
	}
	for (const order of DEMO_ORDERS) {
		const createdAt = new Date(Date.now() - order.daysAgo * 86_400_000)
		const status = order.path.at(-1)!
		await prisma.$transaction(async (tx) => {
			const existing = await tx.order.findUnique({ where: { id: order.id }, select: { id: true } })
			if (existing) return
			await tx.order.create({
				data: {
					id: order.id,
					customerId: customer.id,
					status,
					baseModel: order.baseModel,
					conceptType: order.conceptType,
					conceptDescription: order.conceptDescription,
					triggerWords: order.triggerWords,
					priceCoins: order.priceCoins,
					settings: DEFAULT_SETTINGS[order.baseModel],
					provider: FAMILY_INFO[order.baseModel].provider,
					wizardStep: order.path.length > 1 ? 5 : 2,
					attestedAt: order.path.length > 1 ? createdAt : null,
					termsVersion: order.path.length > 1 ? (currentPolicy('terms')?.version ?? null) : null,
					paidWith: order.paidWith ?? null,
					paidAt: order.paidWith ? new Date(createdAt.getTime() + 2 * 3_600_000) : null,
					createdAt,
					statusChanges: {
						create: order.path.map((to, index) => ({
							from: index === 0 ? null : order.path[index - 1]!,
							to,
							at: new Date(createdAt.getTime() + index * 3_600_000),
						})),
					},
				},
				select: { id: true },
			})
		})
		step(`order ${order.id} (${status})`)
	}
	await seedDemoMoney(prisma, customer.id, onProgress)
	return { accounts: DEMO_ACCOUNTS.length, orders: DEMO_ORDERS.length }
}
