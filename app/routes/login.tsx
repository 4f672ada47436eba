import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { authHref, EmailField, PublicForm } from '#app/components/account-forms.tsx'
import { Notice, TextField } from '#app/components/forms.tsx'
import { safeRedirect, SignInSchema } from '#app/schemas/auth.ts'
import { clientIp, getUser, refusePublicForm } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// Counted before the password is checked: per address across accounts (credential stuffing), and per address
// and typed e-mail (a success resets this one).
export const handle: RouteHandle = { rateLimit: ['signin_ip', 'signin'] }

const PROVIDER_LABELS = { github: 'GitHub', google: 'Google' } as const

export async function loader({ request, context }: LoaderFunctionArgs) {
	const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'))
	if (await getUser(request, context)) throw redirect(redirectTo)
	const { auth } = context.services
	const flash = await auth.takeFlash(request)
	return data(
		{ redirectTo, providers: [...auth.providers], error: flash.error, notice: flash.notice },
		{ headers: flash.headers },
	)
}

export async function action({ request, context }: ActionFunctionArgs) {
	const form = await readForm(request)
	const values = { email: form.email ?? '', redirectTo: safeRedirect(form.redirectTo) }
	const parsed = parseWith(SignInSchema, form)
	if (!parsed.ok) return refusePublicForm(parsed, values)
	const { email, password, redirectTo } = parsed.value
	const result = await context.services.auth.signIn(request, { email, password, ip: clientIp(context) })
	if (!result.ok) return data({ fields: result.fields, formErrors: result.formErrors, values }, { status: 400 })
	throw redirect(redirectTo, { status: 303, headers: result.headers })
}

const LABELS = { email: 'E-mail', password: 'Password' }

export default function Login() {
	const { redirectTo, providers, error, notice } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const target = actionData?.values.redirectTo ?? redirectTo
	return (
		<div className="mx-auto max-w-sm py-8">
			<h1 className="text-2xl font-bold">Sign in</h1>
			<p className="mt-2 text-sm text-fg-muted">
				New here? <Link to={authHref('/signup', target)}>Create an account</Link>.
			</p>
			{/* Why this page: e.g. "You are signed out everywhere. Your 2 API tokens were revoked." */}
			{notice && !actionData ? (
				<div className="mt-6">
					<Notice>{notice}</Notice>
				</div>
			) : null}
			<PublicForm
				labels={LABELS}
				answer={actionData}
				initialError={error}
				redirectTo={target}
				submit={{ idle: 'Sign in', busy: 'Signing in…' }}
			>
				<EmailField defaultValue={actionData?.values.email ?? ''} />
				<TextField label="Password" name="password" type="password" autoComplete="current-password" required />
			</PublicForm>
			{providers.length > 0 ? (
				<div className="mt-6 space-y-2">
					<p className="text-center text-sm text-fg-muted">or</p>
					{providers.map(provider => (
						// A plain document POST: the answer is a redirect to the provider's site.
						<Form key={provider} method="post" action={`/auth/${provider}`} reloadDocument>
							<input type="hidden" name="redirectTo" value={target} />
							<button type="submit" className="btn-secondary w-full">
								{`Continue with ${PROVIDER_LABELS[provider]}`}
							</button>
						</Form>
					))}
				</div>
			) : null}
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Sign in · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
