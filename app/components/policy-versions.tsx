import { Link, isRouteErrorResponse, useRouteError } from '@remix-run/react'
import type { ReactNode } from 'react'

export type VersionListItem = {
	version: string
	effective: string
	state: 'current' | 'replaced' | 'upcoming'
}

const STATE_LABELS: Record<VersionListItem['state'], string> = {
	current: 'in force',
	replaced: 'replaced',
	upcoming: 'not yet in force',
}

/** Every published version of one policy, the one on screen marked as such. */
export function PolicyVersionList({ kind, versions, shown }: { kind: string; versions: VersionListItem[]; shown: string }) {
	return (
		<nav aria-labelledby="policy-versions-title" className="policy-versions">
			<h2 id="policy-versions-title">All published versions</h2>
			<ul>
				{[...versions].reverse().map((entry) => (
					<li key={entry.version}>
						{entry.version === shown ? (
							<strong aria-current="page">Version {entry.version}</strong>
						) : (
							<Link to={`/policies/${kind}/${entry.version}`}>Version {entry.version}</Link>
						)}{' '}
						· effective <time dateTime={entry.effective}>{entry.effective}</time> · {STATE_LABELS[entry.state]}
					</li>
				))}
			</ul>
		</nav>
	)
}

export type PolicyArticleData = {
	kind: string
	version: string
	effective: string
	summary: string
	html: string
	previous: string | null
	versions: VersionListItem[]
}

/**
 * One published version as both policy pages show it: version and date, what changed
 * (with a link to the diff), the text, and every other version. `status` goes above the
 * change box, `changesExtra` inside it.
 */
export function PolicyArticle({
	policy,
	status,
	changesExtra,
}: {
	policy: PolicyArticleData
	status?: ReactNode
	changesExtra?: ReactNode
}) {
	return (
		<article className="page narrow policy">
			<p className="eyebrow">
				Version {policy.version} · effective <time dateTime={policy.effective}>{policy.effective}</time>
			</p>
			{status}
			<div className="notice policy-changes">
				<p>
					<strong>What changed in this version:</strong> {policy.summary}
				</p>
				{policy.previous ? (
					<p>
						<Link to={`/policies/${policy.kind}/diff?${new URLSearchParams({ from: policy.previous, to: policy.version })}`}>
							Compare with version {policy.previous}
						</Link>
					</p>
				) : null}
				{changesExtra}
			</div>
			<div dangerouslySetInnerHTML={{ __html: policy.html }} />
			<PolicyVersionList kind={policy.kind} versions={policy.versions} shown={policy.version} />
		</article>
	)
}

/** The policy pages explain their 400s and 404s (no version yet, unknown version) instead of a generic "not found". */
export function PolicyErrorBoundary() {
	const error = useRouteError()
	const status = isRouteErrorResponse(error) ? error.status : 500
	const message =
		isRouteErrorResponse(error) && typeof error.data === 'string' ? error.data : 'The error has been logged. Please try again in a moment.'
	return (
		<section className="page narrow" aria-labelledby="error-title">
			<p className="eyebrow">Error {status}</p>
			<h1 id="error-title">{status === 404 ? 'Policy not found' : status === 400 ? 'Cannot show this comparison' : 'Something went wrong'}</h1>
			<p>{message}</p>
			<p>
				<Link to="/">Back to the home page</Link>
			</p>
		</section>
	)
}
