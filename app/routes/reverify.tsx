import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { TotpForm } from '#app/components/totp-form.tsx'
import { requireUser } from '#app/auth/require.server.ts'
import { totpStepAction } from '#app/auth/totp-step.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'

export const meta: MetaFunction = () => [{ title: 'Confirm it is you — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/account')
	if (!session.user.totpEnabledAt) throw redirect(`/account/two-factor?${new URLSearchParams({ redirectTo })}`)
	return { redirectTo }
}

export async function action({ request }: ActionFunctionArgs) {
	return totpStepAction(request, await requireUser(request), 'reverify', '/account')
}

export default function ReverifyPage() {
	const { redirectTo } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow" aria-labelledby="rv-title">
			<h1 id="rv-title">Confirm it is you</h1>
			<p>This action cannot be undone lightly, so it needs a fresh code from your authenticator app (valid for 10 minutes).</p>
			<TotpForm id="totp-reverify" lastResult={actionData?.result} redirectTo={redirectTo} submitLabel="Confirm" />
		</section>
	)
}
