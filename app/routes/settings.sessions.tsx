import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { CheckboxField, FieldScope, FormErrors, IntentForm } from '#app/components/forms.tsx'
import { SessionsActionSchema } from '#app/schemas/settings.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

export const handle: RouteHandle = { rateLimit: 'account' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return { sessions: await context.services.auth.listSessions(request, user) }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { auth } = context.services
	const parsed = parseWith(SessionsActionSchema, await readForm(request))
	if (!parsed.ok)
		return data({ formErrors: parsed.formErrors.length ? parsed.formErrors : ['Unknown session.'] }, { status: 400 })
	if (parsed.value.intent === 'revoke-all') {
		const { headers } = await auth.signOutEverywhere(request, user, { keepTokens: parsed.value.keepTokens === true })
		throw redirect('/login', { status: 303, headers })
	}
	const { headers } = await auth.revokeSession(request, user, parsed.value.sessionId)
	// Signing out this very session ends at the login page; any other stays here.
	throw redirect(headers ? '/login' : '/settings/sessions', { status: 303, ...(headers ? { headers } : {}) })
}

/** "Firefox on Linux" from a user-agent string; the raw string is in the title attribute. */
function describeAgent(agent: string | null): string {
	if (!agent) return 'Unknown browser'
	const browser = /Edg\//.test(agent)
		? 'Edge'
		: /Firefox\//.test(agent)
			? 'Firefox'
			: /Chrom(e|ium)\//.test(agent)
				? 'Chrome'
				: /Safari\//.test(agent)
					? 'Safari'
					: 'A browser or script'
	const system = /Android/.test(agent)
		? 'Android'
		: /iPhone|iPad/.test(agent)
			? 'iOS'
			: /Windows/.test(agent)
				? 'Windows'
				: /Mac OS X/.test(agent)
					? 'macOS'
					: /Linux/.test(agent)
						? 'Linux'
						: null
	return system ? `${browser} on ${system}` : browser
}

/** The same text on the server and in the browser (no locale or time zone involved). */
function utc(iso: string): string {
	return `${iso.slice(0, 16).replace('T', ' ')} UTC`
}

export default function SessionSettings() {
	const { sessions } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<section aria-labelledby="sessions-heading" className="card space-y-4">
			<h2 id="sessions-heading" className="text-lg font-semibold">
				Where you are signed in
			</h2>
			<FormErrors id="sessions-errors" errors={result?.formErrors} />
			<ul className="divide-y divide-line">
				{sessions.map(session => (
					<li key={session.id} className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm">
						<div>
							<p className="font-medium" title={session.userAgent ?? undefined}>
								{describeAgent(session.userAgent)}
								{session.current ? (
									<span className="ml-2 rounded bg-accent-soft px-1.5 py-0.5 text-xs text-fg">This device</span>
								) : null}
							</p>
							<p className="text-fg-muted">
								{session.ip ? `${session.ip} · ` : ''}signed in {utc(session.createdAt)} · last seen{' '}
								{utc(session.lastSeenAt)}
							</p>
						</div>
						<IntentForm intent="revoke" fields={{ sessionId: session.id }} buttonClassName="btn-secondary">
							Sign out
						</IntentForm>
					</li>
				))}
			</ul>
			<Form method="post">
				<p className="mb-3 text-sm text-fg-muted">
					Lost a device, or signed in somewhere you should not have? This signs out every session, this one too, and
					revokes your API tokens unless you keep them.
				</p>
				<FieldScope prefix="everywhere">
					<CheckboxField
						name="keepTokens"
						value="yes"
						label="Keep my API tokens working"
						description="Scripts that use them go on running. Leave this off if a token may have leaked."
						className="mb-3"
					/>
				</FieldScope>
				<button type="submit" name="intent" value="revoke-all" className="btn">
					Sign out everywhere
				</button>
			</Form>
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Sessions · Settings · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
