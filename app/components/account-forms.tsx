/**
 * The parts the account forms share (sign-in, sign-up, the settings page): the public form with its error summary,
 * honeypot and submit button, and the fields that ask for the same thing everywhere.
 */
import { Form, useNavigation } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import type { ReactNode } from 'react'
import { ErrorSummary, FieldScope, Honeypot, TextField } from '#app/components/forms.tsx'
import type { FieldErrors } from '#app/components/forms.tsx'
import { PASSWORD_MIN_LENGTH } from '#app/schemas/auth-fields.ts'

/** The other public form's address, keeping where to go after signing in (`/login` ↔ `/signup`). */
export function authHref(path: string, redirectTo: string): string {
	return redirectTo === '/' ? path : `${path}?redirectTo=${encodeURIComponent(redirectTo)}`
}

/**
 * A public form (sign-in, sign-up), showing the action's `answer`. With JavaScript the page is not reloaded
 * after an answer, so the password is emptied as a reload would (the error summary takes focus).
 */
export function PublicForm({
	labels,
	answer,
	initialError,
	redirectTo,
	submit,
	children,
}: {
	labels: Record<string, string>
	answer: { fields: FieldErrors; formErrors: readonly string[] } | undefined
	/** Shown before anything is sent (a message the previous page left, e.g. a failed sign-in with GitHub). */
	initialError?: string | null | undefined
	redirectTo: string
	/** The button's words, idle and while the form is sent. */
	submit: { idle: string; busy: string }
	children: ReactNode
}) {
	const busy = useNavigation().state === 'submitting'
	const form = useRef<HTMLFormElement>(null)
	useEffect(() => {
		const password = form.current?.elements.namedItem('password')
		if (answer && password instanceof HTMLInputElement) {
			password.value = ''
		}
	}, [answer])
	const formErrors = answer ? answer.formErrors : initialError ? [initialError] : []
	return (
		<Form ref={form} method="post" className="card relative mt-6 space-y-4">
			<FieldScope errors={answer?.fields}>
				<ErrorSummary labels={labels} formErrors={formErrors} />
				<input type="hidden" name="redirectTo" value={redirectTo} />
				{children}
				<Honeypot />
				<button type="submit" className="btn w-full" disabled={busy}>
					{busy ? submit.busy : submit.idle}
				</button>
			</FieldScope>
		</Form>
	)
}

export function EmailField({ defaultValue }: { defaultValue: string }) {
	return (
		<TextField label="E-mail" name="email" type="email" autoComplete="email" required defaultValue={defaultValue} />
	)
}

export function NameField({ defaultValue }: { defaultValue: string }) {
	return (
		<TextField
			label="Name"
			name="name"
			type="text"
			autoComplete="name"
			required
			maxLength={200}
			defaultValue={defaultValue}
		/>
	)
}

/** A password being chosen: the minimum length is said and checked in the browser too. */
export function NewPasswordField({ name, label, hint }: { name: string; label: string; hint: string }) {
	return (
		<TextField
			label={label}
			name={name}
			description={`At least ${PASSWORD_MIN_LENGTH} characters. ${hint}`}
			type="password"
			autoComplete="new-password"
			required
			minLength={PASSWORD_MIN_LENGTH}
		/>
	)
}
