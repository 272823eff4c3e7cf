import { createHash } from 'node:crypto'
import path from 'node:path'
import { diffLines } from 'diff'
import { canonicalJson, recordAudit, type AuditActor } from '#app/audit/audit.server.ts'
import { prisma } from '#app/db/db.server.ts'
import type { Prisma, PrismaClient } from '#app/generated/prisma/client.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { compareVersions, listPolicyVersions, policiesDirectory, type PolicyDocument } from './documents.server.ts'
import { POLICY_KINDS, type PolicyKind } from './kinds.ts'
import { renderPolicySections } from './render.server.ts'

// A published version is what people accepted: its text is frozen in PolicyVersion and
// the files in policies/ may only add versions. Publishing compares every file with what
// was published and refuses the whole batch when a published text would change.

export type PlanStatus = 'new' | 'unchanged' | 'changed' | 'missing-file'

export type PlannedVersion = {
	kind: PolicyKind
	version: string
	/** As people should read it: relative to the working directory when inside it. */
	file: string
	status: PlanStatus
	reason: string
	effectiveAt: Date
	material: boolean
	summary: string
	/** With the data-map sections rendered in; a missing file's is the published one. */
	body: string
	contentHash: string
	/** Of the file as written, placeholders unrendered. */
	sourceHash: string
	/**
	 * The version in force renders differently today: the data map changed since it was
	 * published, and a new version must tell people.
	 */
	dataMapChanged: boolean
	publishedAt: Date | null
}

/** One sentence per refused file, naming it. */
export function describeRefusals(refused: readonly PlannedVersion[]) {
	return refused.map((entry) => `${entry.file}: ${entry.reason}.`).join(' ')
}

export class PolicyImmutableError extends UserFacingError {
	constructor(readonly refused: PlannedVersion[]) {
		super(`Nothing was published. ${describeRefusals(refused)}`, 409)
	}
}

/** A policy file that cannot be read or rendered: the operator fixes the file. */
export class PolicyFileError extends UserFacingError {
	constructor(message: string) {
		super(message, 422)
	}
}

const PUBLISHED_SELECT = {
	kind: true,
	version: true,
	effectiveAt: true,
	material: true,
	summary: true,
	body: true,
	contentHash: true,
	sourceHash: true,
	publishedAt: true,
} satisfies Prisma.PolicyVersionSelect

const LISTED_SELECT = { version: true, effectiveAt: true, material: true, summary: true, publishedAt: true } satisfies Prisma.PolicyVersionSelect

export type PublishedPolicy = Prisma.PolicyVersionGetPayload<{ select: typeof PUBLISHED_SELECT }>
export type ListedPolicy = Prisma.PolicyVersionGetPayload<{ select: typeof LISTED_SELECT }>

type PolicyVersionReader = Pick<Prisma.TransactionClient, 'policyVersion'>

/** 'POLICY' in ASCII: publishers (the CLI, the back office, a booting server) take turns. */
const PUBLISH_LOCK_KEY = 0x504f4c494359n

export function isRefused(entry: Pick<PlannedVersion, 'status'>) {
	return entry.status === 'changed' || entry.status === 'missing-file'
}

function day(date: Date) {
	return date.toISOString().slice(0, 10)
}

function displayPath(file: string) {
	const relative = path.relative(process.cwd(), file)
	return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative
}

function policyFile(kind: PolicyKind, version: string) {
	return path.join(policiesDirectory(), kind, `${version}.md`)
}

/** Everything a reader sees of a version; any change to it is a change of the text they accepted. */
export function policyContentHash(version: Pick<PlannedVersion, 'kind' | 'version' | 'effectiveAt' | 'material' | 'summary' | 'body'>) {
	const canonical = canonicalJson({
		kind: version.kind,
		version: version.version,
		effective: version.effectiveAt.toISOString(),
		material: version.material,
		summary: version.summary,
		body: version.body,
	})
	return createHash('sha256').update(canonical).digest('hex')
}

function readDocument(kind: PolicyKind, document: PolicyDocument) {
	// The file name is the version people are told to create; a mismatch would publish a
	// version under a name nobody expects.
	if (document.kind !== kind) throw new PolicyFileError(`${displayPath(document.file)}: kind is ${document.kind} but the file is in the ${kind} folder`)
	if (path.basename(document.file) !== `${document.version}.md`)
		throw new PolicyFileError(`${displayPath(document.file)}: version ${document.version} must be in a file named ${document.version}.md`)
	let body: string
	try {
		body = renderPolicySections(document.body)
	} catch (error) {
		throw new PolicyFileError(`${displayPath(document.file)}: ${error instanceof Error ? error.message : String(error)}`)
	}
	const content = { kind, version: document.version, effectiveAt: document.effective, material: document.material, summary: document.summary, body }
	const sourceHash = policyContentHash({ ...content, body: document.body })
	return { ...content, file: displayPath(document.file), contentHash: policyContentHash(content), sourceHash }
}

function readDocuments(kind: PolicyKind) {
	let documents: PolicyDocument[]
	try {
		documents = listPolicyVersions(kind)
	} catch (error) {
		// Bad front matter: the message already names the file and the field.
		throw new PolicyFileError(error instanceof Error ? error.message : String(error))
	}
	return documents.map((document) => readDocument(kind, document))
}

/** The next minor version after every one that exists, as a file to suggest. */
function nextFile(kind: PolicyKind, versions: string[]) {
	const highest = versions.sort(compareVersions).at(-1) ?? '0.0'
	const [major = 0, minor = 0] = highest.split('.').map(Number)
	return displayPath(policyFile(kind, `${major}.${minor + 1}`))
}

/**
 * What publishing would do with every policy file: `new` ones are inserted, `unchanged`
 * ones skipped, and a published version whose file `changed` or went missing refuses the
 * publication. A file that cannot be read or rendered throws PolicyFileError naming it.
 */
export async function planPublication(db: PolicyVersionReader, now = new Date()): Promise<PlannedVersion[]> {
	const rows = await db.policyVersion.findMany({ select: PUBLISHED_SELECT })
	const plan: PlannedVersion[] = []
	for (const kind of POLICY_KINDS) {
		const documents = readDocuments(kind)
		const published = new Map(rows.filter((row) => row.kind === kind).map((row) => [row.version, row]))
		const suggestion = nextFile(kind, [...documents.map((document) => document.version), ...published.keys()])
		for (const document of documents) {
			const row = published.get(document.version)
			if (!row) {
				const reason =
					document.effectiveAt <= now
						? `not published yet; its effective date ${day(document.effectiveAt)} has come, so it applies as soon as it is published`
						: `not published yet; takes effect on ${day(document.effectiveAt)}`
				plan.push({ ...document, status: 'new', reason, dataMapChanged: false, publishedAt: null })
			} else if (row.sourceHash ? row.sourceHash === document.sourceHash : row.contentHash === document.contentHash) {
				// What was published stays as published (row.body); the file only proves it was not edited.
				const dataMapChanged = row.contentHash !== document.contentHash
				const reason = dataMapChanged
					? `published on ${day(row.publishedAt)}; the data map changed since, so its tables would read differently today`
					: `published on ${day(row.publishedAt)}`
				plan.push({ ...document, body: row.body, contentHash: row.contentHash, status: 'unchanged', reason, dataMapChanged, publishedAt: row.publishedAt })
			} else {
				const reason = `${kind} ${row.version} was published on ${day(row.publishedAt)} and cannot change: put the change in a new file such as ${suggestion}`
				plan.push({ ...document, status: 'changed', reason, dataMapChanged: false, publishedAt: row.publishedAt })
			}
		}
		const onDisk = new Set(documents.map((document) => document.version))
		for (const row of published.values()) {
			if (onDisk.has(row.version)) continue
			const file = displayPath(policyFile(kind, row.version))
			plan.push({
				kind,
				version: row.version,
				file,
				status: 'missing-file',
				reason: `${kind} ${row.version} was published on ${day(row.publishedAt)} and its file is missing: published versions cannot be withdrawn, so restore ${file}`,
				effectiveAt: row.effectiveAt,
				material: row.material,
				summary: row.summary,
				body: row.body,
				contentHash: row.contentHash,
				sourceHash: row.sourceHash ?? row.contentHash,
				dataMapChanged: false,
				publishedAt: row.publishedAt,
			})
		}
	}
	return plan.sort((a, b) => POLICY_KINDS.indexOf(a.kind) - POLICY_KINDS.indexOf(b.kind) || compareVersions(a.version, b.version))
}

/**
 * Publishes every new file in one transaction, each with its audit event, or nothing at
 * all when a published version would change (PolicyImmutableError). `actor` null is the
 * system (the command line, the first boot).
 */
export async function publishPolicies(db: PrismaClient, actor: AuditActor, onProgress?: (message: string) => void): Promise<PlannedVersion[]> {
	const published = await db.$transaction(
		async (tx) => {
			// Planned inside the lock: two publishers at once would both see a version as new.
			await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK_KEY}::bigint)`
			const plan = await planPublication(tx)
			const refused = plan.filter(isRefused)
			if (refused.length) throw new PolicyImmutableError(refused)
			const publishedAt = new Date()
			const added = plan.filter((entry) => entry.status === 'new').map((entry) => ({ ...entry, publishedAt }))
			for (const entry of added) {
				await tx.policyVersion.create({
					data: {
						kind: entry.kind,
						version: entry.version,
						effectiveAt: entry.effectiveAt,
						material: entry.material,
						summary: entry.summary,
						body: entry.body,
						contentHash: entry.contentHash,
						sourceHash: entry.sourceHash,
						publishedAt,
					},
					select: { id: true },
				})
				await recordAudit(tx, {
					actor,
					action: 'policy.published',
					target: { type: 'policy', id: `${entry.kind}@${entry.version}` },
					// The hash ties the published text to the tamper-evident log.
					detail: { material: entry.material, effective: day(entry.effectiveAt), contentHash: entry.contentHash },
				})
			}
			return added
		},
		// Rendering and one audit append per version; PGlite serialises it all.
		{ maxWait: 30_000, timeout: 60_000 },
	)
	for (const entry of published) onProgress?.(`published ${entry.kind} ${entry.version} (effective ${day(entry.effectiveAt)})`)
	return published
}

/** The version in force at `now`: the latest effective date that has come; on a tie, the higher version. */
export function pickCurrent<T extends { version: string; effectiveAt: Date }>(versions: readonly T[], now = new Date()): T | undefined {
	return versions
		.filter((version) => version.effectiveAt <= now)
		.reduce<T | undefined>((best, version) => {
			if (!best) return version
			const order = version.effectiveAt.getTime() - best.effectiveAt.getTime() || compareVersions(version.version, best.version)
			return order > 0 ? version : best
		}, undefined)
}

export type VersionState = { state: 'current' } | { state: 'replaced'; on: Date; by: string } | { state: 'upcoming'; on: Date }

/** Where one version stands among all published ones of its kind at `now`. */
export function versionState(versions: readonly ListedPolicy[], version: string, now = new Date()): VersionState {
	const inForceOrder = [...versions].sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime() || compareVersions(a.version, b.version))
	const index = inForceOrder.findIndex((entry) => entry.version === version)
	const entry = inForceOrder[index]
	if (!entry) throw new Error(`version ${version} is not among the published versions`)
	if (entry.effectiveAt > now) return { state: 'upcoming', on: entry.effectiveAt }
	if (pickCurrent(versions, now)?.version === version) return { state: 'current' }
	// It was in force and no longer is: the next one in line replaced it.
	const successor = inForceOrder[index + 1]!
	return { state: 'replaced', on: successor.effectiveAt, by: successor.version }
}

export async function currentPolicyVersion(kind: PolicyKind, now = new Date()): Promise<PublishedPolicy | null> {
	const candidates = await prisma.policyVersion.findMany({
		where: { kind, effectiveAt: { lte: now } },
		select: { version: true, effectiveAt: true },
	})
	const current = pickCurrent(candidates, now)
	return current ? getPublishedVersion(kind, current.version) : null
}

/** Oldest version first. */
export async function listPublishedVersions(kind: PolicyKind): Promise<ListedPolicy[]> {
	const versions = await prisma.policyVersion.findMany({ where: { kind }, select: LISTED_SELECT })
	return versions.sort((a, b) => compareVersions(a.version, b.version))
}

export function getPublishedVersion(kind: PolicyKind, version: string): Promise<PublishedPolicy | null> {
	return prisma.policyVersion.findUnique({ where: { kind_version: { kind, version } }, select: PUBLISHED_SELECT })
}

/** The published version just before `version`, in version order. */
export function previousVersion(versions: readonly Pick<ListedPolicy, 'version'>[], version: string) {
	return versions
		.filter((entry) => compareVersions(entry.version, version) < 0)
		.sort((a, b) => compareVersions(a.version, b.version))
		.at(-1)?.version
}

export type PolicyDiffBlock = { kind: 'added' | 'removed' | 'same'; text: string }

function normalizeLines(text: string) {
	// A missing final newline or Windows line ends would show as a changed last line.
	const unix = text.replace(/\r\n?/g, '\n')
	return unix.endsWith('\n') ? unix : `${unix}\n`
}

/** Line by line, from `a` (older) to `b` (newer); each block's text has no trailing newline. */
export function diffPolicyVersions(a: Pick<PublishedPolicy, 'body'>, b: Pick<PublishedPolicy, 'body'>): PolicyDiffBlock[] {
	return diffLines(normalizeLines(a.body), normalizeLines(b.body)).map((change) => ({
		kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
		text: change.value.replace(/\n$/, ''),
	}))
}
