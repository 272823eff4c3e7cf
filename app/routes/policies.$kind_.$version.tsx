import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { PolicyArticle, PolicyErrorBoundary } from '#app/components/policy-versions.tsx'
import { POLICY_VERSION_PATTERN, renderPolicyHtml } from '#app/policies/documents.server.ts'
import { day, notFound, requirePolicyKind, versionList } from '#app/policies/pages.server.ts'
import { getPublishedVersion, listPublishedVersions, pickCurrent, previousVersion, versionState } from '#app/policies/publish.server.ts'

// `$kind_`: one exact version, a page of its own rather than a child of the current one.

export async function loader({ params }: LoaderFunctionArgs) {
	const { kind, title } = requirePolicyKind(params.kind)
	const version = params.version ?? ''
	if (!POLICY_VERSION_PATTERN.test(version)) throw notFound(`There is no version "${version}" of the ${title}: versions look like 1.0.`)
	const now = new Date()
	const [policy, versions] = await Promise.all([getPublishedVersion(kind, version), listPublishedVersions(kind)])
	if (!policy) throw notFound(`The ${title} has no published version ${version}.`)
	const state = versionState(versions, version, now)
	return {
		kind,
		title,
		version,
		effective: day(policy.effectiveAt),
		summary: policy.summary,
		html: renderPolicyHtml(policy.body),
		state: state.state === 'current' ? state : { ...state, on: day(state.on) },
		current: pickCurrent(versions, now)?.version ?? null,
		versions: versionList(versions, now),
		previous: previousVersion(versions, version) ?? null,
	}
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.title} (version ${data.version}) — Lorica` : 'Policy — Lorica' },
]

export default function PolicyVersionPage() {
	const policy = useLoaderData<typeof loader>()
	const { state } = policy
	return (
		<PolicyArticle
			policy={policy}
			status={
				state.state === 'current' ? (
					<p className="notice" role="status">
						This is the version in force.
					</p>
				) : (
					<p className="notice warning" role="status">
						{state.state === 'replaced' ? (
							<>
								This version was replaced on <time dateTime={state.on}>{state.on}</time> by{' '}
								<Link to={`/policies/${policy.kind}/${state.by}`}>version {state.by}</Link>.
							</>
						) : (
							<>
								This version takes effect on <time dateTime={state.on}>{state.on}</time>.
							</>
						)}
						{policy.current ? (
							<>
								{' '}
								<Link to={`/policies/${policy.kind}`}>Read version {policy.current}, the one in force</Link>.
							</>
						) : null}
					</p>
				)
			}
		/>
	)
}

export const ErrorBoundary = PolicyErrorBoundary
