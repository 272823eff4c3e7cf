import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { currentPolicy, renderPolicyHtml } from '#app/policies/documents.server.ts'
import { isPolicyKind, POLICY_TITLES } from '#app/policies/kinds.ts'

export async function loader({ params }: LoaderFunctionArgs) {
	if (!isPolicyKind(params.kind)) throw new Response('No such policy', { status: 404 })
	const document = currentPolicy(params.kind)
	if (!document) throw new Response('This policy has not been published yet', { status: 404 })
	return {
		title: POLICY_TITLES[params.kind],
		version: document.version,
		effective: document.effective.toISOString().slice(0, 10),
		html: renderPolicyHtml(document),
	}
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: data ? `${data.title} (version ${data.version}) — Lorica` : 'Policy — Lorica' },
]

export default function PolicyPage() {
	const policy = useLoaderData<typeof loader>()
	return (
		<article className="page narrow policy">
			<p className="eyebrow">
				Version {policy.version} · effective <time dateTime={policy.effective}>{policy.effective}</time>
			</p>
			<div dangerouslySetInnerHTML={{ __html: policy.html }} />
		</article>
	)
}
