import { getCollectionProps, getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { WizardSteps } from '#app/components/wizard-steps.tsx'
import type { BaseModelFamily } from '#app/generated/prisma/enums.ts'
import {
	COIN_VALUE_CENTS,
	DEFAULT_SETTINGS,
	FAMILY_INFO,
	formatCents,
	quoteCoins,
	readSettings,
	SETTING_RANGES,
	settingsSchema,
	type TrainingSettings,
} from '#app/orders/catalog.ts'
import { saveSettings } from '#app/orders/wizard.server.ts'
import { stepPath } from '#app/orders/steps.ts'
import { loadWizardStep } from '#app/orders/wizard-access.server.ts'
import { UserFacingError } from '#app/utils/errors.ts'
import { readForm } from '#app/utils/request-body.server.ts'

export const meta: MetaFunction = () => [{ title: 'Training settings — Lorica' }]

const STEP = 3

export async function loader({ request, params }: LoaderFunctionArgs) {
	const { order } = await loadWizardStep(request, params.orderId, 3)
	return {
		order: { id: order.id, wizardStep: order.wizardStep, baseModel: order.baseModel, family: FAMILY_INFO[order.baseModel].label },
		settings: readSettings(order.baseModel, order.settings),
		defaults: DEFAULT_SETTINGS[order.baseModel],
	}
}

export async function action({ request, params }: ActionFunctionArgs) {
	const { session, order } = await loadWizardStep(request, params.orderId, 3)
	const submission = parseWithZod(await readForm(request), { schema: settingsSchema(order.baseModel) })
	// Without JavaScript, "Reset to defaults" comes here as an intent: the reply carries the new values.
	if (submission.status !== 'success') return data({ result: submission.reply() }, { status: submission.status === 'error' ? 400 : 200 })
	try {
		await saveSettings(order.id, session.user.id, submission.value)
	} catch (error) {
		if (!(error instanceof UserFacingError)) throw error
		return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: error.status })
	}
	return redirect(stepPath(order.id, 'attestations'))
}

type NumberSetting = Exclude<keyof TrainingSettings, 'captions'>

const NUMBER_FIELDS: Array<{ name: NumberSetting; label: string; step: string; hint: string }> = [
	{ name: 'steps', label: 'Training steps', step: '1', hint: 'How long training runs; the price follows it.' },
	{ name: 'resolution', label: 'Resolution (pixels)', step: '64', hint: 'A multiple of 64.' },
	{ name: 'rank', label: 'LoRA rank', step: '1', hint: 'Capacity of the LoRA: higher learns more detail, and overfits sooner.' },
	{ name: 'alpha', label: 'LoRA alpha', step: '1', hint: 'Scales the update; at most the rank.' },
	{ name: 'unetLr', label: 'Learning rate', step: 'any', hint: 'Written like 0.0005.' },
	{ name: 'textEncoderLr', label: 'Text-encoder learning rate', step: 'any', hint: '0 keeps the text encoder as it is.' },
	{ name: 'epochs', label: 'Epochs', step: '1', hint: 'Passes over your images; at most the number of steps.' },
]

function formatSetting(name: NumberSetting, value: number) {
	return name === 'unetLr' || name === 'textEncoderLr' ? String(value) : value.toLocaleString('en')
}

function quoteFor(family: BaseModelFamily, value: unknown) {
	const steps = typeof value === 'string' && value.trim() ? Number(value) : NaN
	if (!Number.isInteger(steps) || steps < SETTING_RANGES.steps.min || steps > SETTING_RANGES.steps.max) return null
	const coins = quoteCoins(family, steps)
	return { coins, price: formatCents(coins * COIN_VALUE_CENTS) }
}

export default function OrderSettingsPage() {
	const { order, settings, defaults } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const schema = settingsSchema(order.baseModel)
	const [form, fields] = useForm({
		id: 'order-settings',
		lastResult: actionData?.result,
		defaultValue: settings,
		onValidate: ({ formData }) => parseWithZod(formData, { schema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	const frozenTextEncoder = defaults.textEncoderLr === 0
	const quote = quoteFor(order.baseModel, fields.steps.value)
	return (
		<section className="page narrow stack" aria-labelledby="settings-title">
			<WizardSteps orderId={order.id} current={STEP} furthest={order.wizardStep} />
			<div>
				<h1 id="settings-title">Training settings</h1>
				<p>
					Base model family: <strong>{order.family}</strong>. The defaults suit most concepts; change them only if you know why.
				</p>
			</div>
			<Form method="post" className="stack" {...getFormProps(form)}>
				<div className="settings-grid">
					{NUMBER_FIELDS.map(({ name, label, step, hint }) => {
						const range = SETTING_RANGES[name]
						const extra = name === 'textEncoderLr' && frozenTextEncoder ? `${order.family} trains with a frozen text encoder: keep it at 0. ` : ''
						return (
							<Field
								key={name}
								label={label}
								hint={`${extra}${hint} Default ${formatSetting(name, defaults[name])}; allowed ${formatSetting(name, range.min)} to ${formatSetting(name, range.max)}.`}
								errors={fields[name].errors}
								inputProps={{ ...getInputProps(fields[name], { type: 'number' }), step, min: range.min, max: range.max, inputMode: step === 'any' ? 'decimal' : 'numeric' }}
							/>
						)
					})}
				</div>
				<fieldset className="choice-group">
					<legend>Captions</legend>
					<div className="choice-row">
						{getCollectionProps(fields.captions, { type: 'radio', options: ['auto', 'own'] }).map((props) => (
							<div key={props.key} className="field checkbox">
								<input {...props} />
								<label htmlFor={props.id}>{props.value === 'auto' ? 'Automatic: we caption each image' : 'My own: the captions I wrote for each image'}</label>
							</div>
						))}
					</div>
					<ErrorList id={fields.captions.errorId} errors={fields.captions.errors} />
				</fieldset>
				<div className="settings-quote" aria-live="polite">
					<p className="eyebrow">Price for these settings</p>
					{quote ? (
						<p className="settings-quote-amount">
							<strong>{quote.coins.toLocaleString('en')} coins</strong> ({quote.price})
						</p>
					) : (
						<p className="settings-quote-amount">Enter a valid number of steps to see the price.</p>
					)}
				</div>
				<ErrorList id={form.errorId} errors={form.errors} />
				<p className="actions">
					<button type="submit" className="button primary">
						Save and continue
					</button>
					<button {...form.update.getButtonProps({ value: defaults })} className="button">
						Reset to defaults
					</button>
				</p>
			</Form>
		</section>
	)
}
