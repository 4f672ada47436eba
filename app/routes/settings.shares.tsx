import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { Eye, Trash2 } from '#app/components/icons/index.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { CopyLink } from '#app/components/share/copy-link.tsx'
import { IntentForm } from '#app/components/forms.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { appOrigin } from '#app/utils/origin.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { SharesActionSchema } from '#server/domain/sharing/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Revoking is a plain write (making links posts to /share, counted as `publish`).
export const handle: RouteHandle = { rateLimit: 'write' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const links = await context.services.sharing.list(user)
	return { links, origin: appOrigin(request, context) }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(SharesActionSchema, await readForm(request))
	if (!parsed.ok) return data({ message: 'Pick a link to revoke.' }, { status: 400 })
	const revoked = await context.services.sharing.revoke(user, parsed.value.shareId)
	if ('refused' in revoked) return data({ message: revoked.message }, { status: revoked.status })
	return redirectWithFlash(context, '/settings/shares', {
		kind: 'success',
		message: `Link to “${revoked.title}” revoked: it stopped working at once.`,
	})
}

const KIND_WORDS = {
	conversation: 'Conversation',
	generation: 'Generation',
	workflow: 'Workflow',
	audio_project: 'Audio project',
} as const

const TARGET_PATHS = {
	conversation: '/chat/',
	generation: '/generations/',
	workflow: '/workflows/',
	audio_project: '/audio/projects/',
} as const

function utc(value: string | Date): string {
	return `${new Date(value).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

export default function ShareSettings() {
	const { links, origin } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<section aria-labelledby="shares-heading" className="card space-y-3">
			<h2 id="shares-heading" className="text-lg font-semibold">
				Your share links
			</h2>
			<p className="text-sm text-fg-muted">
				Anyone with a live link sees what it points at, without signing in. Revoking a link stops it at once. Make a
				link with the Share button on a generation, a chat, a workflow or an audio project.
			</p>
			{result?.message ? (
				<p role="alert" className="callout-danger">
					{result.message}
				</p>
			) : null}
			{links.length === 0 ? <p className="text-sm text-fg-muted">No links yet.</p> : null}
			<ul className="divide-y divide-line">
				{links.map(link => (
					<li key={link.id} className="space-y-2 py-4" data-share-status={link.status} data-share-id={link.id}>
						<div className="flex flex-wrap items-start justify-between gap-2">
							<div className="min-w-0">
								<p className="truncate font-medium">
									<Link to={`${TARGET_PATHS[link.kind]}${link.targetId}`}>{link.title}</Link>
								</p>
								<p className="flex flex-wrap gap-x-3 text-sm text-fg-muted">
									<span>{KIND_WORDS[link.kind]}</span>
									<span className="inline-flex items-center gap-1">
										<Eye aria-hidden="true" size={14} />
										<span data-views="">{link.views}</span> {link.views === 1 ? 'view' : 'views'}
									</span>
									<span>made {utc(link.createdAt)}</span>
									<span>
										{link.status === 'revoked'
											? `revoked ${utc(link.revokedAt ?? link.createdAt)}`
											: link.expiresAt
												? `${link.status === 'expired' ? 'expired' : 'expires'} ${utc(link.expiresAt)}`
												: 'never expires'}
									</span>
								</p>
							</div>
							{link.status === 'live' ? (
								<IntentForm
									intent="revoke"
									fields={{ shareId: link.id }}
									buttonClassName="btn-danger px-3 py-1.5"
									icon={Trash2}
								>
									Revoke
								</IntentForm>
							) : (
								<span className="rounded-full bg-raised px-2 py-0.5 text-xs text-fg-muted">
									{link.status === 'revoked' ? 'Revoked' : 'Expired'}
								</span>
							)}
						</div>
						{link.status === 'live' ? (
							<CopyLink url={`${origin}/s/${link.slug}`} label={`Link to ${link.title}`} />
						) : null}
					</li>
				))}
			</ul>
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Shares · Settings · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
