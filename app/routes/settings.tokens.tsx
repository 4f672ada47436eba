import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { json } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { ErrorSummary, FieldScope, Notice, TextField } from '#app/components/forms.tsx'
import { TokensActionSchema } from '#app/schemas/settings.ts'
import { clientIp, requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { readForm } from '#app/utils/input.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Revoking is a plain write; creating a token also counts against `api_token` (in the auth service).
export const handle: RouteHandle = { rateLimit: 'write' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return json({ tokens: await context.services.auth.listApiTokens(user) })
}

type Result = {
	fields: Record<string, string[]>
	formErrors: string[]
	created: { name: string; token: string } | null
	notice: string | null
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { auth } = context.services
	const parsed = parseWith(TokensActionSchema, await readForm(request))
	if (!parsed.ok) {
		return json<Result>(
			{ fields: parsed.fields, formErrors: parsed.formErrors, created: null, notice: null },
			{ status: 400 },
		)
	}
	if (parsed.value.intent === 'revoke') {
		const revoked = await auth.revokeApiToken(user, parsed.value.tokenId)
		return json<Result>({ fields: {}, formErrors: [], created: null, notice: revoked ? 'The token is revoked.' : null })
	}
	const { token, info } = await auth.createApiToken(user, { name: parsed.value.name, ip: clientIp(context) })
	// The only response that ever contains the token: no cache may keep it.
	return json<Result>(
		{ fields: {}, formErrors: [], created: { name: info.name, token }, notice: null },
		{ headers: { 'Cache-Control': 'no-store' } },
	)
}

export const headers: HeadersFunction = ({ actionHeaders, errorHeaders }) => {
	const out = new Headers()
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
			<section aria-labelledby="new-token-heading" className="card space-y-4">
				<h2 id="new-token-heading" className="text-lg font-semibold">
					New API token
				</h2>
				<p className="text-sm text-fg-muted">
					Scripts use a token instead of your password: send it as <code>Authorization: Bearer &lt;token&gt;</code> to
					the <code>/api/</code> endpoints. It acts as you, so keep it secret, and revoke it when it is no longer
					needed.
				</p>
				{result?.created ? (
					<div role="status" className="space-y-2 rounded-md border border-success-line bg-success-soft p-3 text-sm">
						<p className="text-success">Your token “{result.created.name}”. Copy it now: it is shown only this once.</p>
						<label htmlFor="created-token" className="sr-only">
							New token
						</label>
						<input id="created-token" readOnly value={result.created.token} className="field font-mono text-xs" />
					</div>
				) : null}
				{result?.notice ? <Notice>{result.notice}</Notice> : null}
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
							/>
						</div>
						<button type="submit" name="intent" value="create" className="btn" disabled={busy}>
							Create token
						</button>
					</FieldScope>
				</Form>
			</section>

			<section aria-labelledby="tokens-heading" className="card space-y-2">
				<h2 id="tokens-heading" className="text-lg font-semibold">
					Your tokens
				</h2>
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
			</section>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'API tokens · Settings · Generation Studio' }]
