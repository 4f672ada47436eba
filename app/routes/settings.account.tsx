import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorSummary, FieldScope, TextField } from '#app/components/forms.tsx'
import { DeleteAccountSchema } from '#app/schemas/settings.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { redirectWithFlash, undoWith } from '#app/utils/flash.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { SettingsCard } from '#app/components/settings-card.tsx'

export const handle: RouteHandle = { rateLimit: 'account' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return { email: user.email }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(DeleteAccountSchema, await readForm(request))
	if (!parsed.ok) return data({ fields: parsed.fields, formErrors: parsed.formErrors }, { status: 400 })
	const result = await context.services.auth.deleteAccount(request, user, { confirmEmail: parsed.value.confirmEmail })
	if (!result.ok) return data({ fields: result.fields, formErrors: result.formErrors }, { status: 400 })
	// Signed out now; the Undo in the message restores the account and signs this browser back in.
	return redirectWithFlash(
		context,
		'/',
		{
			kind: 'info',
			message: 'Account deleted — goodbye.',
			undo: undoWith('/account/restore', { restoreToken: result.restoreToken }),
		},
		{ headers: result.headers },
	)
}

export default function AccountSettings() {
	const { email } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<div className="grid gap-6 lg:grid-cols-2">
			<SettingsCard id="export-heading" title="Export your data" className="space-y-3">
				<p className="text-sm text-fg-muted">
					One JSON file with everything stored about you: profile, conversations, generations, workflows, usage, shares,
					sessions and tokens (without secrets). Files you generated stay downloadable from the library.
				</p>
				{/* A plain link: the browser downloads the file, with or without JavaScript. */}
				<a href="/settings/export" download className="btn-secondary">
					Download my data
				</a>
			</SettingsCard>

			<SettingsCard id="delete-heading" title="Delete your account" className="space-y-3 border-danger-line">
				<p className="text-sm text-fg-muted">
					This signs you out everywhere and removes your account and everything in it — conversations, generations and
					their files, workflows, tokens, sessions. You can undo it for 30 seconds from the message that follows; after
					that it is gone for good. Export your data first if you want to keep it.
				</p>
				<Form method="post" className="space-y-3">
					<FieldScope prefix="delete" errors={result?.fields}>
						<ErrorSummary labels={{ confirmEmail: 'Your e-mail' }} formErrors={result?.formErrors} />
						<TextField
							label={`Type ${email} to confirm`}
							name="confirmEmail"
							type="text"
							required
							autoComplete="off"
							spellCheck={false}
						/>
						<button type="submit" name="intent" value="delete" className="btn bg-danger-solid hover:bg-danger-solid">
							Delete my account
						</button>
					</FieldScope>
				</Form>
			</SettingsCard>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Your data · Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
