import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { requireUser } from '#app/auth/require.server.ts'
import { acceptPolicies, pendingFor } from '#app/policies/acceptance.server.ts'
import { day } from '#app/policies/pages.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Our policies changed — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requireUser(request, { policies: 'skip' })
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/orders')
	const pending = await pendingFor(session)
	if (!pending.length) throw redirect(redirectTo)
	return {
		redirectTo,
		pending: pending.map((item) => ({
			kind: item.kind,
			title: item.title,
			version: item.version,
			effective: day(item.effectiveAt),
			summary: item.summary,
			diffHref: item.acceptedVersion ? `/policies/${item.kind}/diff?${new URLSearchParams({ from: item.acceptedVersion, to: item.version })}` : null,
		})),
	}
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requireUser(request, { policies: 'skip' })
	const form = await readForm(request)
	if (form.get('accept') !== 'on') return data({ message: 'Tick the box to accept the new versions, or go to your account instead.' }, { status: 400 })
	const result = await acceptPolicies(session, {
		terms: String(form.get('terms') ?? '') || undefined,
		privacy: String(form.get('privacy') ?? '') || undefined,
	})
	if (!result.ok) return data({ message: result.message }, { status: 409 })
	return redirect(safeRedirect(form.get('redirectTo'), '/orders'))
}

export default function AcceptPage() {
	const { pending, redirectTo } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow stack" aria-labelledby="accept-title">
			<div>
				<p className="eyebrow">Before you continue</p>
				<h1 id="accept-title">We changed our {pending.map((item) => item.title).join(' and ')}</h1>
				<p>The change is material, so we need your agreement to keep providing the service under the new terms.</p>
			</div>
			{pending.map((item) => (
				<article key={item.kind} className="notice" aria-labelledby={`change-${item.kind}`}>
					<h2 id={`change-${item.kind}`}>
						{item.title}, version {item.version}
					</h2>
					<p>
						In force since <time dateTime={item.effective}>{item.effective}</time>. What changed: {item.summary}
					</p>
					<p className="actions">
						{item.diffHref ? <Link to={item.diffHref}>See exactly what changed</Link> : null}
						<Link to={`/policies/${item.kind}/${item.version}`}>Read the full text</Link>
					</p>
				</article>
			))}
			<Form method="post" className="stack">
				<input type="hidden" name="redirectTo" value={redirectTo} />
				{pending.map((item) => (
					<input key={item.kind} type="hidden" name={item.kind} value={item.version} />
				))}
				<div className="field checkbox">
					<input type="checkbox" id="accept" name="accept" aria-describedby={actionData?.message ? 'accept-error' : undefined} />
					<label htmlFor="accept">I have read and accept the new versions.</label>
				</div>
				{actionData?.message ? (
					<p id="accept-error" className="form-error" role="alert">
						{actionData.message}
					</p>
				) : null}
				<p className="actions">
					<button type="submit" className="button primary">
						Accept and continue
					</button>
					<Link to="/account" className="button">
						Not now: go to my account and privacy settings
					</Link>
				</p>
			</Form>
		</section>
	)
}
