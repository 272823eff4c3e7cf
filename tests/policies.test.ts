import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { currentPolicy, listPolicyVersions, renderPolicyHtml } from '#app/policies/documents.server.ts'
import { POLICY_KINDS } from '#app/policies/kinds.ts'
import { loader } from '#app/routes/policies.$kind.tsx'
import { routeArgs } from './support/route.ts'

function document(version: string, effective: string, body = '# Privacy Policy\n\nText.') {
	return `---\nkind: privacy\nversion: "${version}"\neffective: ${effective}\nmaterial: false\nsummary: Test.\n---\n${body}\n`
}

describe('policy documents', () => {
	test('every kind has a published, current version in the repository', () => {
		for (const kind of POLICY_KINDS) {
			const current = currentPolicy(kind)
			expect(current, kind).toBeDefined()
			expect(renderPolicyHtml(current!.body)).toMatch(/<h1>/)
		}
	})

	describe('with a policies folder of its own', () => {
		let directory: string
		beforeEach(() => {
			directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lorica-policies-'))
			fs.mkdirSync(path.join(directory, 'privacy'))
			process.env.POLICIES_DIR = directory
		})
		afterEach(() => {
			delete process.env.POLICIES_DIR
			fs.rmSync(directory, { recursive: true, force: true })
		})

		test('a version becomes current at its effective date, not before', () => {
			fs.writeFileSync(path.join(directory, 'privacy/1.0.md'), document('1.0', '2026-01-01'))
			fs.writeFileSync(path.join(directory, 'privacy/1.10.md'), document('1.10', '2027-03-01'))
			fs.writeFileSync(path.join(directory, 'privacy/1.2.md'), document('1.2', '2026-06-01'))
			expect(listPolicyVersions('privacy').map((doc) => doc.version)).toEqual(['1.0', '1.2', '1.10'])
			expect(currentPolicy('privacy', new Date('2026-05-31'))?.version).toBe('1.0')
			expect(currentPolicy('privacy', new Date('2026-11-21'))?.version).toBe('1.2')
			expect(currentPolicy('privacy', new Date('2027-03-01'))?.version).toBe('1.10')
		})

		test('bad front matter names the file and the field', () => {
			fs.writeFileSync(path.join(directory, 'privacy/1.0.md'), document('one', '2026-01-01'))
			expect(() => listPolicyVersions('privacy')).toThrow(/privacy\/1\.0\.md: version version must look like 1\.0/)
		})
		// The public pages read published versions from the database: tests/policies-publish.test.ts.
	})

	test('an unknown policy kind is a 404', async () => {
		await expect(loader(routeArgs(new Request('http://x/'), { kind: 'secrets' }))).rejects.toMatchObject({ status: 404 })
	})
})
