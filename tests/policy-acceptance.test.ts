import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { deliverPolicyNotices, queuePolicyNotices } from '#app/policies/notices.server.ts'
import { publishPolicies } from '#app/policies/publish.server.ts'
import * as account from '#app/routes/account._index.tsx'
import * as adminHome from '#app/routes/admin._index.tsx'
import * as orders from '#app/routes/orders._index.tsx'
import * as accept from '#app/routes/policies.accept.tsx'
import type { Database } from '#app/db/database.server.ts'
import { describe, expect, test } from './db.ts'
import { createUser, get, post, signIn } from './support/auth.ts'
import { callRoute, routeArgs } from './support/route.ts'
import { useSmtp, useSmtpServer } from './support/smtp.ts'

// A material Privacy Policy change: customers re-accept before continuing, and each gets
// exactly one e-mail notice.

let directory: string
const smtp = useSmtpServer()

beforeEach(() => {
	directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-accept-'))
	fs.cpSync('policies', directory, { recursive: true })
	process.env.POLICIES_DIR = directory
})
afterEach(() => {
	delete process.env.POLICIES_DIR
	fs.rmSync(directory, { recursive: true, force: true })
})

function addPrivacyVersion(version: string, effective: Date, material: boolean) {
	const current = fs.readFileSync(path.join(directory, 'privacy/1.0.md'), 'utf8')
	const body = current.slice(current.indexOf('\n---\n') + 5).replace('## Your rights', `## Model training\n\nNew section of ${version}.\n\n## Your rights`)
	fs.writeFileSync(
		path.join(directory, `privacy/${version}.md`),
		`---\nkind: privacy\nversion: "${version}"\neffective: ${effective.toISOString()}\nmaterial: ${material}\nsummary: Adds a section on model training (${version}).\n---\n${body}`,
	)
}

async function customerWhoAccepted(db: Database, versions: { terms: string; privacy: string }, createdAt?: Date) {
	const user = await createUser(db, 'customer')
	await db.prisma.policyAcceptance.deleteMany({ where: { userId: user.id } })
	await db.prisma.user.update({
		where: { id: user.id },
		data: {
			...(createdAt ? { createdAt } : {}),
			acceptances: { create: [{ kind: 'terms', version: versions.terms, context: 'signup' }, { kind: 'privacy', version: versions.privacy, context: 'signup' }] },
		},
	})
	return user
}

const yesterday = () => new Date(Date.now() - 86_400_000)

describe('re-acceptance after a material change', () => {
	test('a customer is stopped until they accept; the account page stays open; staff are not stopped', async ({ db }) => {
		const customer = await customerWhoAccepted(db, { terms: '1.0', privacy: '1.0' })
		addPrivacyVersion('1.1', yesterday(), true)
		await publishPolicies(db.prisma, null)
		const { cookie } = await signIn(db, customer)

		const blocked = await callRoute(orders.loader, routeArgs(get('/orders', cookie)))
		expect(blocked.location).toBe('/policies/accept?redirectTo=%2Forders')
		expect((await callRoute(account.loader, routeArgs(get('/account', cookie)))).status).toBe(200)

		const page = await callRoute(accept.loader, routeArgs(get('/policies/accept?redirectTo=%2Forders', cookie)))
		expect(page.data).toMatchObject({
			pending: [{ kind: 'privacy', version: '1.1', summary: 'Adds a section on model training (1.1).', diffHref: '/policies/privacy/diff?from=1.0&to=1.1' }],
		})

		const unticked = await callRoute(accept.action, routeArgs(post('/policies/accept', { privacy: '1.1', redirectTo: '/orders' }, cookie)))
		expect(unticked.status).toBe(400)
		const stale = await callRoute(accept.action, routeArgs(post('/policies/accept', { accept: 'on', privacy: '1.0', redirectTo: '/orders' }, cookie)))
		expect(stale.status).toBe(409)
		const accepted = await callRoute(accept.action, routeArgs(post('/policies/accept', { accept: 'on', privacy: '1.1', redirectTo: '/orders' }, cookie)))
		expect(accepted.location).toBe('/orders')
		expect((await callRoute(orders.loader, routeArgs(get('/orders', cookie)))).status).toBe(200)

		const rows = await db.prisma.policyAcceptance.findMany({ where: { userId: customer.id, kind: 'privacy' }, select: { version: true, context: true }, orderBy: { acceptedAt: 'asc' } })
		expect(rows).toEqual([{ version: '1.0', context: 'signup' }, { version: '1.1', context: 'reacceptance' }])
		const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'policy.accepted', actorId: customer.id }, select: { targetId: true, detail: true } })
		expect(event).toEqual({ targetId: 'privacy@1.1', detail: { context: 'reacceptance', previous: '1.0' } })

		const support = await createUser(db, 'support')
		expect((await callRoute(adminHome.loader, routeArgs(get('/admin', (await signIn(db, support)).cookie)))).status).toBe(200)
	})

	test('non-material and not-yet-effective versions do not stop anyone', async ({ db }) => {
		const customer = await customerWhoAccepted(db, { terms: '1.0', privacy: '1.0' })
		addPrivacyVersion('1.1', yesterday(), false)
		addPrivacyVersion('2.0', new Date(Date.now() + 7 * 86_400_000), true)
		await publishPolicies(db.prisma, null)
		const { cookie } = await signIn(db, customer)
		expect((await callRoute(orders.loader, routeArgs(get('/orders', cookie)))).status).toBe(200)
	})
})

describe('policy change notices', () => {
	async function setUp(db: Database) {
		const before = await customerWhoAccepted(db, { terms: '1.0', privacy: '1.0' })
		addPrivacyVersion('1.1', yesterday(), true)
		await publishPolicies(db.prisma, null)
		const after = await customerWhoAccepted(db, { terms: '1.0', privacy: '1.1' }, new Date(Date.now() + 60_000))
		return { before, after }
	}

	test('queueing is idempotent and delivery sends exactly one notice per customer who needs one', async ({ db }) => {
		const { before } = await setUp(db)
		expect(await queuePolicyNotices()).toBe(1)
		expect(await queuePolicyNotices()).toBe(0)
		expect(await deliverPolicyNotices()).toEqual({ sent: 1, failed: 0, retrying: 0 })
		expect(await deliverPolicyNotices()).toEqual({ sent: 0, failed: 0, retrying: 0 })
		expect(await queuePolicyNotices()).toBe(0)

		expect(smtp.received.map((mail) => mail.to)).toEqual([[before.email]])
		const mail = smtp.received[0]!.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=')
		expect(mail).toContain('Subject: We are changing our Privacy Policy (version 1.1)')
		expect(mail).toContain('What changes: Adds a section on model training (1.1).')
		expect(mail).toContain('/policies/privacy/diff?from=1.0&to=1.1')
		const row = await db.prisma.policyNotice.findFirstOrThrow({ where: { userId: before.id }, select: { status: true, attempts: true, sentAt: true } })
		expect(row).toMatchObject({ status: 'sent', attempts: 1 })
		expect(row.sentAt).toBeInstanceOf(Date)
	})

	test('a failed delivery is retried later, then given up after five attempts', async ({ db }) => {
		const { before } = await setUp(db)
		await queuePolicyNotices()
		useSmtp('smtp://127.0.0.1:9')
		expect(await deliverPolicyNotices()).toEqual({ sent: 0, failed: 0, retrying: 1 })
		const pending = await db.prisma.policyNotice.findFirstOrThrow({ where: { userId: before.id }, select: { status: true, attempts: true, lastError: true } })
		expect(pending).toMatchObject({ status: 'pending', attempts: 1 })
		expect(pending.lastError).toMatch(/^mail could not be sent/)
		for (let attempt = 2; attempt <= 5; attempt++) await deliverPolicyNotices()
		expect(await db.prisma.policyNotice.findFirstOrThrow({ where: { userId: before.id }, select: { status: true, attempts: true } })).toEqual({ status: 'failed', attempts: 5 })
		useSmtp(`smtp://127.0.0.1:${smtp.port}`)
		expect(await deliverPolicyNotices()).toEqual({ sent: 0, failed: 0, retrying: 0 })
	})

	test('two workers delivering at once still send one mail', async ({ db }) => {
		await setUp(db)
		await queuePolicyNotices()
		const results = await Promise.all([deliverPolicyNotices(), deliverPolicyNotices()])
		expect(results.reduce((sum, result) => sum + result.sent, 0)).toBe(1)
		expect(smtp.received).toHaveLength(1)
	})
})
