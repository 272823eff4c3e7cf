import fs from 'node:fs'
import path from 'node:path'
import { marked } from 'marked'
import YAML from 'yaml'
import { z } from 'zod'

import { POLICY_KINDS, type PolicyKind } from './kinds.ts'

/** Major.minor, compared numerically (see compareVersions). */
export const POLICY_VERSION_PATTERN = /^\d+\.\d+$/

const frontMatter = z.object({
	kind: z.enum(POLICY_KINDS),
	version: z.string().regex(POLICY_VERSION_PATTERN, 'version must look like 1.0'),
	effective: z.coerce.date(),
	material: z.boolean(),
	summary: z.string().min(1),
	/** Cookie policy only: purposes whose description changed, so stored choices for them lapse. */
	changedPurposes: z.array(z.enum(['analytics', 'advertising'])).default([]),
})

export type PolicyDocument = z.infer<typeof frontMatter> & { body: string; file: string }

export function policiesDirectory() {
	return path.resolve(process.env.POLICIES_DIR ?? 'policies')
}

export function parsePolicyFile(file: string): PolicyDocument {
	const text = fs.readFileSync(file, 'utf8')
	const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text)
	if (!match) throw new Error(`${file}: missing front matter`)
	const parsed = frontMatter.safeParse(YAML.parse(match[1]!))
	if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
	return { ...parsed.data, body: match[2]!, file }
}

/** Numeric by part: 1.10 comes after 1.9. */
export function compareVersions(a: string, b: string) {
	const [aMajor = 0, aMinor = 0] = a.split('.').map(Number)
	const [bMajor = 0, bMinor = 0] = b.split('.').map(Number)
	return aMajor - bMajor || aMinor - bMinor
}

export function listPolicyVersions(kind: PolicyKind): PolicyDocument[] {
	const directory = path.join(policiesDirectory(), kind)
	if (!fs.existsSync(directory)) return []
	return fs
		.readdirSync(directory)
		.filter((name) => name.endsWith('.md'))
		.map((name) => parsePolicyFile(path.join(directory, name)))
		.sort((a, b) => compareVersions(a.version, b.version))
}

/** The version in force at `now`: the highest version whose effective date has come. */
export function currentPolicy(kind: PolicyKind, now = new Date()): PolicyDocument | undefined {
	return listPolicyVersions(kind)
		.filter((document) => document.effective <= now)
		.at(-1)
}

export function renderPolicyHtml(body: string): string {
	// Policy files are written by the operator and reviewed in git, never by users.
	return marked.parse(body, { async: false })
}
