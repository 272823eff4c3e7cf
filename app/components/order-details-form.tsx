import { getCollectionProps, getFormProps, getInputProps, useForm, type FieldMetadata, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import { Form } from '@remix-run/react'
import type { ReactNode } from 'react'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { CONCEPT_LABELS, CONCEPT_TYPES, FAMILIES, FAMILY_INFO } from '#app/orders/catalog.ts'
import { detailsSchema } from '#app/orders/steps.ts'

export type OrderDetailsValue = {
	baseModel: string
	conceptType: string
	conceptDescription: string
	triggerWords: string
}

/** Trigger-word errors come per word (triggerWords[1]) as well as for the list: show them all once. */
function allErrorsOf(field: FieldMetadata<unknown>) {
	return [...new Set(Object.values(field.allErrors).flat())]
}

/**
 * Step 1 of the order wizard, for a new order and for an existing draft. The browser checks
 * with the same detailsSchema the server enforces.
 */
export function OrderDetailsForm({
	id,
	lastResult,
	defaultValue,
	submitLabel,
	notice,
}: {
	id: string
	lastResult?: SubmissionResult<string[]> | null
	defaultValue?: OrderDetailsValue
	submitLabel: string
	notice?: ReactNode
}) {
	const [form, fields] = useForm({
		id,
		lastResult,
		defaultValue,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: detailsSchema }),
		shouldValidate: 'onSubmit',
		shouldRevalidate: 'onInput',
	})
	const triggerErrors = allErrorsOf(fields.triggerWords)
	return (
		<Form method="post" className="stack" {...getFormProps(form)}>
			<fieldset className="choice-group">
				<legend>Base model family</legend>
				<p className="hint">The model your LoRA is trained for. It decides the training settings and the price.</p>
				<div className="choice-cards">
					{getCollectionProps(fields.baseModel, { type: 'radio', options: [...FAMILIES] }).map((props) => {
						const family = FAMILY_INFO[props.value as (typeof FAMILIES)[number]]
						const descriptionId = `${props.id}-description`
						return (
							<div key={props.key} className="choice-card">
								<input {...props} aria-describedby={[descriptionId, props['aria-describedby']].filter(Boolean).join(' ')} />
								<label htmlFor={props.id}>{family.label}</label>
								<p id={descriptionId} className="hint">
									{family.description}
								</p>
							</div>
						)
					})}
				</div>
				<ErrorList id={fields.baseModel.errorId} errors={fields.baseModel.errors} />
			</fieldset>
			{notice}
			<fieldset className="choice-group">
				<legend>What are you training?</legend>
				<div className="choice-row">
					{getCollectionProps(fields.conceptType, { type: 'radio', options: [...CONCEPT_TYPES] }).map((props) => (
						<div key={props.key} className="field checkbox">
							<input {...props} />
							<label htmlFor={props.id}>{CONCEPT_LABELS[props.value as (typeof CONCEPT_TYPES)[number]]}</label>
						</div>
					))}
				</div>
				<ErrorList id={fields.conceptType.errorId} errors={fields.conceptType.errors} />
			</fieldset>
			<Field
				label="Concept description"
				hint="One sentence about the character, style or object, e.g. “a red fox mascot in a green scarf”."
				errors={fields.conceptDescription.errors}
				inputProps={{ ...getInputProps(fields.conceptDescription, { type: 'text' }), maxLength: 300, autoComplete: 'off' }}
			/>
			<Field
				label="Trigger words"
				hint="1 to 5 words that call up your concept in prompts, separated by spaces or commas (letters, digits, - or _)."
				errors={triggerErrors.length ? triggerErrors : undefined}
				inputProps={{ ...getInputProps(fields.triggerWords, { type: 'text' }), autoComplete: 'off', spellCheck: false }}
			/>
			<ErrorList id={form.errorId} errors={form.errors} />
			<p className="actions">
				<button type="submit" className="button primary">
					{submitLabel}
				</button>
			</p>
		</Form>
	)
}
