import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, OneTimeCodeField } from '#app/components/forms.tsx'
import { readLoginChallengeId } from '#app/auth/login-cookie.server.ts'
import { loginOutcomeResponse } from '#app/auth/login-responses.server.ts'
import { completeLogin, LoginError, verifyLoginCode } from '#app/auth/login.server.ts'
import { outboxOpenTo } from '#app/mail/mail.server.ts'
import { describePeriod } from '#app/privacy/periods.server.ts'
import { clientIpHash } from '#app/utils/client.server.ts'
import { readForm } from '#app/utils/request-body.server.ts'

const CodeSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'The code is the six digits from the e-mail') })

export const meta: MetaFunction = () => [{ title: 'Enter your code — Lorica' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
	if (!(await readLoginChallengeId(request))) throw redirect('/login')
	return { outbox: outboxOpenTo(request, context), codeLifetime: describePeriod('loginCookie') }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const challengeId = await readLoginChallengeId(request)
	if (!challengeId) throw redirect('/login')
	const submission = parseWithZod(await readForm(request), { schema: CodeSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		const verified = await verifyLoginCode(challengeId, submission.value.code, clientIpHash(context))
		return loginOutcomeResponse(await completeLogin(verified, request))
	} catch (error) {
		if (!(error instanceof LoginError)) throw error
		return data({ result: submission.reply({ fieldErrors: { code: [error.message] } }) }, { status: error.status })
	}
}

export default function CodePage() {
	const { outbox, codeLifetime } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const [form, fields] = useForm({
		id: 'login-code',
		constraint: getZodConstraint(CodeSchema),
		lastResult: actionData?.result,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: CodeSchema }),
		shouldRevalidate: 'onSubmit',
	})
	return (
		<section className="page narrow" aria-labelledby="code-title">
			<h1 id="code-title">Check your e-mail</h1>
			<p>If the address can receive mail, a six-digit code and a sign-in link are on their way. Both expire in {codeLifetime}.</p>
			{outbox ? (
				<p className="notice">
					Demo mode: no mail server is configured, so mail goes to the <Link to="/dev/outbox">demo mail outbox</Link>.
				</p>
			) : null}
			<Form method="post" className="stack" {...getFormProps(form)}>
				<OneTimeCodeField label="Code" errors={fields.code.errors} inputProps={getInputProps(fields.code, { type: 'text' })} />
				<ErrorList id={form.errorId} errors={form.errors} />
				<p>
					<button type="submit" className="button primary">
						Continue
					</button>
				</p>
			</Form>
			<p>
				No e-mail? Check the spam folder, or <Link to="/login">send a new code</Link>.
			</p>
		</section>
	)
}
