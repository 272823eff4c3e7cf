import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { checkUnsubscribeToken, unsubscribe } from '#app/consent/marketing.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'

// One click from a marketing e-mail: mail clients POST here directly (RFC 8058), browsers
// see a button first so that link scanners cannot unsubscribe anyone by opening the link.

export const meta: MetaFunction = () => [{ title: 'Unsubscribe — Lorica' }]

function params(request: Request) {
	const url = new URL(request.url)
	return { userId: url.searchParams.get('u') ?? '', token: url.searchParams.get('t') ?? '' }
}

export async function loader({ request }: LoaderFunctionArgs) {
	const { userId, token } = params(request)
	try {
		checkUnsubscribeToken(userId, token)
		return { valid: true as const, error: null }
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ valid: false as const, error: error.message }, { status: 400 })
	}
}

export async function action({ request, context }: ActionFunctionArgs) {
	const { userId, token } = params(request)
	try {
		await unsubscribe(request, context, userId, token)
		return { done: true as const, error: null }
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ done: false as const, error: error.message }, { status: error.status })
	}
}

export default function UnsubscribePage() {
	const page = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<section className="page narrow" aria-labelledby="unsub-title">
			<h1 id="unsub-title">Unsubscribe from Lorica news</h1>
			{result?.done ? (
				<p className="notice" role="status">
					Done: you will get no more news e-mails. Service e-mails about your orders and account still reach you.
				</p>
			) : page.error || result?.error ? (
				<p className="form-error" role="alert">
					{result?.error ?? page.error}
				</p>
			) : (
				<Form method="post">
					<p>Stop all news e-mails from Lorica?</p>
					<button type="submit" className="button primary">
						Unsubscribe
					</button>
				</Form>
			)}
		</section>
	)
}
