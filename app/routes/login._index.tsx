import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field, Honeypot } from '#app/components/forms.tsx'
import { setLoginChallengeCookie } from '#app/auth/login-cookie.server.ts'
import { LoginError, startLogin } from '#app/auth/login.server.ts'
import { requireAnonymous } from '#app/auth/require.server.ts'
import { clientIpHash } from '#app/utils/client.server.ts'
import { checkHoneypot } from '#app/utils/honeypot.server.ts'
import { safeRedirect } from '#app/utils/redirect.ts'
import { readForm } from '#app/utils/request-body.server.ts'

const LoginSchema = z.object({
	email: z
		.string({ error: 'Enter your e-mail address' })
		.trim()
		.pipe(z.email('Enter an e-mail address like name@example.com').max(254, 'That e-mail address is too long')),
	redirectTo: z.string().optional(),
})

export const meta: MetaFunction = () => [{ title: 'Sign in — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	await requireAnonymous(request)
	return { redirectTo: safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '') }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const formData = await readForm(request)
	checkHoneypot(formData)
	const submission = parseWithZod(formData, { schema: LoginSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		const { challengeId } = await startLogin({
			email: submission.value.email,
			redirectTo: safeRedirect(submission.value.redirectTo, '/account'),
			ipHash: clientIpHash(context),
			request,
		})
		return redirect('/login/code', { headers: { 'Set-Cookie': await setLoginChallengeCookie(challengeId) } })
	} catch (error) {
		if (!(error instanceof LoginError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
	}
}

export default function LoginPage() {
	const { redirectTo } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const navigation = useNavigation()
	const [form, fields] = useForm({
		id: 'login',
		constraint: getZodConstraint(LoginSchema),
		lastResult: actionData?.result,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: LoginSchema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	return (
		<section className="page narrow" aria-labelledby="login-title">
			<h1 id="login-title">Sign in or create an account</h1>
			<p>
				Enter your e-mail address. We send you a link and a six-digit code; either signs you in. New here? The same
				step creates your account.
			</p>
			<Form method="post" className="stack" {...getFormProps(form)}>
				<Honeypot />
				<input type="hidden" name="redirectTo" value={redirectTo} />
				<Field
					label="E-mail address"
					errors={fields.email.errors}
					inputProps={{ ...getInputProps(fields.email, { type: 'email' }), autoComplete: 'email', autoFocus: true }}
				/>
				<ErrorList id={form.errorId} errors={form.errors} />
				<p>
					<button type="submit" className="button primary" disabled={navigation.state !== 'idle'}>
						{navigation.state === 'submitting' ? 'Sending…' : 'Send me a sign-in code'}
					</button>
				</p>
			</Form>
		</section>
	)
}
