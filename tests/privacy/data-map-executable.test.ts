import fs from 'node:fs'
import { FILE_KINDS } from '#app/files/file-store.server.ts'
import type { Prisma } from '#app/generated/prisma/client.ts'
import { dataMapSchema, type DatabaseStorage, type DataCategory, type DataMap } from '#app/privacy/data-map-schema.ts'
import { category, getDataMap } from '#app/privacy/data-map.server.ts'
import { checkExecutable } from '#app/privacy/executable-map.server.ts'
import { parsePrismaSchema, readPrismaSchema } from '#app/privacy/prisma-schema.server.ts'
import { refundOrder } from '#app/payments/refunds.server.ts'
import * as orderPage from '#app/routes/orders.$orderId.tsx'
import { describe, expect, test } from '#tests/db.ts'
import { createUser, get, signIn } from '#tests/support/auth.ts'
import { callRoute, routeArgs } from '#tests/support/route.ts'

// The data map as the engines will execute it: checked against prisma/schema.prisma (types,
// nullability, onDelete) and, for its scope predicates, against a real database.

const SCHEMA_TEXT = fs.readFileSync('prisma/schema.prisma', 'utf8')

/** A copy of the map with one storage entry of one category changed. */
function withEntry(map: DataMap, id: string, model: string, change: (storage: DatabaseStorage) => DatabaseStorage): DataMap {
	return {
		...map,
		categories: map.categories.map((item) =>
			item.id === id ? { ...item, storage: item.storage.map((storage) => (storage.kind === 'database' && storage.model === model ? change(storage) : storage)) } : item,
		),
	}
}

function withCategory(map: DataMap, id: string, change: (item: DataCategory) => DataCategory): DataMap {
	return { ...map, categories: map.categories.map((item) => (item.id === id ? change(item) : item)) }
}

describe('the executable data map', () => {
	test('agrees with the Prisma schema: clocks, anonymisation, cascades, delete order, subject links, holds', () => {
		const schema = readPrismaSchema()
		// The parser sees what the checks rely on; an empty parse would pass everything.
		expect(schema.Order?.customerId).toMatchObject({ type: 'String', optional: true })
		expect(schema.Order?.customer?.relation).toEqual({ model: 'User', fields: ['customerId'], onDelete: 'Restrict' })
		expect(schema.SourceImage?.order?.relation?.onDelete).toBe('Cascade')
		expect(checkExecutable(getDataMap(), schema)).toEqual([])
	})

	test('a clock on a text column and an anonymised field that cannot be null are reported by name', () => {
		const map = getDataMap()
		const schema = readPrismaSchema()
		const textClock = withEntry(map, 'source_images', 'SourceImage', (storage) => ({ ...storage, clock: { columns: ['displayName'] } }))
		expect(checkExecutable(textClock, schema)).toEqual(['source_images (SourceImage): clock column SourceImage.displayName is String, not DateTime'])

		const nulled = withEntry(map, 'orders', 'Order', (storage) => ({ ...storage, anonymise: { ...storage.anonymise, conceptDescription: 'null' } }))
		expect(checkExecutable(nulled, schema)).toEqual(['orders (Order): Order.conceptDescription is anonymised to null but is not nullable; give a replacement'])

		const missing = withEntry(map, 'orders', 'Order', (storage) => {
			const { triggerWords: _dropped, ...rest } = storage.anonymise!
			return { ...storage, anonymise: rest }
		})
		expect(checkExecutable(missing, schema)).toEqual(['orders (Order): anonymised, but Order.triggerWords has no strategy (null, a replacement, keyed_hash or keep)'])

		const linked = withEntry(map, 'coin_lots', 'CoinLot', (storage) => ({ ...storage, anonymise: { ...storage.anonymise, userId: 'keep' } }))
		expect(checkExecutable(linked, schema)).toEqual(['coin_lots (CoinLot): anonymised rows keep CoinLot.userId, the link to the person; set it to null or a keyed hash'])
	})

	test('the contradiction of a required Order.customerId and anonymised orders is caught', () => {
		const required = parsePrismaSchema(SCHEMA_TEXT.replace(/^ {2}customerId {9}String\?$/m, '  customerId         String'))
		expect(required.Order?.customerId?.optional).toBe(false)
		expect(checkExecutable(getDataMap(), required)).toEqual(['orders (Order): Order.customerId is anonymised to null but is not nullable; give a replacement'])
	})

	test('a cascade that would delete anonymised rows, and a delete order that ignores a restricting reference, are reported', () => {
		const map = getDataMap()
		const cascading = parsePrismaSchema(SCHEMA_TEXT.replace('order                   Order?         @relation(fields: [orderId], references: [id], onDelete: SetNull)', 'order                   Order?         @relation(fields: [orderId], references: [id], onDelete: Cascade)'))
		expect(cascading.Payment?.order?.relation?.onDelete).toBe('Cascade')
		expect(checkExecutable(map, cascading)).toEqual(['payments (Payment): anonymised, but deleting Order rows (category unpaid_orders) cascades to them (onDelete: Cascade)'])

		const unordered = withCategory(map, 'account', (item) => ({ ...item, deleteOrder: ['User'] }))
		expect(checkExecutable(unordered, readPrismaSchema())).toEqual([
			'account: deleting User fails while Order rows reference it (onDelete: Restrict); list Order before User in the delete order',
		])
	})

	test('a field no subject link reaches, and a hold the links cannot serve, are reported', () => {
		const map = getDataMap()
		const orphan = withEntry(map, 'source_images', 'SourceImage', (storage) => ({ ...storage, subject: [{ field: 'orderId', to: 'Basket' }] }))
		expect(checkExecutable(orphan, readPrismaSchema())).toEqual([
			'source_images (SourceImage): subject link SourceImage.orderId → Basket names neither a model nor an identifier (consent_subject, email, keyed_hash)',
			'source_images (SourceImage): subject link SourceImage.orderId → Basket, but the relation points at Order',
			'source_images (SourceImage): no subject link leads from SourceImage to User or an identifier, so its fields displayName, caption, sha256, format, width, height, bytes, uploadedAt cannot be found for a person',
			'source_images (SourceImage): customer holds apply, but no subject link leads to User',
			'source_images (SourceImage): order holds apply, but no subject link leads to Order',
		])
		const heldLogins = withCategory(map, 'sign_in_requests', (item) => ({ ...item, holds: ['order'] }))
		expect(checkExecutable(heldLogins, readPrismaSchema())).toEqual(['sign_in_requests (LoginChallenge): order holds apply, but no subject link leads to Order'])
	})

	test('file storage names only kinds the file store has', () => {
		const map = getDataMap()
		const kinds = map.categories.flatMap((item) => item.storage.flatMap((storage) => (storage.kind === 'file' ? [storage.fileKind] : [])))
		expect(new Set(kinds)).toEqual(new Set(FILE_KINDS))
		const thumbnail = { ...map, categories: [{ ...map.categories[0]!, storage: [{ kind: 'file', fileKind: 'thumbnail' }] }] }
		const issue = dataMapSchema.safeParse(thumbnail).error?.issues[0]
		expect(issue?.path).toEqual(['categories', 0, 'storage', 0, 'fileKind'])
		expect(issue?.message).toContain('"source_image"')
	})

	test('category(id) finds a category by its literal id; a misspelt id does not compile', () => {
		expect(category('source_images').retention.duration).toEqual({ amount: 30, unit: 'days' })
		// @ts-expect-error — 'source_image' is not a category id
		expect(() => category('source_image')).toThrow('the data map has no category source_image')
	})
})

describe('scope predicates on the database', () => {
	test('every where is a valid Prisma where for its model, and the scopes of one model split its rows', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const base = { customerId: customer.id, baseModel: 'sd15', conceptType: 'style', conceptDescription: 'Ink wash', triggerWords: ['inkw'] } satisfies Prisma.OrderUncheckedCreateInput
		const unpaid = await db.prisma.order.create({ data: { ...base, statusChanges: { create: { from: null, to: 'draft' } } }, select: { id: true } })
		const paid = await db.prisma.order.create({ data: { ...base, status: 'paid', paidAt: new Date(), paidWith: 'coins', statusChanges: { create: { from: null, to: 'draft' } } }, select: { id: true } })
		const file = (name: string, publishedAt: Date | null) => ({ orderId: paid.id, kind: 'sample', displayName: name, storageKey: `result/${paid.id}/${name}.png`, mime: 'image/png', bytes: 10, publishedAt })
		await db.prisma.resultFile.createMany({ data: [file('aaaaaaaaaaaaaaaa', null), file('bbbbbbbbbbbbbbbb', new Date())] })

		const delegates = db.prisma as unknown as Record<string, { findMany(args: object): Promise<Array<{ id: string }>> }>
		const matched: Record<string, string[]> = {}
		for (const item of getDataMap().categories)
			for (const storage of item.storage) {
				if (storage.kind !== 'database' || !storage.where) continue
				const delegate = delegates[storage.model[0]!.toLowerCase() + storage.model.slice(1)]!
				await expect(delegate.findMany({ where: storage.where, take: 1, select: { id: true } })).resolves.toBeInstanceOf(Array)
				const rows = await delegate.findMany({ where: storage.where, select: { id: true } })
				matched[`${item.id} ${storage.model}`] = rows.map((row) => row.id)
			}
		expect(matched['unpaid_orders Order']).toEqual([unpaid.id])
		expect(matched['orders Order']).toEqual([paid.id])
		expect(matched['unpaid_orders OrderStatusChange']).toHaveLength(1)
		expect(matched['orders OrderStatusChange']).toHaveLength(1)
		expect(matched['unpaid_orders OrderStatusChange']).not.toEqual(matched['orders OrderStatusChange'])
		expect(matched['private_results ResultFile']).toHaveLength(1)
		expect(matched['published_results ResultFile']).toHaveLength(1)
		expect(matched['private_results ResultFile']).not.toEqual(matched['published_results ResultFile'])
	})

	test('an order anonymised to no customer is nobody’s own: its former customer gets 404, staff see it, coins are not refunded to it', async ({ db }) => {
		const customer = await createUser(db, 'customer')
		const order = await db.prisma.order.create({
			data: { customerId: customer.id, status: 'completed', paidAt: new Date(), baseModel: 'sd15', conceptType: 'style', conceptDescription: 'Ink wash', triggerWords: ['inkw'] },
			select: { id: true },
		})
		await db.prisma.order.update({ where: { id: order.id }, data: { customerId: null }, select: { id: true } })
		const own = await signIn(db, customer)
		expect((await callRoute(orderPage.loader, routeArgs(get(`/orders/${order.id}`, own.cookie), { orderId: order.id }))).status).toBe(404)
		const support = await signIn(db, await createUser(db, 'support'))
		const staffView = await callRoute(orderPage.loader, routeArgs(get(`/orders/${order.id}`, support.cookie), { orderId: order.id }))
		expect(staffView.status).toBe(200)
		expect(staffView.data).toMatchObject({ own: false })
		// Coins go back to a wallet; an anonymised order has none, so the refund is refused whole.
		await db.prisma.order.update({ where: { id: order.id }, data: { paidWith: 'coins', priceCoins: 200 }, select: { id: true } })
		await expect(refundOrder(order.id, { reason: 'Late complaint' })).rejects.toMatchObject({ status: 409, message: 'This order is anonymised: there is no customer wallet to refund coins to.' })
		expect(await db.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } })).toEqual({ status: 'completed' })
		expect(await db.prisma.refund.count({ where: { orderId: order.id } })).toBe(0)
	})
})
