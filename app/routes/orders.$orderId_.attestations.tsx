import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxField, ErrorList } from '#app/components/forms.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { attest } from '#app/orders/wizard.server.ts'
import { stepPath } from '#app/orders/steps.ts'
import { loadWizardStep } from '#app/orders/wizard-access.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Your attestations — Lorica' }]

const STEP = 4

const AttestationSchema = z.object({
	rights: z.literal('on', { error: 'Confirm that you hold the rights to every image, or have permission to use them' }),
	consent: z.literal('on', { error: 'Confirm that no real person is shown without their consent to this training' }),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { order } = await loadWizardStep(request, params.orderId, 4)
	return {
		order: {
			id: order.id,
			wizardStep: order.wizardStep,
			images: order.images.length,
			attestedAt: order.attestedAt?.toISOString() ?? null,
		},
	}
}

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadWizardStep(request, params.orderId, 4)
	const submission = parseWithZod(await readForm(request), { schema: AttestationSchema })
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
	try {
		await attest(order.id, session.user.id)
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
	}
	return redirect(stepPath(order.id, 'review'))
}

export default function OrderAttestationsPage() {
	const { order } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const [form, fields] = useForm({
		id: 'order-attestations',
		constraint: getZodConstraint(AttestationSchema),
		lastResult: actionData?.result,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: AttestationSchema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	return (
		<section className="page narrow stack" aria-labelledby="attestations-title">
			<WizardSteps orderId={order.id} current={STEP} furthest={order.wizardStep} />
			<div>
				<h1 id="attestations-title">Your attestations</h1>
				<p>
					Before we train on your {order.images} images, confirm both statements. We record when you did, with this order. Adding
					images later means confirming again.
				</p>
			</div>
			{order.attestedAt ? (
				<p className="notice" role="status">
					You confirmed these statements on {order.attestedAt.slice(0, 16).replace('T', ' ')} UTC.{' '}
					<Link to={stepPath(order.id, 'review')}>Go on to the quote and payment</Link>, or confirm them again below.
				</p>
			) : null}
			<Form method="post" className="stack" {...getFormProps(form)}>
				<fieldset className="choice-group stack">
					<legend>I confirm that</legend>
					<CheckboxField
						label="I hold the rights to every image in this order, or have permission to use them for training."
						errors={fields.rights.errors}
						inputProps={getInputProps(fields.rights, { type: 'checkbox' })}
					/>
					<CheckboxField
						label="The images do not show a real person, unless that person has consented to this training. Lorica is for fictional characters and material you own."
						errors={fields.consent.errors}
						inputProps={getInputProps(fields.consent, { type: 'checkbox' })}
					/>
				</fieldset>
				<ErrorList id={form.errorId} errors={form.errors} />
				<p className="actions">
					<button type="submit" className="button primary">
						Confirm and continue to payment
					</button>
				</p>
			</Form>
		</section>
	)
}
