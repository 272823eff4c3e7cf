import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { verifyAuditChain } from '#app/audit/audit.server.ts'
import {
	currentPolicyVersion,
	diffPolicyVersions,
	getPublishedVersion,
	listPublishedVersions,
	planPublication,
	pickCurrent,
	policyContentHash,
	PolicyImmutableError,
	publishPolicies,
} from '#app/policies/publish.server.ts'
import * as adminPolicies from '#app/routes/admin.policies.tsx'
import * as currentPage from '#app/routes/policies.$kind.tsx'
import * as diffPage from '#app/routes/policies.$kind_.diff.tsx'
import * as versionPage from '#app/routes/policies.$kind_.$version.tsx'
import type { Database } from '#app/db/database.server.ts'
import { resetEnvCache } from '#app/utils/env.server.ts'
import { ROOT } from '../scripts/lib/paths.ts'
import { describe, expect, test } from './db.ts'
import { startScript } from './process.ts'
import { createUser, get, post, signIn } from './support/auth.ts'
import { callRoute, routeArgs } from './support/route.ts'

// Each test gets its own copy of policies/ (POLICIES_DIR) to add and edit files in. The
// template database has the repository's policies published already; tests about the
// first publication start by removing them.

let directory: string

beforeEach(() => {
	directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-publish-'))
	fs.cpSync(path.join(ROOT, 'policies'), directory, { recursive: true })
	process.env.POLICIES_DIR = directory
})
afterEach(() => {
	delete process.env.POLICIES_DIR
	fs.rmSync(directory, { recursive: true, force: true })
})

type Front = { effective: string; summary?: string; material?: boolean }

function writePolicy(kind: string, version: string, front: Front, body: string) {
	const text = `---\nkind: ${kind}\nversion: "${version}"\neffective: ${front.effective}\nmaterial: ${front.material ?? false}\nsummary: ${front.summary ?? `Version ${version}.`}\n---\n${body}`
	fs.writeFileSync(path.join(directory, kind, `${version}.md`), text)
}

function privacyBody() {
	const text = fs.readFileSync(path.join(directory, 'privacy/1.0.md'), 'utf8')
	return text.slice(text.indexOf('\n---\n') + 5)
}

/** privacy 1.1: one sentence reworded, one paragraph added. */
function writePrivacy11(effective: string) {
	const body = privacyBody()
		.replace('Card numbers never reach Lorica: Stripe Checkout collects them.', 'Card numbers never reach Lorica: only Stripe sees them.')
		.concat('\n## Changes to this policy\n\nWe announce material changes by e-mail a month ahead.\n')
	writePolicy('privacy', '1.1', { effective, summary: 'Explains how we announce changes.' }, body)
}

async function unpublishAll(db: Database) {
	await db.prisma.policyVersion.deleteMany()
}

async function publishedOn(db: Database, kind: string, version: string) {
	const row = await db.prisma.policyVersion.findUniqueOrThrow({ where: { kind_version: { kind, version } }, select: { publishedAt: true } })
	return row.publishedAt.toISOString().slice(0, 10)
}

/** What a loader threw: its status and the sentence it says. */
async function thrown(promise: Promise<unknown>) {
	const response = await promise.then(
		() => {
			throw new Error('expected the loader to throw a Response')
		},
		(error: unknown) => error as Response,
	)
	return { status: response.status, text: await response.text() }
}

function escapeRegExp(text: string) {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const root = () => new Request('http://lorica.test/')

describe('publishing policy versions', () => {
	test('inserts every version with its content hash and an audit event; publishing again is a no-op', async ({ db }) => {
		await unpublishAll(db)
		const plan = await planPublication(db.prisma)
		expect(plan.map((entry) => [entry.kind, entry.version, entry.status])).toEqual([
			['privacy', '1.0', 'new'],
			['terms', '1.0', 'new'],
			['cookies', '1.0', 'new'],
		])
		const progress: string[] = []
		const published = await publishPolicies(db.prisma, null, (message) => progress.push(message))
		expect(published).toHaveLength(3)
		expect(progress).toContain('published privacy 1.0 (effective 2026-11-01)')

		const row = await getPublishedVersion('privacy', '1.0')
		expect(row).toMatchObject({ kind: 'privacy', version: '1.0', material: true, effectiveAt: new Date('2026-11-01') })
		expect(row!.contentHash).toMatch(/^[0-9a-f]{64}$/)
		expect(row!.contentHash).toBe(policyContentHash({ ...row!, kind: 'privacy' }))
		// The data-map placeholders are rendered into the stored body.
		expect(row!.body).not.toMatch(/\{\{\s*data-map:/)

		const events = await db.prisma.auditEvent.findMany({
			where: { action: 'policy.published' },
			select: { actorId: true, actorRole: true, targetType: true, targetId: true, detail: true },
			orderBy: { seq: 'asc' },
		})
		expect(events.map((event) => event.targetId)).toEqual(['privacy@1.0', 'terms@1.0', 'cookies@1.0'])
		expect(events[0]).toEqual({
			actorId: null,
			actorRole: null,
			targetType: 'policy',
			targetId: 'privacy@1.0',
			detail: { material: true, effective: '2026-11-01', contentHash: row!.contentHash },
		})

		expect(await publishPolicies(db.prisma, null)).toEqual([])
		expect(await db.prisma.policyVersion.count()).toBe(3)
		expect(await db.prisma.auditEvent.count({ where: { action: 'policy.published' } })).toBe(3)
		expect((await planPublication(db.prisma)).every((entry) => entry.status === 'unchanged')).toBe(true)
		expect(await verifyAuditChain(db.prisma)).toEqual({ ok: true, checked: 3 })
	})

	test('an edited published file is refused with a clear message, and nothing is written, not even the new files', async ({ db }) => {
		await unpublishAll(db)
		await publishPolicies(db.prisma, null)
		const before = { versions: await db.prisma.policyVersion.count(), events: await db.prisma.auditEvent.count() }

		fs.appendFileSync(path.join(directory, 'privacy/1.0.md'), '\nOne more sentence.\n')
		writePolicy('terms', '1.1', { effective: '2026-12-01' }, '# Terms of Service\n\nNew terms.\n')
		const plan = await planPublication(db.prisma)
		expect(plan.find((entry) => entry.kind === 'privacy')).toMatchObject({ status: 'changed' })
		expect(plan.find((entry) => entry.kind === 'terms' && entry.version === '1.1')).toMatchObject({ status: 'new' })

		const refusal = await publishPolicies(db.prisma, null).catch((error: unknown) => error)
		expect(refusal).toBeInstanceOf(PolicyImmutableError)
		expect((refusal as PolicyImmutableError).status).toBe(409)
		expect((refusal as PolicyImmutableError).message).toBe(
			`Nothing was published. ${directory}/privacy/1.0.md: privacy 1.0 was published on ${await publishedOn(db, 'privacy', '1.0')} and cannot change: put the change in a new file such as ${directory}/privacy/1.1.md.`,
		)
		expect({ versions: await db.prisma.policyVersion.count(), events: await db.prisma.auditEvent.count() }).toEqual(before)
		expect(await getPublishedVersion('terms', '1.1')).toBeNull()
	})

	test('a data-map change leaves published versions as published and is reported, not refused', async ({ db }) => {
		const published = await getPublishedVersion('privacy', '1.0')
		// Payment records retention comes from the environment into the map and the privacy text.
		process.env.PAYMENT_RECORDS_RETENTION_YEARS = '7'
		resetEnvCache()
		try {
			const plan = await planPublication(db.prisma)
			const privacy = plan.find((entry) => entry.kind === 'privacy' && entry.version === '1.0')
			expect(privacy).toMatchObject({ status: 'unchanged', dataMapChanged: true, body: published!.body })
			expect(privacy!.reason).toMatch(/the data map changed since/)
			expect(plan.filter((entry) => entry.kind !== 'privacy').every((entry) => !entry.dataMapChanged)).toBe(true)
			await expect(publishPolicies(db.prisma, null)).resolves.toEqual([])
			expect((await getPublishedVersion('privacy', '1.0'))!.body).toBe(published!.body)
		} finally {
			delete process.env.PAYMENT_RECORDS_RETENTION_YEARS
			resetEnvCache()
		}
	})

	test('a published version whose file disappeared is refused too', async ({ db }) => {
		fs.rmSync(path.join(directory, 'cookies/1.0.md'))
		const plan = await planPublication(db.prisma)
		expect(plan.find((entry) => entry.kind === 'cookies')).toMatchObject({ status: 'missing-file', version: '1.0' })
		const on = await publishedOn(db, 'cookies', '1.0')
		await expect(publishPolicies(db.prisma, null)).rejects.toThrow(
			`cookies 1.0 was published on ${on} and its file is missing: published versions cannot be withdrawn, so restore ${directory}/cookies/1.0.md.`,
		)
	})

	test('a future version is published at once but becomes current only at its effective date', async ({ db }) => {
		writePrivacy11('2027-03-01')
		const [entry] = (await planPublication(db.prisma, new Date('2026-12-01'))).filter((item) => item.status === 'new')
		expect(entry).toMatchObject({ version: '1.1', reason: 'not published yet; takes effect on 2027-03-01' })
		expect((await publishPolicies(db.prisma, null)).map((item) => item.version)).toEqual(['1.1'])

		expect((await currentPolicyVersion('privacy', new Date('2027-02-28T23:59:59Z')))?.version).toBe('1.0')
		expect((await currentPolicyVersion('privacy', new Date('2027-03-01T00:00:00Z')))?.version).toBe('1.1')
		expect(await currentPolicyVersion('privacy', new Date('2026-10-31'))).toBeNull()
		expect((await listPublishedVersions('privacy')).map((item) => item.version)).toEqual(['1.0', '1.1'])
	})

	test('on the same effective date the higher version is current', () => {
		const at = new Date('2026-06-01')
		const versions = [
			{ version: '1.10', effectiveAt: at },
			{ version: '1.9', effectiveAt: at },
			{ version: '2.0', effectiveAt: new Date('2026-07-01') },
		]
		expect(pickCurrent(versions, new Date('2026-06-15'))?.version).toBe('1.10')
	})

	test('the diff between two versions shows the removed and added lines', async ({ db }) => {
		writePrivacy11('2026-11-15')
		await publishPolicies(db.prisma, null)
		const blocks = diffPolicyVersions((await getPublishedVersion('privacy', '1.0'))!, (await getPublishedVersion('privacy', '1.1'))!)
		expect(blocks.filter((block) => block.kind === 'removed').map((block) => block.text)).toEqual([
			'Card numbers never reach Lorica: Stripe Checkout collects them.',
		])
		const added = blocks.filter((block) => block.kind === 'added').map((block) => block.text)
		expect(added[0]).toBe('Card numbers never reach Lorica: only Stripe sees them.')
		expect(added.join('\n')).toContain('## Changes to this policy\n\nWe announce material changes by e-mail a month ahead.')
		expect(blocks[0]).toMatchObject({ kind: 'same' })
		expect(blocks[0]!.text).toMatch(/^# Privacy Policy\n/)
	})
})

describe('public policy pages', () => {
	test('the current version, with its summary, every version and a link to the previous one', async ({ db }) => {
		writePrivacy11('2026-11-15')
		writePolicy('privacy', '2.0', { effective: '2099-01-01', summary: 'Far future.' }, '# Privacy Policy\n\nLater.\n')
		await publishPolicies(db.prisma, null)
		const data = (await currentPage.loader(routeArgs(root(), { kind: 'privacy' }))) as Awaited<ReturnType<typeof currentPage.loader>>
		expect(data).toMatchObject({
			title: 'Privacy Policy',
			version: '1.1',
			effective: '2026-11-15',
			summary: 'Explains how we announce changes.',
			previous: '1.0',
			upcoming: { version: '2.0', effective: '2099-01-01', state: 'upcoming' },
			versions: [
				{ version: '1.0', effective: '2026-11-01', state: 'replaced' },
				{ version: '1.1', effective: '2026-11-15', state: 'current' },
				{ version: '2.0', effective: '2099-01-01', state: 'upcoming' },
			],
		})
		expect(data.html).toContain('<h2>Changes to this policy</h2>')
	})

	test('404 with a reason when nothing is published or in force, and for an unknown kind', async ({ db }) => {
		await unpublishAll(db)
		expect(await thrown(currentPage.loader(routeArgs(root(), { kind: 'privacy' })))).toEqual({
			status: 404,
			text: 'The Privacy Policy has not been published yet.',
		})
		fs.rmSync(path.join(directory, 'privacy/1.0.md'))
		writePolicy('privacy', '2.0', { effective: '2099-01-01' }, '# Privacy Policy\n')
		await publishPolicies(db.prisma, null)
		expect(await thrown(currentPage.loader(routeArgs(root(), { kind: 'privacy' })))).toEqual({
			status: 404,
			text: 'No version of the Privacy Policy is in force yet: version 2.0 takes effect on 2099-01-01.',
		})
		expect((await callRoute(currentPage.loader, routeArgs(root(), { kind: 'secrets' }))).status).toBe(404)
	})

	test('an exact version says whether it was replaced or is still to come; unknown versions are 404', async ({ db }) => {
		writePrivacy11('2026-11-15')
		writePolicy('privacy', '2.0', { effective: '2099-01-01' }, '# Privacy Policy\n\nLater.\n')
		await publishPolicies(db.prisma, null)
		const page = async (version: string) => callRoute(versionPage.loader, routeArgs(root(), { kind: 'privacy', version }))

		expect((await page('1.0')).data).toMatchObject({ version: '1.0', state: { state: 'replaced', on: '2026-11-15', by: '1.1' }, current: '1.1' })
		expect((await page('1.1')).data).toMatchObject({ version: '1.1', state: { state: 'current' }, previous: '1.0' })
		expect((await page('2.0')).data).toMatchObject({ state: { state: 'upcoming', on: '2099-01-01' } })

		expect(await thrown(versionPage.loader(routeArgs(root(), { kind: 'privacy', version: '9.9' })))).toEqual({
			status: 404,
			text: 'The Privacy Policy has no published version 9.9.',
		})
		expect((await page('latest')).status).toBe(404)
		expect((await callRoute(versionPage.loader, routeArgs(root(), { kind: 'secrets', version: '1.0' }))).status).toBe(404)
	})

	test('the diff page compares the previous and current versions by default, or the two asked for', async ({ db }) => {
		writePrivacy11('2026-11-15')
		await publishPolicies(db.prisma, null)
		const diff = (query: string, kind = 'privacy') =>
			callRoute(diffPage.loader, routeArgs(new Request(`http://lorica.test/policies/${kind}/diff${query}`), { kind }))

		const byDefault = await diff('')
		expect(byDefault.status).toBe(200)
		expect(byDefault.data).toMatchObject({ from: { version: '1.0' }, to: { version: '1.1' }, removed: 1, versions: ['1.0', '1.1'] })
		const explicit = await diff('?from=1.0&to=1.1')
		expect(explicit.data).toEqual(byDefault.data)
		expect((explicit.data as { blocks: { kind: string; text: string }[] }).blocks).toContainEqual({
			kind: 'removed',
			text: 'Card numbers never reach Lorica: Stripe Checkout collects them.',
		})
		// Older against newer either way round is allowed: the reader asked for it.
		expect((await diff('?from=1.1&to=1.0')).status).toBe(200)

		const text = (query: string, kind = 'privacy') =>
			thrown(diffPage.loader(routeArgs(new Request(`http://lorica.test/policies/${kind}/diff${query}`), { kind })))
		expect(await text('?from=one')).toEqual({ status: 400, text: '"one" is not a version: from must be a version number like 1.0.' })
		expect(await text('?from=1.1&to=1.1')).toEqual({ status: 400, text: 'Choose two different versions to compare (both are 1.1).' })
		expect(await text('?from=0.9')).toEqual({ status: 404, text: 'The Privacy Policy has no published version 0.9.' })
		expect(await text('', 'cookies')).toEqual({
			status: 404,
			text: 'Version 1.0 is the first published version of the Cookie Policy: there is no earlier version to compare with.',
		})
	})
})

describe('the back office publishes', () => {
	test('a DPO who re-verified publishes a new file; the audit event names them', async ({ db }) => {
		const dpo = await createUser(db, 'dpo')
		const { cookie } = await signIn(db, dpo, { reverified: true })
		writePrivacy11('2026-11-15')

		const page = await callRoute(adminPolicies.loader, routeArgs(get('/admin/policies', cookie)))
		expect(page.status).toBe(200)
		expect(page.data).toMatchObject({ pending: 1, refused: 0, planError: null })

		const result = await callRoute(adminPolicies.action, routeArgs(post('/admin/policies', { intent: 'publish' }, cookie)))
		expect(result).toMatchObject({ status: 200, data: { ok: true, message: 'Published 1 version(s): privacy 1.1.' } })
		const event = await db.prisma.auditEvent.findFirstOrThrow({
			where: { action: 'policy.published', targetId: 'privacy@1.1' },
			select: { actorId: true, actorRole: true },
		})
		expect(event).toEqual({ actorId: dpo.id, actorRole: 'dpo' })

		fs.appendFileSync(path.join(directory, 'privacy/1.1.md'), '\nEdited after publishing.\n')
		const refused = await callRoute(adminPolicies.action, routeArgs(post('/admin/policies', { intent: 'publish' }, cookie)))
		expect(refused.status).toBe(409)
		expect((refused.data as { message: string }).message).toContain('privacy 1.1 was published on')
	})

	test('without a recent re-verification the DPO is sent to /reverify and nothing is published', async ({ db }) => {
		const dpo = await createUser(db, 'dpo')
		const { cookie } = await signIn(db, dpo)
		writePrivacy11('2026-11-15')
		const result = await callRoute(adminPolicies.action, routeArgs(post('/admin/policies', { intent: 'publish' }, cookie)))
		expect(result.location).toBe('/reverify?redirectTo=%2Fadmin%2Fpolicies')
		expect(await getPublishedVersion('privacy', '1.1')).toBeNull()
	})
})

describe('npm run policies:check', () => {
	test('exits 0 when everything is published and 1 naming the file once a published one changes', { timeout: 180_000 }, async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-policies-cli-'))
		const run = async (...args: string[]) => {
			const started = startScript(args, { DATA_DIR: dataDir, POLICIES_DIR: directory, LOG_LEVEL: 'silent' })
			return { code: await started.exited, stdout: started.stdout(), stderr: started.stderr() }
		}
		try {
			expect((await run('scripts/db.ts', 'migrate')).code).toBe(0)
			const published = await run('scripts/policies.ts', 'publish')
			expect(published.stderr).toBe('')
			expect(published.stdout).toContain('Published 3 version(s).')
			expect(published.code).toBe(0)

			const clean = await run('scripts/policies.ts', 'check')
			expect(clean.stdout).toContain('3 version(s): 0 new, 3 published, 0 refused.')
			expect(clean.code).toBe(0)

			fs.appendFileSync(path.join(directory, 'terms/1.0.md'), '\nA quiet edit.\n')
			const changed = await run('scripts/policies.ts', 'check')
			expect(changed.stdout).toMatch(/changed\s+\S+terms\/1\.0\.md/)
			const [before, after] = [`Error: 1 published version(s) would change. ${directory}/terms/1.0.md: terms 1.0 was published on `, ` and cannot change: put the change in a new file such as ${directory}/terms/1.1.md.`]
			expect(changed.stderr.trim()).toMatch(new RegExp(`^${escapeRegExp(before)}\\d{4}-\\d{2}-\\d{2}${escapeRegExp(after)}$`))
			expect(changed.code).toBe(1)
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true })
		}
	})
})
