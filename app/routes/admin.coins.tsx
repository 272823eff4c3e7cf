import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { backOfficeLinks } from '#app/auth/back-office.server.ts'
import { requirePermission } from '#app/auth/require.server.ts'
import { adjustCoins, recentAdjustments } from '#app/coins/adjustments.server.ts'
import { BackOfficeNav } from '#app/components/back-office-nav.tsx'
import { ActionMessages, Field } from '#app/components/forms.tsx'
import { describePeriod } from '#app/privacy/periods.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'
import { text } from '#app/utils/text-schema.ts'

export const meta: MetaFunction = () => [{ title: 'Coin adjustments — Lorica back office' }]

const AdjustmentSchema = z.object({
	email: z.email({ error: 'Enter the customer’s e-mail address' }),
	coins: z
		.number({ error: 'Enter a whole number of coins, negative to take coins back' })
		.int('Enter a whole number of coins')
		.refine((value) => value !== 0, 'An adjustment of 0 coins changes nothing')
		.refine((value) => Math.abs(value) <= 100_000, 'Adjust at most 100,000 coins at once'),
	reason: text('Give the reason; the customer sees it in their wallet').trim().min(5, 'Give the reason in at least 5 characters').max(300, 'Keep the reason under 300 characters'),
})

export async function loader({ request }: LoaderFunctionArgs) {
	const session = await requirePermission(request, 'update:wallet:any')
	const adjustments = await recentAdjustments()
	return {
		links: backOfficeLinks(session.user.role),
		coinLifetime: describePeriod('coinLifetime'),
		adjustments: adjustments.map((entry) => ({ id: entry.id, email: entry.user?.email ?? '(erased account)', coins: entry.amount, reason: entry.reason, at: entry.createdAt.toISOString() })),
	}
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:wallet:any')
	const submission = parseWithZod(await readForm(request), { schema: AdjustmentSchema })
	if (submission.status !== 'success') return data({ result: submission.reply(), message: null }, { status: 422 })
	try {
		await adjustCoins({ id: session.user.id, role: session.user.role }, submission.value)
		const { coins, email } = submission.value
		return data({ result: submission.reply({ resetForm: true }), message: `${coins > 0 ? 'Credited' : 'Took back'} ${Math.abs(coins)} coins ${coins > 0 ? 'to' : 'from'} ${email}.` })
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }), message: null }, { status: error.status })
	}
}

export default function CoinAdjustments() {
	const { links, adjustments, coinLifetime } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const [form, fields] = useForm({
		lastResult: actionData?.result,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: AdjustmentSchema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	return (
		<section className="page stack" aria-labelledby="coins-title">
			<div>
				<p className="eyebrow">Back office</p>
				<h1 id="coins-title">Coin adjustments</h1>
				<BackOfficeNav links={links} />
			</div>
			<ActionMessages message={actionData?.message} />
			<Form method="post" className="stack" {...getFormProps(form)}>
				{form.errors?.length ? (
					<p className="form-error" role="alert">
						{form.errors.join(' ')}
					</p>
				) : null}
				<Field label="Customer e-mail" errors={fields.email.errors} inputProps={getInputProps(fields.email, { type: 'email' })} />
				<Field label="Coins" hint={`Positive to credit (expires in ${coinLifetime}), negative to take back`} errors={fields.coins.errors} inputProps={getInputProps(fields.coins, { type: 'number' })} />
				<Field label="Reason" hint="Shown to the customer in their wallet and kept in the audit log" errors={fields.reason.errors} inputProps={getInputProps(fields.reason, { type: 'text' })} />
				<p>
					<button className="button primary" type="submit">
						Adjust
					</button>
				</p>
			</Form>
			<h2>Recent adjustments</h2>
			{adjustments.length ? (
				<ul>
					{adjustments.map((entry) => (
						<li key={entry.id}>
							{entry.at.slice(0, 10)} · {entry.email} · {entry.coins > 0 ? `+${entry.coins}` : entry.coins} · {entry.reason}
						</li>
					))}
				</ul>
			) : (
				<p>No adjustments yet.</p>
			)}
		</section>
	)
}
