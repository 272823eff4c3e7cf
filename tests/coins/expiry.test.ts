import net from 'node:net'
import { beforeEach } from 'vitest'
import { maybeAutoTopUp } from '#app/payments/auto-top-up.server.ts'
import { EXPIRY_WARNING_DAYS, expireLots, runCoinExpiryJob, warnExpiringLots } from '#app/coins/expiry.server.ts'
import { coinBalance, creditLot, debitCoins } from '#app/coins/ledger.server.ts'
import type { Database } from '#app/db/database.server.ts'
import { prisma, setDatabase } from '#app/db/db.server.ts'
import { describe, expect, test } from '#tests/db.ts'
import { drainJobs, outboxJobs } from '#tests/support/jobs.ts'
import { createUser } from '#tests/support/auth.ts'
import { useSmtp, useSmtpServer, type Received } from '#tests/support/smtp.ts'

// The daily coin job (expiry entries, 14-day warnings claimed before they are sent) and
// automatic top-up in test payment mode, with mail going through a real SMTP server.

const DAY = 86_400_000

const smtp = useSmtpServer()

beforeEach(() => {
	// Test payment mode: no Stripe key.
	delete process.env.STRIPE_SECRET_KEY
})

/** A port nothing listens on. */
async function closedPort() {
	const server = net.createServer()
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
	const { port } = server.address() as net.AddressInfo
	await new Promise<void>((resolve) => server.close(() => resolve()))
	return port
}

/** The decoded header block and plain-text body of a received message. */
function parse(mail: Received) {
	const unfolded = mail.data.replace(/\r\n/g, '\n')
	const split = unfolded.indexOf('\n\n')
	const headers = unfolded.slice(0, split)
	let body = unfolded.slice(split + 2)
	if (/^Content-Transfer-Encoding: quoted-printable$/im.test(headers)) {
		body = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
	}
	const subject = /^Subject: (.*)$/m.exec(headers)?.[1]
	return { to: mail.to, subject, body }
}

/**
 * Makes the app's database run `meanwhile` right after its next raw query returns: a
 * deterministic interleaving of two runs of a job, whatever the database's timing.
 */
function afterNextRawQuery(db: Database, meanwhile: () => Promise<unknown>) {
	let armed = true
	const client = new Proxy(db.prisma, {
		get(target, property) {
			if (property === '$queryRaw' && armed) {
				return async (query: TemplateStringsArray, ...values: unknown[]) => {
					armed = false
					const rows: unknown = await target.$queryRaw(query, ...values)
					await meanwhile()
					return rows
				}
			}
			const value: unknown = Reflect.get(target, property, target)
			return typeof value === 'function' ? value.bind(target) : value
		},
	})
	setDatabase({ ...db, prisma: client })
}

const daysFrom = (base: Date, days: number) => new Date(base.getTime() + days * DAY)
const isoDay = (date: Date) => date.toISOString().slice(0, 10)

function credit(userId: string, coins: number, expiresAt: Date, acquiredAt?: Date) {
	return prisma.$transaction((tx) => creditLot(tx, { userId, coins, source: 'purchase', kind: 'top_up', expiresAt, now: acquiredAt }))
}

function debit(userId: string, coins: number, now?: Date) {
	return prisma.$transaction((tx) => debitCoins(tx, { userId, coins, kind: 'order_charge', now }))
}

async function lotSum(db: Database, lotId: string) {
	const sum = await db.prisma.coinLedgerEntry.aggregate({ where: { lotId }, _sum: { amount: true } })
	return sum._sum.amount ?? 0
}

describe('expireLots', () => {
	test('one expiry entry of minus the rest per expired lot with coins; none for empty or live lots; idempotent', async ({ db }) => {
		const now = new Date()
		const ann = await createUser(db, 'customer')
		const bob = await createUser(db, 'customer')
		// Partly spent while it was live: 300 bought, 120 spent, 180 expire.
		const partly = await credit(ann.id, 300, daysFrom(now, -2), daysFrom(now, -400))
		await debit(ann.id, 120, daysFrom(now, -10))
		// Spent entirely before it expired (it expired first, so it was spent first).
		const empty = await credit(ann.id, 50, daysFrom(now, -3), daysFrom(now, -380))
		await debit(ann.id, 50, daysFrom(now, -5))
		const live = await credit(ann.id, 400, daysFrom(now, 30))
		const bobs = await credit(bob.id, 75, new Date(now.getTime() - 1), daysFrom(now, -365))
		const entriesBefore = await db.prisma.coinLedgerEntry.count()

		const progress: Array<[number, number]> = []
		expect(await expireLots(now, (done, total) => progress.push([done, total]))).toEqual({ lots: 2 })
		expect(progress).toEqual([
			[1, 2],
			[2, 2],
		])

		const expiries = await db.prisma.coinLedgerEntry.findMany({ where: { kind: 'expiry' }, select: { userId: true, lotId: true, amount: true, reason: true } })
		expect(expiries.sort((a, b) => a.amount - b.amount)).toEqual([
			{ userId: ann.id, lotId: partly.id, amount: -180, reason: 'Coins bought 12 months ago expired' },
			{ userId: bob.id, lotId: bobs.id, amount: -75, reason: 'Coins bought 12 months ago expired' },
		])
		expect(await db.prisma.coinLedgerEntry.count()).toBe(entriesBefore + 2)
		expect(await lotSum(db, partly.id)).toBe(0)
		expect(await lotSum(db, empty.id)).toBe(0)
		expect(await lotSum(db, live.id)).toBe(400)
		expect(await lotSum(db, bobs.id)).toBe(0)
		// The balance did not change: expired coins were not spendable anyway.
		expect(await prisma.$transaction((tx) => coinBalance(tx, ann.id, now))).toBe(400)

		expect(await expireLots(now)).toEqual({ lots: 0 })
		expect(await expireLots(daysFrom(now, 1))).toEqual({ lots: 0 })
		expect(await db.prisma.coinLedgerEntry.count()).toBe(entriesBefore + 2)
	})

	test('two runs at once still write one entry per lot', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		const lots = [await credit(customer.id, 10, daysFrom(now, -1)), await credit(customer.id, 20, daysFrom(now, -2))]
		const [first, second] = await Promise.all([expireLots(now), expireLots(now)])
		expect(first.lots + second.lots).toBe(2)
		expect(await db.prisma.coinLedgerEntry.count({ where: { kind: 'expiry' } })).toBe(2)
		for (const lot of lots) expect(await lotSum(db, lot.id)).toBe(0)
	})
})

describe('warnExpiringLots', () => {
	async function setUp(db: Database, now: Date) {
		const ann = await createUser(db, 'customer')
		const bob = await createUser(db, 'customer')
		const cid = await createUser(db, 'customer')
		const annSoon = await credit(ann.id, 120, daysFrom(now, 3))
		const annLater = await credit(ann.id, 300, daysFrom(now, 10))
		await debit(ann.id, 220, now) // 120 from the first lot, 100 from the second: 200 left in it
		const annFar = await credit(ann.id, 500, daysFrom(now, 20))
		const annSpent = await credit(ann.id, 40, daysFrom(now, 12))
		await prisma.$transaction((tx) => debitCoins(tx, { userId: ann.id, coins: 40, kind: 'adjustment', reason: 'spent', now: daysFrom(now, 11) }))
		const annExpired = await credit(ann.id, 60, daysFrom(now, -1))
		const bobSoon = await credit(bob.id, 50, daysFrom(now, EXPIRY_WARNING_DAYS))
		const cidFar = await credit(cid.id, 80, daysFrom(now, 20))
		return { ann, bob, cid, lots: { annSoon, annLater, annFar, annSpent, annExpired, bobSoon, cidFar } }
	}

	async function warnedAt(db: Database, lotIds: string[]) {
		const lots = await db.prisma.coinLot.findMany({ where: { id: { in: lotIds } }, select: { id: true, expiryWarnedAt: true } })
		return Object.fromEntries(lots.map((lot) => [lot.id, lot.expiryWarnedAt]))
	}

	test('one e-mail per customer listing their lots expiring within 14 days; a second run sends nothing', async ({ db }) => {
		const now = new Date()
		const { ann, bob, lots } = await setUp(db, now)

		expect(await warnExpiringLots(now)).toEqual({ customers: 2 })
		expect(smtp.received).toHaveLength(2)
		const mails = smtp.received.map(parse)
		const annMail = mails.find((mail) => mail.to.includes(ann.email))!
		const bobMail = mails.find((mail) => mail.to.includes(bob.email))!
		expect(annMail.to).toEqual([ann.email])
		expect(annMail.subject).toBe('200 of your Lorica coins expire soon')
		// Only the later lot has coins left (the first was spent); the 20-day, empty and expired lots are left out.
		expect(annMail.body).toContain(`200 coins in your Lorica wallet expire within ${EXPIRY_WARNING_DAYS} days:`)
		expect(annMail.body).toContain(`- 200 coins on ${isoDay(daysFrom(now, 10))}`)
		expect(annMail.body.match(/^- \d+ coins on /gm)).toHaveLength(1)
		expect(annMail.body).not.toContain('500')
		expect(annMail.body).toContain('Your wallet: http://lorica.test/wallet')
		expect(bobMail.to).toEqual([bob.email])
		expect(bobMail.subject).toBe('50 of your Lorica coins expire soon')
		expect(bobMail.body).toContain(`- 50 coins on ${isoDay(daysFrom(now, EXPIRY_WARNING_DAYS))}`)

		const claimed = await warnedAt(db, Object.values(lots).map((lot) => lot.id))
		expect(claimed).toEqual({
			[lots.annSoon.id]: null,
			[lots.annLater.id]: now,
			[lots.annFar.id]: null,
			[lots.annSpent.id]: null,
			[lots.annExpired.id]: null,
			[lots.bobSoon.id]: now,
			[lots.cidFar.id]: null,
		})

		expect(await warnExpiringLots(now)).toEqual({ customers: 0 })
		expect(await warnExpiringLots(daysFrom(now, 1))).toEqual({ customers: 0 })
		expect(smtp.received).toHaveLength(2)
	})

	test('lots of several customers and several lots of one customer go in one mail each', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		const first = daysFrom(now, 2)
		const second = daysFrom(now, 9)
		await credit(customer.id, 30, second)
		await credit(customer.id, 70, first)
		await credit(customer.id, 900, daysFrom(now, 15))

		expect(await warnExpiringLots(now)).toEqual({ customers: 1 })
		expect(smtp.received).toHaveLength(1)
		const mail = parse(smtp.received[0]!)
		expect(mail.subject).toBe('100 of your Lorica coins expire soon')
		// The soonest first.
		expect(mail.body).toContain(`- 70 coins on ${isoDay(first)}\n- 30 coins on ${isoDay(second)}\n`)
		expect(mail.body).not.toContain('900')
	})

	test('two concurrent runs send one e-mail', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		await credit(customer.id, 100, daysFrom(now, 5))
		await credit(customer.id, 25, daysFrom(now, 7))
		const results = await Promise.all([warnExpiringLots(now), warnExpiringLots(now)])
		expect(results.map((result) => result.customers).sort()).toEqual([0, 1])
		expect(smtp.received).toHaveLength(1)
		expect(smtp.received[0]!.to).toEqual([customer.email])
	})

	// Regression: a run used to mail every lot it had read, including ones another run claimed meanwhile.
	test('overlapping runs that see different lots of one customer warn each lot once', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		await credit(customer.id, 100, daysFrom(now, 5))
		await credit(customer.id, 40, daysFrom(now, 16))
		afterNextRawQuery(db, () => warnExpiringLots(now))
		expect(await warnExpiringLots(daysFrom(now, 3))).toEqual({ customers: 1 })

		const bodies = smtp.received.map((mail) => parse(mail).body)
		expect(bodies).toHaveLength(2)
		expect(bodies.filter((body) => body.includes(`- 100 coins on ${isoDay(daysFrom(now, 5))}`))).toHaveLength(1)
	})

	test('when SMTP is down the claim is released and the next run sends the warning', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		const lot = await credit(customer.id, 100, daysFrom(now, 5))

		useSmtp(`smtp://127.0.0.1:${await closedPort()}`)
		expect(await warnExpiringLots(now)).toEqual({ customers: 0 })
		expect(await warnedAt(db, [lot.id])).toEqual({ [lot.id]: null })

		useSmtp(`smtp://127.0.0.1:${smtp.port}`)
		const later = new Date(now.getTime() + 60_000)
		expect(await warnExpiringLots(later)).toEqual({ customers: 1 })
		expect(smtp.received.map((mail) => mail.to)).toEqual([[customer.email]])
		expect(parse(smtp.received[0]!).subject).toBe('100 of your Lorica coins expire soon')
		expect(await warnedAt(db, [lot.id])).toEqual({ [lot.id]: later })
	})

	test('runCoinExpiryJob warns and expires in one go', async ({ db }) => {
		const now = new Date()
		const customer = await createUser(db, 'customer')
		await credit(customer.id, 10, daysFrom(now, -1))
		await credit(customer.id, 20, daysFrom(now, 6))
		expect(await runCoinExpiryJob(now)).toEqual({ warned: 1, expired: 1 })
		expect(await runCoinExpiryJob(now)).toEqual({ warned: 0, expired: 0 })
		expect(smtp.received).toHaveLength(1)
	})
})

describe('automatic top-up (test payment mode)', () => {
	async function customerWithWallet(db: Database, wallet: { autoTopUp: boolean; paymentMethodId: string }) {
		const customer = await createUser(db, 'customer')
		await db.prisma.wallet.create({
			data: { userId: customer.id, autoTopUpThreshold: 500, autoTopUpBundle: 'coins_1000', ...wallet },
			select: { userId: true },
		})
		await credit(customer.id, 1000, daysFrom(new Date(), 300))
		await debit(customer.id, 600) // 400 left, below the threshold
		return customer
	}

	const balance = (userId: string) => prisma.$transaction((tx) => coinBalance(tx, userId))

	test('below the threshold a saved card is charged and the bundle credited; then it is not needed', async ({ db }) => {
		const customer = await customerWithWallet(db, { autoTopUp: true, paymentMethodId: 'pm_test_ok' })
		expect(await balance(customer.id)).toBe(400)

		expect(await maybeAutoTopUp(customer.id)).toBe('succeeded')
		expect(await balance(customer.id)).toBe(1400)
		const payment = await db.prisma.payment.findFirstOrThrow({
			where: { userId: customer.id },
			select: { id: true, purpose: true, status: true, mode: true, coins: true, amountTotal: true, invoiceNumber: true, stripePaymentIntentId: true },
		})
		expect(payment).toEqual({
			id: payment.id,
			purpose: 'auto_top_up',
			status: 'succeeded',
			mode: 'test',
			coins: 1000,
			amountTotal: 1000,
			invoiceNumber: `TEST-${new Date().getUTCFullYear()}-000001`,
			stripePaymentIntentId: `pi_test_${payment.id}`,
		})
		const lot = await db.prisma.coinLot.findFirstOrThrow({ where: { paymentId: payment.id }, select: { coins: true, source: true } })
		expect(lot).toEqual({ coins: 1000, source: 'purchase' })

		expect(await maybeAutoTopUp(customer.id)).toBe('not_needed')
		expect(await db.prisma.payment.count()).toBe(1)
		expect(await balance(customer.id)).toBe(1400)
		expect(smtp.received).toHaveLength(0)
	})

	test('two calls at once top up once', async ({ db }) => {
		const customer = await customerWithWallet(db, { autoTopUp: true, paymentMethodId: 'pm_test_ok' })
		const results = await Promise.all([maybeAutoTopUp(customer.id), maybeAutoTopUp(customer.id)])
		expect(results.filter((result) => result === 'succeeded')).toHaveLength(1)
		expect(results.filter((result) => result !== 'succeeded')[0]).toMatch(/^(in_progress|not_needed)$/)
		expect(await balance(customer.id)).toBe(1400)
		expect(await db.prisma.payment.count()).toBe(1)
	})

	test('a declined card fails the payment, turns auto top-up off and tells the customer', async ({ db }) => {
		const customer = await customerWithWallet(db, { autoTopUp: true, paymentMethodId: 'pm_test_declines' })

		expect(await maybeAutoTopUp(customer.id)).toBe('failed')
		expect(await balance(customer.id)).toBe(400)
		expect(await db.prisma.payment.findFirstOrThrow({ where: { userId: customer.id }, select: { purpose: true, status: true, failureReason: true, invoiceNumber: true } })).toEqual({
			purpose: 'auto_top_up',
			status: 'failed',
			failureReason: 'card_declined',
			invoiceNumber: null,
		})
		const wallet = await db.prisma.wallet.findUniqueOrThrow({ where: { userId: customer.id }, select: { autoTopUp: true, autoTopUpFailure: true, autoTopUpFailedAt: true } })
		expect(wallet).toMatchObject({ autoTopUp: false, autoTopUpFailure: 'card_declined' })
		expect(wallet.autoTopUpFailedAt).toBeInstanceOf(Date)

		// The notice is a job enqueued with the failure; it runs once however often it is drained.
		expect(smtp.received).toHaveLength(0)
		expect(await outboxJobs(db)).toEqual([{ name: 'top-up-failed-notice', data: { paymentId: expect.any(String) } }])
		expect(await drainJobs(db)).toMatchObject({ completed: 1, failed: 0 })
		expect(await drainJobs(db)).toMatchObject({ completed: 0 })
		expect(smtp.received).toHaveLength(1)
		const mail = parse(smtp.received[0]!)
		expect(mail.to).toEqual([customer.email])
		expect(mail.subject).toBe('Your automatic coin top-up failed')
		expect(mail.subject).toMatch(/top-up failed/)
		expect(mail.body).toContain('your bank declined the charge')
		expect(mail.body).toContain('http://lorica.test/wallet')

		// The dead card is not tried again.
		expect(await maybeAutoTopUp(customer.id)).toBe('off')
		expect(await db.prisma.payment.count()).toBe(1)
		expect(smtp.received).toHaveLength(1)
	})

	test('with auto top-up off nothing happens', async ({ db }) => {
		const customer = await customerWithWallet(db, { autoTopUp: false, paymentMethodId: 'pm_test_ok' })
		expect(await maybeAutoTopUp(customer.id)).toBe('off')
		expect(await balance(customer.id)).toBe(400)
		expect(await db.prisma.payment.count()).toBe(0)

		const noWallet = await createUser(db, 'customer')
		expect(await maybeAutoTopUp(noWallet.id)).toBe('off')
	})
})
