import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { getCurrentSession } from '#app/auth/session.server.ts'
import { ActionMessages } from '#app/components/forms.tsx'
import { consentRateLimited, consentState, readConsentSubject, recordConsent, type ConsentMethod } from '#app/consent/consent.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'
import { readForm } from '#app/utils/request-body.server.ts'

// Cookie settings: reachable from every page's footer, without an account.

export const meta: MetaFunction = () => [{ title: 'Cookie settings — Lorica' }]

const IntentSchema = z.enum(['accept_all', 'reject_all', 'custom', 'withdraw'], { error: 'Choose Accept all, Reject all, Save my choices or Withdraw.' })

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await getCurrentSession(request)
	const state = await consentState({ subjectId: await readConsentSubject(request), userId: session?.user.id ?? null })
	const describe = (purpose: 'analytics' | 'advertising') => {
		const choice = state.purposes[purpose]
		return choice ? { granted: choice.granted, method: choice.method, at: choice.at.toISOString(), gpc: choice.gpc } : null
	}
	return {
		redirectTo: safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/'),
		analytics: describe('analytics'),
		advertising: describe('advertising'),
	}
}

export async function action({ request, context }: ActionFunctionArgs) {
	const limited = await consentRateLimited(context)
	if (limited) return data({ error: limited.message }, { status: 429, headers: { 'Retry-After': String(limited.retryAfterSeconds) } })
	const form = await readForm(request)
	const intent = IntentSchema.safeParse(form.get('intent'))
	if (!intent.success) return data({ error: intent.error.issues[0]!.message }, { status: 400 })
	const session = await getCurrentSession(request)
	const choices =
		intent.data === 'accept_all'
			? { analytics: true, advertising: true }
			: intent.data === 'custom'
				? { analytics: form.get('analytics') === 'on', advertising: form.get('advertising') === 'on' }
				: { analytics: false, advertising: false }
	const method: ConsentMethod = intent.data === 'withdraw' ? 'withdrawal' : intent.data
	const { setCookie } = await recordConsent(request, context, { userId: session?.user.id ?? null, choices, method })
	return redirect(safeRedirect(form.get('redirectTo'), '/'), setCookie ? { headers: { 'Set-Cookie': setCookie } } : undefined)
}

function Status({ choice }: { choice: { granted: boolean; at: string; gpc: boolean; method: string } | null }) {
	if (!choice) return <span className="status">not chosen yet</span>
	return (
		<span className="status">
			{choice.granted ? 'allowed' : 'refused'} on {choice.at.slice(0, 10)}
			{choice.method === 'gpc' ? ' (by your browser’s Global Privacy Control signal)' : ''}
		</span>
	)
}

export default function ConsentPage() {
	const { redirectTo, analytics, advertising } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<section className="page narrow stack" aria-labelledby="consent-title">
			<div>
				<h1 id="consent-title">Cookie settings</h1>
				<p>
					Mandatory cookies keep you signed in, protect forms and remember these choices; they are always on. The others are
					used only if you allow them. Details are in the <Link to="/policies/cookies">Cookie Policy</Link>.
				</p>
			</div>
			<ActionMessages error={result?.error} />
			<Form method="post" className="stack">
				<input type="hidden" name="redirectTo" value={redirectTo} />
				<fieldset className="stack">
					<legend>Optional cookies</legend>
					<div className="field checkbox">
						<input type="checkbox" id="consent-analytics" name="analytics" defaultChecked={analytics?.granted ?? false} />
						<label htmlFor="consent-analytics">
							Analytics — how pages are used, to improve them. <Status choice={analytics} />
						</label>
					</div>
					<div className="field checkbox">
						<input type="checkbox" id="consent-advertising" name="advertising" defaultChecked={advertising?.granted ?? false} />
						<label htmlFor="consent-advertising">
							Advertising — measuring the campaigns that brought you here. <Status choice={advertising} />
						</label>
					</div>
				</fieldset>
				<p className="actions">
					<button type="submit" name="intent" value="custom" className="button primary">
						Save my choices
					</button>
					<button type="submit" name="intent" value="accept_all" className="button">
						Accept all
					</button>
					<button type="submit" name="intent" value="reject_all" className="button">
						Reject all
					</button>
					{analytics?.granted || advertising?.granted ? (
						<button type="submit" name="intent" value="withdraw" className="button">
							Withdraw all consent
						</button>
					) : null}
				</p>
			</Form>
		</section>
	)
}
