import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { Form } from '@remix-run/react'
import type { ReactNode } from 'react'
import { z } from 'zod'
import { ErrorList, OneTimeCodeField } from './forms.tsx'

export const TotpSchema = z.object({
	code: z.string().trim().regex(/^\d{6}$/, 'Enter the six digits your authenticator app shows'),
	redirectTo: z.string().optional(),
})

export function TotpForm({
	id,
	lastResult,
	redirectTo,
	submitLabel,
	children,
}: {
	id: string
	lastResult?: SubmissionResult<string[]>
	redirectTo: string
	submitLabel: string
	children?: ReactNode
}) {
	const [form, fields] = useForm({
		id,
		constraint: getZodConstraint(TotpSchema),
		lastResult,
		onValidate: ({ formData }) => parseWithZod(formData, { schema: TotpSchema }),
		shouldRevalidate: 'onSubmit',
	})
	return (
		<Form method="post" className="stack" {...getFormProps(form)}>
			{children}
			<input type="hidden" name="redirectTo" value={redirectTo} />
			<OneTimeCodeField label="Authenticator code" errors={fields.code.errors} inputProps={getInputProps(fields.code, { type: 'text' })} />
			<ErrorList id={form.errorId} errors={form.errors} />
			<p>
				<button type="submit" className="button primary">
					{submitLabel}
				</button>
			</p>
		</Form>
	)
}
