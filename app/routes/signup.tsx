import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { authHref, EmailField, NameField, NewPasswordField, PublicForm } from '#app/components/account-forms.tsx'
import { safeRedirect, SignUpSchema } from '#app/schemas/auth.ts'
import { clientIp, getUser, refusePublicForm } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
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
	if (!parsed.ok) return refusePublicForm(parsed, values)
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
	const target = actionData?.values.redirectTo ?? redirectTo
	return (
		<div className="mx-auto max-w-sm py-8">
			<h1 className="text-2xl font-bold">Create an account</h1>
			<p className="mt-2 text-sm text-fg-muted">
				Already have one? <Link to={authHref('/login', target)}>Sign in</Link>.
			</p>
			<PublicForm
				labels={LABELS}
				answer={actionData}
				redirectTo={target}
				submit={{ idle: 'Create account', busy: 'Creating your account…' }}
			>
				<NameField defaultValue={actionData?.values.name ?? ''} />
				<EmailField defaultValue={actionData?.values.email ?? ''} />
				<NewPasswordField name="password" label="Password" hint="A few unrelated words make a strong one." />
			</PublicForm>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Create an account · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
