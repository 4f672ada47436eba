import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { ErrorSummary, FieldScope, TextField } from '#app/components/forms.tsx'
import { TokensActionSchema } from '#app/schemas/settings.ts'
import { clientIp, requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { redirectWithFlash, undoWith } from '#app/utils/flash.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { SettingsCard } from '#app/components/settings-card.tsx'

// Revoking is a plain write; creating a token also counts against `api_token` (in the auth service).
export const handle: RouteHandle = { rateLimit: 'write' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return { tokens: await context.services.auth.listApiTokens(user) }
}

type Result = {
	fields: Record<string, string[]>
	formErrors: string[]
	/** What was typed, so a refused form comes back filled in. */
	values: { name: string }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { auth } = context.services
	const form = await readForm(request)
	const values = { name: form.name ?? '' }
	const parsed = parseWith(TokensActionSchema, form)
	if (!parsed.ok) {
		return data<Result>({ fields: parsed.fields, formErrors: parsed.formErrors, values }, { status: 400 })
	}
	const input = parsed.value
	if (input.intent === 'revoke') {
		const name = await auth.revokeApiToken(user, input.tokenId)
		if (name === null) {
			return data<Result>({ fields: {}, formErrors: ['That token is already revoked.'], values }, { status: 404 })
		}
		return redirectWithFlash(context, '/settings/tokens', {
			kind: 'success',
			message: `Token “${name}” revoked.`,
			undo: undoWith('/settings/tokens', { intent: 'restore', tokenId: input.tokenId }),
		})
	}
	if (input.intent === 'restore') {
		const restored = await auth.restoreApiToken(user, input.tokenId)
		return redirectWithFlash(
			context,
			'/settings/tokens',
			restored
				? { kind: 'success', message: 'Token restored: it works again.' }
				: { kind: 'error', message: 'It is too late to undo: the token has been revoked for good.' },
		)
	}
	const created = await auth.createApiToken(user, { name: input.name, ip: clientIp(context) })
	if (!created.ok) {
		return data<Result>(
			{ fields: {}, formErrors: [created.message], values },
			{ status: 429, headers: created.headers },
		)
	}
	// Post-redirect-get: the token travels once, in the encrypted flash cookie, and a reload creates nothing.
	return redirectWithFlash(context, '/settings/tokens', {
		kind: 'success',
		message: `Token “${created.info.name}” created. Copy it now: it is shown only this once.`,
		secret: { label: 'New token', value: created.token },
	})
}

export const headers: HeadersFunction = ({ parentHeaders, actionHeaders, errorHeaders }) => {
	const out = new Headers(parentHeaders)
	for (const source of [actionHeaders, errorHeaders]) {
		for (const name of [
			'cache-control',
			'retry-after',
			'ratelimit-limit',
			'ratelimit-remaining',
			'ratelimit-reset',
			'ratelimit-policy',
		]) {
			const value = source?.get(name)
			if (value) out.set(name, value)
		}
	}
	return out
}

function utc(iso: string): string {
	return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

export default function TokenSettings() {
	const { tokens } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	return (
		<div className="space-y-6">
			<SettingsCard id="new-token-heading" title="New API token" className="space-y-4">
				<p className="text-sm text-fg-muted">
					Scripts use a token instead of your password: send it as <code>Authorization: Bearer &lt;token&gt;</code> to
					the <code>/api/</code> endpoints. It acts as you, so keep it secret, and revoke it when it is no longer
					needed.
				</p>
				<Form method="post" className="flex flex-wrap items-end gap-3">
					<FieldScope prefix="token" errors={result?.fields}>
						<div className="w-full empty:hidden">
							<ErrorSummary labels={{ name: 'Name' }} formErrors={result?.formErrors} />
						</div>
						<div className="min-w-[16rem] flex-1">
							<TextField
								label="Name"
								name="name"
								type="text"
								required
								maxLength={100}
								placeholder="e.g. laptop script"
								autoComplete="off"
								defaultValue={result?.values.name ?? ''}
							/>
						</div>
						<button type="submit" name="intent" value="create" className="btn" disabled={busy}>
							Create token
						</button>
					</FieldScope>
				</Form>
			</SettingsCard>

			<SettingsCard id="tokens-heading" title="Your tokens" className="space-y-2">
				{tokens.length === 0 ? <p className="text-sm text-fg-muted">No tokens yet.</p> : null}
				<ul className="divide-y divide-line">
					{tokens.map(token => (
						<li key={token.id} className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm">
							<div>
								<p className="font-medium">{token.name}</p>
								<p className="text-fg-muted">
									created {utc(token.createdAt)} ·{' '}
									{token.lastUsedAt ? `last used ${utc(token.lastUsedAt)}` : 'never used'}
									{token.revokedAt ? ` · revoked ${utc(token.revokedAt)}` : ''}
								</p>
							</div>
							{token.revokedAt ? null : (
								<Form method="post">
									<input type="hidden" name="tokenId" value={token.id} />
									<button type="submit" name="intent" value="revoke" className="btn-secondary">
										Revoke
									</button>
								</Form>
							)}
						</li>
					))}
				</ul>
			</SettingsCard>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'API tokens · Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
