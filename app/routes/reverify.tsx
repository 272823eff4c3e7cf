import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { TotpForm, TotpSchema } from '#app/components/totp-form.tsx'
import { requireUser } from '#app/auth/require.server.ts'
import { TwoFactorError, verifySecondFactor } from '#app/auth/two-factor.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'

export const meta: MetaFunction = () => [{ title: 'Confirm it is you — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requireUser(request)
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '/account')
	if (!session.user.totpEnabledAt) throw redirect(`/account/two-factor?${new URLSearchParams({ redirectTo })}`)
	return { redirectTo }
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requireUser(request)
	const submission = parseWithZod(await request.formData(), { schema: TotpSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		await verifySecondFactor(session, submission.value.code, 'reverify')
	} catch (error) {
		if (!(error instanceof TwoFactorError)) throw error
		return data({ result: submission.reply({ fieldErrors: { code: [error.message] } }) }, { status: error.status })
	}
	return redirect(safeRedirect(submission.value.redirectTo, '/account'))
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
