import { useId, type InputHTMLAttributes } from 'react'

export function ErrorList({ id, errors }: { id?: string; errors?: string[] | null }) {
	if (!errors?.length) return null
	return (
		<ul id={id} className="field-errors" role="alert">
			{errors.map((error) => (
				<li key={error}>{error}</li>
			))}
		</ul>
	)
}

export function Field({
	label,
	hint,
	errors,
	inputProps,
}: {
	label: string
	hint?: string
	errors?: string[]
	inputProps: InputHTMLAttributes<HTMLInputElement>
}) {
	const fallbackId = useId()
	const id = inputProps.id ?? fallbackId
	const errorId = errors?.length ? `${id}-error` : undefined
	const hintId = hint ? `${id}-hint` : undefined
	return (
		<div className="field">
			<label htmlFor={id}>{label}</label>
			{hint ? (
				<p id={hintId} className="hint">
					{hint}
				</p>
			) : null}
			<input
				{...inputProps}
				id={id}
				aria-invalid={errorId ? true : undefined}
				aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
			/>
			<ErrorList id={errorId} errors={errors} />
		</div>
	)
}

export function CheckboxField({
	label,
	errors,
	inputProps,
}: {
	label: React.ReactNode
	errors?: string[]
	inputProps: InputHTMLAttributes<HTMLInputElement>
}) {
	const fallbackId = useId()
	const id = inputProps.id ?? fallbackId
	const errorId = errors?.length ? `${id}-error` : undefined
	return (
		<div className="field checkbox">
			<input {...inputProps} type="checkbox" id={id} aria-invalid={errorId ? true : undefined} aria-describedby={errorId} />
			<label htmlFor={id}>{label}</label>
			<ErrorList id={errorId} errors={errors} />
		</div>
	)
}

/** A field people never see and bots fill in; see checkHoneypot. */
export function Honeypot() {
	return (
		<div className="visually-hidden" aria-hidden="true">
			<label htmlFor="website-field">Leave this field empty</label>
			<input id="website-field" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
		</div>
	)
}

/** Six digits from an e-mail or an authenticator app: numeric keypad, autofill, focus. */
export function OneTimeCodeField({
	label,
	errors,
	inputProps,
}: {
	label: string
	errors?: string[]
	inputProps: InputHTMLAttributes<HTMLInputElement>
}) {
	return (
		<Field
			label={label}
			errors={errors}
			inputProps={{ ...inputProps, inputMode: 'numeric', autoComplete: 'one-time-code', className: 'code-input', autoFocus: true }}
		/>
	)
}

/** What an action answered: a confirmation read out politely, an error announced at once. */
export function ActionMessages({ message, error }: { message?: string | null; error?: string | null }) {
	return (
		<>
			{message ? (
				<p className="notice" role="status">
					{message}
				</p>
			) : null}
			{error ? (
				<p className="form-error" role="alert">
					{error}
				</p>
			) : null}
		</>
	)
}
