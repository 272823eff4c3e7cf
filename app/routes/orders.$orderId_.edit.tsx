import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { OrderDetailsForm } from '#app/components/order-details-form.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { updateDetails } from '#app/orders/wizard.server.ts'
import { detailsSchema, stepPath } from '#app/orders/steps.ts'
import { loadWizardStep } from '#app/orders/wizard-access.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Model and concept — Lorica' }]

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { order } = await loadWizardStep(request, params.orderId, 1)
	return {
		order: {
			id: order.id,
			wizardStep: order.wizardStep,
			details: {
				baseModel: order.baseModel,
				conceptType: order.conceptType,
				conceptDescription: order.conceptDescription,
				triggerWords: order.triggerWords.join(' '),
			},
		},
	}
}

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadWizardStep(request, params.orderId, 1)
	const submission = parseWithZod(await readForm(request), { schema: detailsSchema })
	// Browsers without JavaScript submit straight here; the same schema validated in the page.
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: submission.status === 'error' ? 400 : 200 })
	try {
		await updateDetails(order.id, session.user.id, submission.value)
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
	}
	return redirect(stepPath(order.id, 'images'))
}

export default function EditOrderDetailsPage() {
	const { order } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow stack" aria-labelledby="details-title">
			<WizardSteps orderId={order.id} current={1} furthest={order.wizardStep} />
			<div>
				<h1 id="details-title">Model and concept</h1>
				<p>Change the model family or what your LoRA should learn. Your images stay with the order.</p>
			</div>
			<OrderDetailsForm
				id="order-details"
				lastResult={actionData?.result}
				defaultValue={order.details}
				submitLabel="Save and continue to images"
				notice={
					order.wizardStep >= 3 ? (
						<p className="notice warning">
							Choosing another base model family resets the training settings to that family’s defaults: you will review them
							again before paying.
						</p>
					) : null
				}
			/>
		</section>
	)
}
