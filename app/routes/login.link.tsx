import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { loginOutcomeResponse } from '#app/auth/login-responses.server.ts'
import { completeLogin, LoginError, verifyLoginToken } from '#app/auth/login.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'

// Opening the link only shows a button: mail scanners that prefetch links must not spend
// the single-use token; the POST from the button does.

export const meta: MetaFunction = () => [{ title: 'Sign in — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const token = new URL(request.url).searchParams.get('token') ?? ''
	return { token }
}

export async function action({ request }: ActionFunctionArgs) {
	const token = String((await readForm(request)).get('token') ?? '')
	try {
		if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new LoginError('This sign-in link is not valid. Request a new one.')
		return loginOutcomeResponse(await completeLogin(await verifyLoginToken(token), request))
	} catch (error) {
		if (!(error instanceof LoginError)) throw error
		return data({ error: error.message }, { status: error.status })
	}
}

export default function LinkPage() {
	const { token } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow" aria-labelledby="link-title">
			<h1 id="link-title">Sign in to Lorica</h1>
			{actionData?.error ? (
				<>
					<p className="form-error" role="alert">
						{actionData.error}
					</p>
					<p>
						<Link to="/login" className="button">
							Request a new code
						</Link>
					</p>
				</>
			) : (
				<Form method="post" className="stack">
					<input type="hidden" name="token" value={token} />
					<p>Continue to sign in with the link from your e-mail.</p>
					<p>
						<button type="submit" className="button primary">
							Sign in
						</button>
					</p>
				</Form>
			)}
		</section>
	)
}
