import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { TotpForm, TotpSchema } from '#app/components/totp-form.tsx'
import { isStaff } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import { TwoFactorError, verifySecondFactor } from '#app/auth/two-factor.server.ts'
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
	const session = await requireUser(request, { twoFactor: 'skip' })
	const submission = parseWithZod(await request.formData(), { schema: TotpSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		await verifySecondFactor(session, submission.value.code, 'signin')
	} catch (error) {
		if (!(error instanceof TwoFactorError)) throw error
		return data({ result: submission.reply({ fieldErrors: { code: [error.message] } }) }, { status: error.status })
	}
	return redirect(safeRedirect(submission.value.redirectTo, '/admin'))
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
