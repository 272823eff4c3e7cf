import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { PolicyArticle, PolicyErrorBoundary } from '#app/components/policy-versions.tsx'
import { renderPolicyHtml } from '#app/policies/documents.server.ts'
import { day, notFound, requirePolicyKind, versionList } from '#app/policies/pages.server.ts'
import { currentPolicyVersion, listPublishedVersions, previousVersion } from '#app/policies/publish.server.ts'

export async function loader({ params }: LoaderFunctionArgs) {
	const { kind, title } = requirePolicyKind(params.kind)
	const now = new Date()
	const [current, versions] = await Promise.all([currentPolicyVersion(kind, now), listPublishedVersions(kind)])
	const list = versionList(versions, now)
	if (!current) {
		const first = list.find((entry) => entry.state === 'upcoming')
		throw notFound(
			first
				? `No version of the ${title} is in force yet: version ${first.version} takes effect on ${first.effective}.`
				: `The ${title} has not been published yet.`,
		)
	}
	const upcoming = list.find((entry) => entry.state === 'upcoming')
	return {
		kind,
		title,
		version: current.version,
		effective: day(current.effectiveAt),
		summary: current.summary,
		material: current.material,
		html: renderPolicyHtml(current.body),
		versions: list,
		previous: previousVersion(versions, current.version) ?? null,
		upcoming: upcoming ?? null,
	}
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.title} (version ${data.version}) — Lorica` : 'Policy — Lorica' },
]

export default function PolicyPage() {
	const policy = useLoaderData<typeof loader>()
	return (
		<PolicyArticle
			policy={{
				...policy,
				summary: policy.material
					? `${policy.summary} This is a material change: it affects what we do with your data or what you agreed to.`
					: policy.summary,
			}}
			changesExtra={
				policy.upcoming ? (
					<p>
						<Link to={`/policies/${policy.kind}/${policy.upcoming.version}`}>Version {policy.upcoming.version}</Link> takes effect on{' '}
						<time dateTime={policy.upcoming.effective}>{policy.upcoming.effective}</time>.
					</p>
				) : null
			}
		/>
	)
}

export const ErrorBoundary = PolicyErrorBoundary
