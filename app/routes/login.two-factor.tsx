import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { TotpForm } from '#app/components/totp-form.tsx'
import { isStaff } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import { totpStepAction } from '#app/auth/totp-step.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'

export const meta: MetaFunction = () => [{ title: 'Two-factor check — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requireUser(request, { twoFactor: 'skip' })
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/admin')
	if (!isStaff(session.user.role) || session.secondFactorAt) throw redirect(redirectTo)
	if (!session.user.totpEnabledAt) throw redirect(`/account/two-factor?${new URLSearchParams({ redirectTo })}`)
	return { redirectTo }
}

export async function action({ request }: ActionFunctionArgs) {
	return totpStepAction(request, await requireUser(request, { twoFactor: 'skip' }), 'signin', '/admin')
}

export default function TwoFactorCheckPage() {
	const { redirectTo } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow" aria-labelledby="tf-title">
			<h1 id="tf-title">Two-factor check</h1>
			<p>Staff accounts confirm every sign-in with the code from their authenticator app.</p>
			<TotpForm id="totp-signin" lastResult={actionData?.result} redirectTo={redirectTo} submitLabel="Verify" />
		</section>
	)
}
