import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { requireAdmin } from '#app/utils/auth.server.ts'
import { inputRefusal, readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { AdminHeading } from '#app/components/admin-heading.tsx'
import { AuditQuerySchema } from '#server/domain/admin/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { loader: 'admin_read' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const admin = await requireAdmin(request, context)
	const query = parseWith(AuditQuerySchema, readQuery(request))
	if (!query.ok) {
		const message = Object.values(query.fields)[0]?.[0] ?? query.formErrors[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, query.fields)
	}
	return { ...(await context.services.admin.audit(admin, { before: query.value.before })), first: !query.value.before }
}

const ACTION_WORDS: Record<string, string> = {
	'user.role': 'changed the role of',
	'user.budget': 'set the budget of',
	'user.disable': 'disabled',
	'user.enable': 'enabled',
	'model.disable': 'switched off',
	'model.enable': 'switched on',
	'job.retry': 'retried a failed job in',
	'job.discard': 'discarded a failed job in',
}

/** The fields that changed, as "role: user → admin". */
function changes(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
	const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
	const text = (value: unknown) => (value === null || value === undefined ? '—' : String(value))
	return keys
		.filter(key => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]))
		.map(key => `${key}: ${text(before?.[key])} → ${after === null ? 'deleted' : text(after[key])}`)
}

export default function AdminAudit() {
	const { entries, next, first } = useLoaderData<typeof loader>()
	return (
		<section aria-labelledby="audit-heading" className="space-y-4">
			<AdminHeading id="audit-heading" title="Audit log">
				Every administrator&apos;s change, newest first, with the state before and after. Entries cannot be edited or
				deleted.
			</AdminHeading>
			{entries.length === 0 ? (
				<p className="card text-sm text-fg-muted">
					{first ? 'Nothing yet: changes made under Users, Models and Status appear here.' : 'No older entries.'}
				</p>
			) : (
				<ol className="divide-y divide-line rounded-xl border border-line bg-surface">
					{entries.map(entry => (
						<li key={entry.id} className="space-y-1 px-4 py-3 text-sm" data-audit-action={entry.action}>
							<p>
								<span className="font-medium">{entry.actorEmail}</span> {ACTION_WORDS[entry.action] ?? entry.action}{' '}
								<span className="font-medium break-all">{entry.targetLabel || entry.targetId}</span>
							</p>
							<p className="text-xs text-fg-muted">
								<time dateTime={entry.createdAt}>{entry.createdAt.slice(0, 19).replace('T', ' ')} UTC</time> ·{' '}
								<span className="font-mono">{entry.action}</span>
							</p>
							{changes(entry.before, entry.after).length > 0 ? (
								<ul className="flex flex-wrap gap-1.5">
									{changes(entry.before, entry.after).map(change => (
										<li key={change} className="rounded bg-raised px-1.5 py-0.5 font-mono text-xs text-fg-soft">
											{change}
										</li>
									))}
								</ul>
							) : null}
						</li>
					))}
				</ol>
			)}
			{next || !first ? (
				<nav aria-label="Pages" className="flex gap-4 text-sm">
					{!first ? <Link to=".">Newest</Link> : null}
					{next ? <Link to={`?before=${encodeURIComponent(next)}`}>Older</Link> : null}
				</nav>
			) : null}
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Audit log · Administration · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
