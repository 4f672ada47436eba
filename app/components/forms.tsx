/**
 * Form fields that show their errors beside them: the input is `aria-invalid` and `aria-describedby` its error
 * (and hint), so a screen reader announces why a field was refused. Works the same with JavaScript off.
 */
import type { InputHTMLAttributes, ReactNode } from 'react'
import { HONEYPOT_FIELD } from '#app/schemas/auth.ts'

export type FieldErrors = Record<string, string[] | undefined>

type FieldProps = {
	label: string
	name: string
	errors?: string[] | undefined
	hint?: ReactNode
	/** Extra attributes for the input (type, autoComplete, defaultValue, required…). */
	inputProps?: InputHTMLAttributes<HTMLInputElement>
}

export function Field({ label, name, errors, hint, inputProps }: FieldProps) {
	const id = inputProps?.id ?? `field-${name}`
	const errorId = `${id}-error`
	const hintId = `${id}-hint`
	const invalid = Boolean(errors && errors.length > 0)
	const describedBy = [hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(' ') || undefined
	return (
		<div className="space-y-1">
			<label htmlFor={id} className="block text-sm font-medium text-zinc-200">
				{label}
			</label>
			<input
				{...inputProps}
				id={id}
				name={name}
				className="field"
				aria-invalid={invalid || undefined}
				aria-describedby={describedBy}
			/>
			{hint ? (
				<p id={hintId} className="text-xs text-zinc-400">
					{hint}
				</p>
			) : null}
			{invalid ? (
				<p id={errorId} className="text-sm text-red-300">
					{errors?.join(' ')}
				</p>
			) : null}
		</div>
	)
}

/** Errors about the whole form (wrong password, rate limit…), announced when they appear. */
export function FormErrors({ id, errors }: { id: string; errors?: string[] | undefined }) {
	if (!errors || errors.length === 0) return null
	return (
		<div id={id} role="alert" className="rounded-md border border-red-800 bg-red-950/50 p-3 text-sm text-red-200">
			{errors.map(e => (
				<p key={e}>{e}</p>
			))}
		</div>
	)
}

/** A one-shot confirmation ("Saved."), announced politely. */
export function Notice({ children }: { children: ReactNode }) {
	return (
		<p role="status" className="rounded-md border border-emerald-800 bg-emerald-950/40 p-3 text-sm text-emerald-200">
			{children}
		</p>
	)
}

/**
 * The honeypot of the public forms: off-screen and hidden from assistive technology, skipped by the keyboard,
 * so only bots fill it in.
 */
export function Honeypot() {
	return (
		<div aria-hidden="true" className="absolute -left-[10000px] top-auto h-px w-px overflow-hidden">
			<label htmlFor={`field-${HONEYPOT_FIELD}`}>Leave this field empty</label>
			<input
				id={`field-${HONEYPOT_FIELD}`}
				type="text"
				name={HONEYPOT_FIELD}
				tabIndex={-1}
				autoComplete="off"
				defaultValue=""
			/>
		</div>
	)
}
