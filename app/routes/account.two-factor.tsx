import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { TotpForm, TotpSchema } from '#app/components/totp-form.tsx'
import { isStaff } from '#app/auth/permissions.ts'
import { requireUser } from '#app/auth/require.server.ts'
import { beginEnrolment, completeEnrolment, TwoFactorError } from '#app/auth/two-factor.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'
import { readForm } from '#app/utils/request-body.server.ts'

const EnrolSchema = TotpSchema.extend({ sealedSecret: z.string().min(10) })

export const meta: MetaFunction = () => [{ title: 'Two-factor authentication — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requireUser(request, { twoFactor: 'skip' })
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), isStaff(session.user.role) ? '/admin' : '/account')
	if (session.user.totpEnabledAt) return { enabled: true as const, redirectTo }
	const enrolment = await beginEnrolment(session.user.email)
	return { enabled: false as const, redirectTo, staff: isStaff(session.user.role), ...enrolment }
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requireUser(request, { twoFactor: 'skip' })
	const submission = parseWithZod(await readForm(request), { schema: EnrolSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		await completeEnrolment(session, submission.value.sealedSecret, submission.value.code)
	} catch (error) {
		if (!(error instanceof TwoFactorError)) throw error
		return data({ result: submission.reply({ fieldErrors: { code: [error.message] } }) }, { status: error.status })
	}
	return redirect(safeRedirect(submission.value.redirectTo, '/account'))
}

export default function EnrolPage() {
	const page = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	if (page.enabled)
		return (
			<section className="page narrow" aria-labelledby="tf-title">
				<h1 id="tf-title">Two-factor authentication</h1>
				<p className="notice">Two-factor authentication is on for your account.</p>
				<p>
					<Link to={page.redirectTo}>Continue</Link>
				</p>
			</section>
		)
	return (
		<section className="page narrow" aria-labelledby="tf-title">
			<h1 id="tf-title">Set up two-factor authentication</h1>
			{page.staff ? (
				<p className="notice warning">Staff accounts must set this up before any back-office page opens.</p>
			) : null}
			<ol>
				<li>Open an authenticator app (for example Aegis, 2FAS, Google Authenticator or 1Password).</li>
				<li>Scan this QR code, or type the key below.</li>
				<li>Enter the six-digit code the app shows.</li>
			</ol>
			<div className="qr" role="img" aria-label="QR code for your authenticator app" dangerouslySetInnerHTML={{ __html: page.qrSvg }} />
			<p>
				Key: <code data-testid="totp-secret">{page.secret}</code>
			</p>
			<TotpForm id="totp-enrol" lastResult={actionData?.result} redirectTo={page.redirectTo} submitLabel="Turn on two-factor authentication">
				<input type="hidden" name="sealedSecret" value={page.sealed} />
			</TotpForm>
		</section>
	)
}
