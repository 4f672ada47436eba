import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { ErrorSummary, FieldScope, Honeypot, TextField } from '#app/components/forms.tsx'
import { HONEYPOT_FIELD, PASSWORD_MIN_LENGTH, safeRedirect, SignUpSchema } from '#app/schemas/auth.ts'
import { clientIp, getUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { readForm } from '#app/utils/input.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// Every attempt counts per address; the lower `signup` limit counts only accounts created (in the auth service).
export const handle: RouteHandle = { rateLimit: 'signup_attempt' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'))
	if (await getUser(request, context)) throw redirect(redirectTo)
	return { redirectTo }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const form = await readForm(request)
	// Typed values come back so the form re-renders filled in; the password never does.
	const values = { name: form.name ?? '', email: form.email ?? '', redirectTo: safeRedirect(form.redirectTo) }
	const parsed = parseWith(SignUpSchema, form)
	if (!parsed.ok) {
		const bot = Boolean(parsed.fields[HONEYPOT_FIELD])
		return data(
			{
				fields: bot ? {} : parsed.fields,
				formErrors: bot ? ['The form could not be sent. Please try again.'] : parsed.formErrors,
				values,
			},
			{ status: 400 },
		)
	}
	const { name, email, password, redirectTo } = parsed.value
	const result = await context.services.auth.signUp(request, { name, email, password, ip: clientIp(context) })
	if (!result.ok) {
		const limited = result.retryAfterSeconds !== undefined
		return data(
			{ fields: result.fields, formErrors: result.formErrors, values },
			limited ? { status: 429, headers: { 'Retry-After': String(result.retryAfterSeconds) } } : { status: 400 },
		)
	}
	throw redirect(redirectTo, { status: 303, headers: result.headers })
}

const LABELS = { name: 'Name', email: 'E-mail', password: 'Password' }

export default function Signup() {
	const { redirectTo } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const form = useRef<HTMLFormElement>(null)
	// With JavaScript the page is not reloaded: empty the password as a reload would (the error summary takes focus).
	useEffect(() => {
		const password = form.current?.elements.namedItem('password')
		if (actionData && password instanceof HTMLInputElement) {
			password.value = ''
		}
	}, [actionData])
	const fields = actionData?.fields ?? {}
	const formErrors = actionData?.formErrors ?? []
	const target = actionData?.values.redirectTo ?? redirectTo
	const loginHref = target === '/' ? '/login' : `/login?redirectTo=${encodeURIComponent(target)}`
	return (
		<div className="mx-auto max-w-sm py-8">
			<h1 className="text-2xl font-bold">Create an account</h1>
			<p className="mt-2 text-sm text-fg-muted">
				Already have one? <Link to={loginHref}>Sign in</Link>.
			</p>
			<Form ref={form} method="post" className="card relative mt-6 space-y-4">
				<FieldScope errors={fields}>
					<ErrorSummary labels={LABELS} formErrors={formErrors} />
					<input type="hidden" name="redirectTo" value={target} />
					<TextField
						label="Name"
						name="name"
						type="text"
						autoComplete="name"
						required
						maxLength={200}
						defaultValue={actionData?.values.name ?? ''}
					/>
					<TextField
						label="E-mail"
						name="email"
						type="email"
						autoComplete="email"
						required
						defaultValue={actionData?.values.email ?? ''}
					/>
					<TextField
						label="Password"
						name="password"
						description={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong one.`}
						type="password"
						autoComplete="new-password"
						required
						minLength={PASSWORD_MIN_LENGTH}
					/>
					<Honeypot />
					<button type="submit" className="btn w-full" disabled={busy}>
						{busy ? 'Creating your account…' : 'Create account'}
					</button>
				</FieldScope>
			</Form>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Create an account · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
