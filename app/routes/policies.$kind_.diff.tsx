import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { PolicyErrorBoundary } from '#app/components/policy-versions.tsx'
import { POLICY_VERSION_PATTERN } from '#app/policies/documents.server.ts'
import { badRequest, day, notFound, requirePolicyKind } from '#app/policies/pages.server.ts'
import {
	diffPolicyVersions,
	getPublishedVersion,
	listPublishedVersions,
	pickCurrent,
	previousVersion,
	type PolicyDiffBlock,
} from '#app/policies/publish.server.ts'

// `$kind_`: a page of its own rather than a child of the current version's page.

const Version = z.string().regex(POLICY_VERSION_PATTERN, 'must be a version number like 1.0')
const DiffQuery = z.object({ from: Version.optional(), to: Version.optional() })

/** Runs of unchanged lines longer than this fold away, keeping a few lines of context. */
const FOLD_AFTER = 8
const CONTEXT = 3

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { kind, title } = requirePolicyKind(params.kind)
	// An empty select in the form means "not chosen", not an invalid version.
	const query = Object.fromEntries([...new URL(request.url).searchParams].filter(([, value]) => value !== ''))
	const parsed = DiffQuery.safeParse(query)
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!
		throw badRequest(`"${String(query[String(issue.path[0])])}" is not a version: ${String(issue.path[0])} ${issue.message}.`)
	}
	const now = new Date()
	const versions = await listPublishedVersions(kind)
	const toVersion = parsed.data.to ?? pickCurrent(versions, now)?.version
	if (!toVersion) throw notFound(`No version of the ${title} is in force yet, so there is nothing to compare.`)
	const fromVersion = parsed.data.from ?? previousVersion(versions, toVersion)
	if (!fromVersion) throw notFound(`Version ${toVersion} is the first published version of the ${title}: there is no earlier version to compare with.`)
	if (fromVersion === toVersion) throw badRequest(`Choose two different versions to compare (both are ${toVersion}).`)
	const [from, to] = await Promise.all([getPublishedVersion(kind, fromVersion), getPublishedVersion(kind, toVersion)])
	for (const [version, found] of [
		[fromVersion, from],
		[toVersion, to],
	] as const) {
		if (!found) throw notFound(`The ${title} has no published version ${version}.`)
	}
	const blocks = diffPolicyVersions(from!, to!)
	const count = (kindOf: PolicyDiffBlock['kind']) =>
		blocks.filter((block) => block.kind === kindOf).reduce((total, block) => total + block.text.split('\n').length, 0)
	return {
		kind,
		title,
		from: { version: fromVersion, effective: day(from!.effectiveAt), summary: from!.summary },
		to: { version: toVersion, effective: day(to!.effectiveAt), summary: to!.summary },
		versions: versions.map((entry) => entry.version),
		blocks,
		added: count('added'),
		removed: count('removed'),
	}
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.title}: changes from version ${data.from.version} to ${data.to.version} — Lorica` : 'Policy changes — Lorica' },
]

function Lines({ text, marker }: { text: string; marker?: '+' | '−' }) {
	return (
		<>
			{text.split('\n').map((line, index) => (
				<span className="diff-line" key={index}>
					{marker ? (
						<span className="diff-marker" aria-hidden="true">
							{marker}
						</span>
					) : null}
					{line}
				</span>
			))}
		</>
	)
}

function Unchanged({ text }: { text: string }) {
	const lines = text.split('\n')
	if (lines.length <= FOLD_AFTER) return <Lines text={text} />
	return (
		<>
			<Lines text={lines.slice(0, CONTEXT).join('\n')} />
			<details className="diff-fold">
				<summary>{lines.length - 2 * CONTEXT} unchanged lines</summary>
				<Lines text={lines.slice(CONTEXT, -CONTEXT).join('\n')} />
			</details>
			<Lines text={lines.slice(-CONTEXT).join('\n')} />
		</>
	)
}

export default function PolicyDiffPage() {
	const { kind, title, from, to, versions, blocks, added, removed } = useLoaderData<typeof loader>()
	return (
		<article className="page narrow policy" aria-labelledby="diff-title">
			<p className="eyebrow">{title}</p>
			<h1 id="diff-title">
				Changes from version {from.version} to {to.version}
			</h1>
			<p>
				<Link to={`/policies/${kind}/${from.version}`}>Version {from.version}</Link> (effective{' '}
				<time dateTime={from.effective}>{from.effective}</time>) compared with{' '}
				<Link to={`/policies/${kind}/${to.version}`}>version {to.version}</Link> (effective{' '}
				<time dateTime={to.effective}>{to.effective}</time>). What changed, in the words of version {to.version}: {to.summary}
			</p>
			<Form method="get" className="filters" aria-label="Choose the versions to compare">
				{(['from', 'to'] as const).map((name) => (
					<div className="field" key={name}>
						<label htmlFor={`diff-${name}`}>{name === 'from' ? 'Older version' : 'Newer version'}</label>
						<select id={`diff-${name}`} name={name} defaultValue={name === 'from' ? from.version : to.version}>
							{versions.map((version) => (
								<option key={version} value={version}>
									{version}
								</option>
							))}
						</select>
					</div>
				))}
				<button type="submit" className="button">
					Compare
				</button>
			</Form>
			<p className="diff-legend" id="diff-legend">
				<ins>
					<span aria-hidden="true">+ </span>Added
				</ins>{' '}
				lines are new in version {to.version} ({added}); <del>
					<span aria-hidden="true">− </span>removed
				</del>{' '}
				lines were in version {from.version} only ({removed}). Unmarked lines did not change.
			</p>
			{added + removed === 0 ? <p className="notice">The texts of the two versions are identical.</p> : null}
			<div className="policy-diff" role="region" aria-labelledby="diff-title" aria-describedby="diff-legend">
				{blocks.map((block, index) =>
					block.kind === 'added' ? (
						<ins key={index}>
							<span className="visually-hidden">Added in version {to.version}: </span>
							<Lines text={block.text} marker="+" />
						</ins>
					) : block.kind === 'removed' ? (
						<del key={index}>
							<span className="visually-hidden">Removed from version {from.version}: </span>
							<Lines text={block.text} marker="−" />
						</del>
					) : (
						<Unchanged key={index} text={block.text} />
					),
				)}
			</div>
		</article>
	)
}

export const ErrorBoundary = PolicyErrorBoundary
