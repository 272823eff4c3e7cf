import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxField, ErrorList, Field } from '#app/components/forms.tsx'
import { clearLoginChallengeCookie, readLoginChallengeId } from '#app/auth/login-cookie.server.ts'
import { completeSignup, LoginError, pendingSignup, signupPolicies } from '#app/auth/login.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'
import { text } from '#app/utils/text-schema.ts'

const SignupSchema = z.object({
	displayName: text().trim().max(80, 'Keep the name under 80 characters').optional(),
	ageConfirmed: z.literal('on', { error: 'Lorica is for adults only: confirm that you are 18 or older' }),
	acceptPolicies: z.literal('on', { error: 'Accept the Terms of Service and the Privacy Policy to create an account' }),
	termsVersion: z.string(),
	privacyVersion: z.string(),
})

export const meta: MetaFunction = () => [{ title: 'Create your account — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	const pending = await pendingSignup(await readLoginChallengeId(request))
	if (!pending) throw redirect('/login')
	return { email: pending.email, policies: await signupPolicies() }
}

export async function action({ request }: ActionFunctionArgs) {
	const challengeId = await readLoginChallengeId(request)
	if (!challengeId) throw redirect('/login')
	const submission = parseWithZod(await readForm(request), { schema: SignupSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		const result = await completeSignup(
			challengeId,
			{
				displayName: submission.value.displayName,
				acceptedTermsVersion: submission.value.termsVersion,
				acceptedPrivacyVersion: submission.value.privacyVersion,
			},
			request,
		)
		const headers = new Headers()
		headers.append('Set-Cookie', result.setCookie)
		headers.append('Set-Cookie', await clearLoginChallengeCookie())
		return redirect(safeRedirect(result.redirectTo, '/account'), { headers })
	} catch (error) {
		if (!(error instanceof LoginError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
	}
}

export default function SignupPage() {
	const { email, policies } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const [form, fields] = useForm({
		id: 'signup',
		constraint: getZodConstraint(SignupSchema),
		lastResult: actionData?.result,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: SignupSchema }),
		// Not onBlur: an error vanishing on blur shifts the layout under the pointer mid-click.
		shouldRevalidate: 'onInput',
	})
	return (
		<section className="page narrow" aria-labelledby="signup-title">
			<h1 id="signup-title">Create your account</h1>
			<p>
				Your e-mail address <strong>{email}</strong> is confirmed. One more step.
			</p>
			<Form method="post" className="stack" {...getFormProps(form)}>
				<input type="hidden" name="termsVersion" value={policies.terms} />
				<input type="hidden" name="privacyVersion" value={policies.privacy} />
				<Field
					label="Name (optional)"
					hint="Shown on your invoices and in messages from us."
					errors={fields.displayName.errors}
					inputProps={{ ...getInputProps(fields.displayName, { type: 'text' }), autoComplete: 'name' }}
				/>
				<CheckboxField
					label="I am 18 years of age or older."
					errors={fields.ageConfirmed.errors}
					inputProps={getInputProps(fields.ageConfirmed, { type: 'checkbox' })}
				/>
				<CheckboxField
					label={
						<>
							I accept the{' '}
							<Link to="/policies/terms" target="_blank">
								Terms of Service (version {policies.terms})
							</Link>{' '}
							and have read the{' '}
							<Link to="/policies/privacy" target="_blank">
								Privacy Policy (version {policies.privacy})
							</Link>
							.
						</>
					}
					errors={fields.acceptPolicies.errors}
					inputProps={getInputProps(fields.acceptPolicies, { type: 'checkbox' })}
				/>
				<ErrorList id={form.errorId} errors={form.errors} />
				<p>
					<button type="submit" className="button primary">
						Create account
					</button>
				</p>
			</Form>
		</section>
	)
}
