import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { CheckboxField, ErrorSummary, FieldScope, FormErrors, Notice, TextField } from '#app/components/forms.tsx'
import { NameField, NewPasswordField } from '#app/components/account-forms.tsx'
import { ProfileActionSchema } from '#app/schemas/settings.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { tokensOutcome } from '#server/auth/messages.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

export const handle: RouteHandle = { rateLimit: 'account' }

const LABELS = { github: 'GitHub', google: 'Google' } as const

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { auth } = context.services
	const [methods, flash] = await Promise.all([auth.signInMethods(user), auth.takeFlash(request)])
	return data({ user, methods, flash: { error: flash.error, notice: flash.notice } }, { headers: flash.headers })
}

type Result = { intent: string; fields: Record<string, string[]>; formErrors: string[]; notice: string | null }

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { auth } = context.services
	const form = await readForm(request)
	const parsed = parseWith(ProfileActionSchema, form)
	const answer = (status: number, result: Omit<Result, 'intent'>) =>
		data<Result>({ intent: form.intent ?? '', ...result }, { status })
	if (!parsed.ok) return answer(400, { fields: parsed.fields, formErrors: parsed.formErrors, notice: null })
	const input = parsed.value
	switch (input.intent) {
		case 'profile':
			await auth.updateProfile(request, user, { name: input.name })
			return answer(200, { fields: {}, formErrors: [], notice: 'Your name is saved.' })
		case 'password': {
			const keepTokens = input.keepTokens === true
			const result = await auth.changePassword(request, user, {
				currentPassword: input.currentPassword ?? null,
				newPassword: input.newPassword,
				keepTokens,
			})
			if (!result.ok) return answer(400, { fields: result.fields, formErrors: result.formErrors, notice: null })
			const tokens = tokensOutcome(result.revokedTokens, keepTokens)
			return answer(200, {
				fields: {},
				formErrors: [],
				notice: `Password saved. Your other sessions were signed out. ${tokens}`,
			})
		}
		case 'unlink': {
			const result = await auth.unlinkProvider(request, user, input.provider)
			if (!result.ok) return answer(400, { fields: result.fields, formErrors: result.formErrors, notice: null })
			return answer(200, { fields: {}, formErrors: [], notice: `${LABELS[input.provider]} is disconnected.` })
		}
	}
}

export default function ProfileSettings() {
	const { user, methods, flash } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = (intent: string) => navigation.state === 'submitting' && navigation.formData?.get('intent') === intent
	const of = (intent: string) => (result?.intent === intent ? result : null)
	const profile = of('profile')
	const password = of('password')
	const unlink = of('unlink')
	return (
		<div className="grid gap-6 lg:grid-cols-2">
			<section aria-labelledby="profile-heading" className="card space-y-4">
				<h2 id="profile-heading" className="text-lg font-semibold">
					Profile
				</h2>
				{profile?.notice ? <Notice>{profile.notice}</Notice> : null}
				<Form method="post" className="space-y-4">
					<FieldScope prefix="profile" errors={profile?.fields}>
						<ErrorSummary labels={{ name: 'Name' }} formErrors={profile?.formErrors} />
						<NameField defaultValue={user.name} />
						<p className="text-sm text-fg-muted">
							E-mail: <span className="text-fg">{user.email}</span>
						</p>
						<button type="submit" name="intent" value="profile" className="btn" disabled={busy('profile')}>
							Save name
						</button>
					</FieldScope>
				</Form>
			</section>

			<section aria-labelledby="methods-heading" className="card space-y-4">
				<h2 id="methods-heading" className="text-lg font-semibold">
					Sign-in methods
				</h2>
				{flash.notice ? <Notice>{flash.notice}</Notice> : null}
				{unlink?.notice ? <Notice>{unlink.notice}</Notice> : null}
				<FormErrors
					id="methods-errors"
					errors={[...(flash.error ? [flash.error] : []), ...(unlink?.formErrors ?? [])]}
				/>
				<ul className="space-y-3 text-sm">
					<li className="flex items-center justify-between gap-3">
						<span>Password</span>
						<span className="text-fg-muted">{methods.hasPassword ? 'Set' : 'Not set'}</span>
					</li>
					{methods.available.map(provider => {
						const identity = methods.identities.find(i => i.provider === provider)
						return (
							<li key={provider} className="flex flex-wrap items-center justify-between gap-3">
								<span>
									{LABELS[provider]}
									{identity?.email ? <span className="ml-2 text-fg-muted">{identity.email}</span> : null}
								</span>
								{identity ? (
									<Form method="post">
										<input type="hidden" name="provider" value={provider} />
										<button type="submit" name="intent" value="unlink" className="btn-secondary">
											Disconnect
										</button>
									</Form>
								) : (
									<Form method="post" action={`/auth/${provider}`} reloadDocument>
										<input type="hidden" name="intent" value="link" />
										<button type="submit" className="btn-secondary">
											{`Connect ${LABELS[provider]}`}
										</button>
									</Form>
								)}
							</li>
						)
					})}
				</ul>
				{methods.available.length === 0 ? (
					<p className="text-sm text-fg-muted">This studio has no GitHub or Google sign-in configured.</p>
				) : null}
			</section>

			<section aria-labelledby="password-heading" className="card space-y-4 lg:col-span-2">
				<h2 id="password-heading" className="text-lg font-semibold">
					{methods.hasPassword ? 'Change password' : 'Set a password'}
				</h2>
				{password?.notice ? <Notice>{password.notice}</Notice> : null}
				<Form method="post" className="grid max-w-xl gap-4">
					<FieldScope prefix="password" errors={password?.fields}>
						<ErrorSummary
							labels={{ currentPassword: 'Current password', newPassword: 'New password' }}
							formErrors={password?.formErrors}
						/>
						{methods.hasPassword ? (
							<TextField
								label="Current password"
								name="currentPassword"
								type="password"
								autoComplete="current-password"
								required
							/>
						) : null}
						<NewPasswordField
							name="newPassword"
							label="New password"
							hint="Other devices are signed out when it changes."
						/>
						<CheckboxField
							name="keepTokens"
							value="yes"
							label="Keep my API tokens working"
							description="Off, the password change revokes every API token: a script needs a new one. Leave it off if a token may have leaked."
						/>
						<div>
							<button type="submit" name="intent" value="password" className="btn" disabled={busy('password')}>
								{methods.hasPassword ? 'Change password' : 'Set password'}
							</button>
						</div>
					</FieldScope>
				</Form>
			</section>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
