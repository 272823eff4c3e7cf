import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData } from '@remix-run/react'
import { requirePermission } from '#app/auth/require.server.ts'
import { OrderDetailsForm } from '#app/components/order-details-form.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import { createDraft } from '#app/orders/wizard.server.ts'
import { detailsSchema, stepPath } from '#app/orders/steps.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'New order: model and concept — Lorica' }]

export async function loader({ request }: LoaderFunctionArgs) {
	await requirePermission(request, 'update:order:own')
	return null
}

export async function action({ request }: ActionFunctionArgs) {
	const session = await requirePermission(request, 'update:order:own')
	const submission = parseWithZod(await readForm(request), { schema: detailsSchema })
	// Browsers without JavaScript submit straight here; the same schema validated in the page.
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: submission.status === 'error' ? 400 : 200 })
	const orderId = await createDraft(session.user.id, submission.value)
	return redirect(stepPath(orderId, 'images'))
}

export default function NewOrderPage() {
	const actionData = useActionData<typeof action>()
	return (
		<section className="page narrow stack" aria-labelledby="details-title">
			<WizardSteps current={1} furthest={1} />
			<div>
				<h1 id="details-title">Model and concept</h1>
				<p>Tell us which model to train for and what your LoRA should learn. You can change this until you pay.</p>
			</div>
			<OrderDetailsForm id="order-details" lastResult={actionData?.result} submitLabel="Save and continue to images" />
		</section>
	)
}
