import sharp from 'sharp'
import { addMonths, creditLot, debitCoins, refundOrderCoins } from '#app/coins/ledger.server.ts'
import { newFileKey, writeFile } from '#app/files/file-store.server.ts'
import type { PrismaClient } from '#app/generated/prisma/client.ts'
import { nextDocumentNumber } from '#app/payments/settlement.server.ts'

// The demo customer's money: a coin bundle bought in test mode (with its invoice), a
// welcome bonus about to expire (so the expiry warning has something to say), coins spent
// on the training order and refunded for the failed one, a test card payment for the
// completed order, and that order's results. Seeded once, recognised by the first payment.

const DAY = 86_400_000

function daysAgo(days: number) {
	return new Date(Date.now() - days * DAY)
}

function sampleSvg(index: number) {
	const hue = [18, 200, 280, 120][index % 4]
	return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512">
	<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,70%)"/><stop offset="1" stop-color="hsl(${(hue! + 60) % 360},60%,35%)"/></linearGradient></defs>
	<rect width="512" height="512" fill="url(#g)"/>
	<circle cx="256" cy="230" r="120" fill="hsl(${hue},80%,55%)" stroke="#222" stroke-width="8"/>
	<polygon points="170,150 200,60 230,140" fill="hsl(${hue},80%,45%)" stroke="#222" stroke-width="6"/>
	<polygon points="282,140 312,60 342,150" fill="hsl(${hue},80%,45%)" stroke="#222" stroke-width="6"/>
	<rect x="196" y="330" width="120" height="140" rx="16" fill="#9aa3ad" stroke="#222" stroke-width="6"/>
	<text x="256" y="500" font-family="sans-serif" font-size="28" text-anchor="middle" fill="#fff">foxknt sample ${index + 1}</text>
</svg>`)
}

async function seedResults(prisma: PrismaClient, orderId: string) {
	for (let index = 0; index < 4; index++) {
		const data = await sharp(sampleSvg(index)).png().toBuffer()
		const key = newFileKey('result', orderId, 'png')
		await writeFile(key, data)
		await prisma.resultFile.create({
			data: { orderId, kind: 'sample', displayName: `foxknt-sample-${index + 1}.png`, storageKey: key, mime: 'image/png', bytes: data.length, publishedAt: index === 0 ? daysAgo(10) : null },
			select: { id: true },
		})
	}
	// A LoRA file is a safetensors container: an 8-byte header length, a JSON header, tensors.
	const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt', demo: 'Lorica demo weights, not a real model' } }))
	const length = Buffer.alloc(8)
	length.writeBigUInt64LE(BigInt(header.length))
	const weights = Buffer.concat([length, header])
	const key = newFileKey('result', orderId, 'safetensors')
	await writeFile(key, weights)
	await prisma.resultFile.create({
		data: { orderId, kind: 'weights', displayName: 'foxknt-lora.safetensors', storageKey: key, mime: 'application/octet-stream', bytes: weights.length },
		select: { id: true },
	})
}

export async function seedDemoMoney(prisma: PrismaClient, customerId: string, onProgress: (message: string) => void) {
	if (await prisma.payment.findUnique({ where: { id: 'demo-pay-coins' }, select: { id: true } })) return
	const bought = daysAgo(40)
	await prisma.$transaction(async (tx) => {
		await tx.payment.create({
			data: {
				id: 'demo-pay-coins',
				userId: customerId,
				purpose: 'coins',
				mode: 'test',
				status: 'succeeded',
				coins: 6000,
				amountSubtotal: 4538,
				amountTax: 862,
				amountTotal: 5400,
				currency: 'eur',
				billingCountry: 'DE',
				stripePaymentIntentId: 'pi_test_demo-pay-coins',
				invoiceNumber: await nextDocumentNumber(tx, 'test', bought),
				createdAt: bought,
				paidAt: bought,
			},
			select: { id: true },
		})
		await creditLot(tx, { userId: customerId, coins: 6000, source: 'purchase', kind: 'top_up', paymentId: 'demo-pay-coins', expiresAt: addMonths(bought, 12), now: bought })
		// On the days the seeded timelines say (created, then paid two hours later).
		const paidOn = (days: number) => new Date(daysAgo(days).getTime() + 2 * 3_600_000)
		await debitCoins(tx, { userId: customerId, coins: 400, kind: 'order_charge', orderId: 'demo-order-training', now: paidOn(2) })
		await debitCoins(tx, { userId: customerId, coins: 1400, kind: 'order_charge', orderId: 'demo-order-failed', now: paidOn(20) })
		await refundOrderCoins(tx, { userId: customerId, orderId: 'demo-order-failed', reason: 'The training failed', now: daysAgo(19) })
		// After the charges, so it is still there to expire (orders spend the soonest-expiring coins first).
		await creditLot(tx, { userId: customerId, coins: 200, source: 'adjustment', kind: 'adjustment', reason: 'Welcome bonus', expiresAt: new Date(Date.now() + 10 * DAY), now: daysAgo(355) })
		await tx.refund.create({
			data: { orderId: 'demo-order-failed', destination: 'coins', amount: 1400, reason: 'The training failed', status: 'succeeded', completedAt: daysAgo(19) },
			select: { id: true },
		})
		// As the seeded timeline says: paid two hours after the order was created.
		const paid = new Date(daysAgo(12).getTime() + 2 * 3_600_000)
		await tx.payment.create({
			data: {
				id: 'demo-pay-fox',
				userId: customerId,
				orderId: 'demo-order-completed',
				purpose: 'order',
				mode: 'test',
				status: 'succeeded',
				amountSubtotal: 192,
				amountTax: 38,
				amountTotal: 230,
				currency: 'eur',
				billingCountry: 'FR',
				stripePaymentIntentId: 'pi_test_demo-pay-fox',
				invoiceNumber: await nextDocumentNumber(tx, 'test', paid),
				createdAt: paid,
				paidAt: paid,
			},
			select: { id: true },
		})
	})
	onProgress('seeded the demo wallet (5,800 coins) and payments')
	await seedResults(prisma, 'demo-order-completed')
	onProgress('seeded the results of the completed demo order')
}
