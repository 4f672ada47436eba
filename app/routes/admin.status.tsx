import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { requireAdmin } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { Badge, Cell, DataTable } from '#app/components/data-table.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import { JobActionSchema } from '#server/domain/admin/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { action: 'admin', loader: 'admin_read' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireAdmin(request, context)
	const report = await context.services.admin.status()
	return {
		...report,
		queues: report.queues.map(q => ({ ...q, oldestWaitingAt: q.oldestWaitingAt?.toISOString() ?? null })),
		failed: report.failed.map(j => ({
			...j,
			createdAt: j.createdAt.toISOString(),
			failedAt: j.failedAt?.toISOString() ?? null,
		})),
		errors: report.errors.map(e => ({ ...e, lastAt: e.lastAt.toISOString() })),
		now: new Date().toISOString(),
	}
}

export async function action({ request, context }: ActionFunctionArgs) {
	const admin = await requireAdmin(request, context)
	const parsed = parseWith(JobActionSchema, await readForm(request))
	if (!parsed.ok) {
		const message = Object.values(parsed.fields)[0]?.[0] ?? parsed.formErrors[0] ?? 'Pick a failed job.'
		return data({ message }, { status: 400 })
	}
	const result = await context.services.admin.jobAction({ id: admin.id, email: admin.email }, parsed.value)
	if ('refused' in result) return data({ message: result.message }, { status: result.status })
	return redirectWithFlash(context, '/admin/status', { kind: 'success', message: result.message })
}

/** "3 min", "2 h 5 min": how long ago, from the server's clock (the page is rendered there). */
function ago(iso: string, now: string): string {
	const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000))
	if (seconds < 60) return `${seconds} s`
	const minutes = Math.floor(seconds / 60)
	if (minutes < 60) return `${minutes} min`
	const hours = Math.floor(minutes / 60)
	if (hours < 48) return `${hours} h ${minutes % 60} min`
	return `${Math.floor(hours / 24)} days`
}

/** The readiness checks by the names people know them by. */
const CHECK_NAMES: Record<string, string> = {
	database: 'Database',
	jobs: 'Job engine',
	storage: 'Media storage',
	rateLimits: 'Rate limits',
}

/** Each part of the page: a section under its own large heading. */
const SECTION = { className: 'space-y-3', headingClassName: 'text-xl font-semibold' } as const

const STATUS_TONE = {
	ready: 'callout-success',
	degraded: 'rounded-lg border border-line-strong bg-raised p-3 text-sm',
	unavailable: 'callout-danger',
} as const

export default function AdminStatus() {
	const { readiness, queues, failed, errors, errorsSince, now } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	return (
		<div className="space-y-8">
			{result ? (
				<p role="alert" className="callout-danger">
					{result.message}
				</p>
			) : null}
			<TitledSection id="readiness-heading" title="Readiness" {...SECTION}>
				<p className={STATUS_TONE[readiness.status]} data-readiness={readiness.status}>
					{readiness.status === 'ready'
						? 'Ready: every dependency answers.'
						: readiness.status === 'degraded'
							? 'Degraded: an optional dependency is down; the studio works without it.'
							: 'Unavailable: a required dependency is down, so /readyz answers 503.'}
				</p>
				<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
					{Object.entries(readiness.checks).map(([name, check]) => (
						<li key={name} className="card space-y-1 text-sm">
							<p className="flex items-center justify-between gap-2">
								<span className="font-medium">{CHECK_NAMES[name] ?? name}</span>
								<Badge tone={check.ok ? 'ok' : 'bad'}>{check.ok ? 'OK' : 'Down'}</Badge>
							</p>
							<p className="text-fg-muted">
								{check.required ? 'Required' : 'Optional'}
								{check.latencyMs !== undefined ? ` · ${check.latencyMs} ms` : ''}
							</p>
							{check.detail ? <p className="break-words text-xs text-fg-soft">{check.detail}</p> : null}
						</li>
					))}
				</ul>
			</TitledSection>

			<TitledSection id="queues-heading" title="Job queues" {...SECTION}>
				<DataTable
					label="Job queues"
					minWidth="min-w-[32rem]"
					columns={[
						{ label: 'Queue' },
						{ label: 'Waiting', numeric: true },
						{ label: 'Running', numeric: true },
						{ label: 'Failed', numeric: true },
						{ label: 'Oldest waiting' },
					]}
				>
					{queues.map(q => (
						<tr key={q.name} className="border-t border-line" data-queue={q.name}>
							<Cell className="font-mono text-xs">{q.name}</Cell>
							<Cell numeric>{q.waiting}</Cell>
							<Cell numeric>{q.active}</Cell>
							<Cell numeric className={q.failed > 0 ? 'text-danger' : ''}>
								{q.failed}
							</Cell>
							<Cell className="text-fg-soft">{q.oldestWaitingAt ? `${ago(q.oldestWaitingAt, now)} ago` : '—'}</Cell>
						</tr>
					))}
				</DataTable>
			</TitledSection>

			<TitledSection id="failed-heading" title="Failed jobs" {...SECTION}>
				{failed.length === 0 ? (
					<p className="card text-sm text-fg-muted">No failed jobs. Jobs that use up their retries appear here.</p>
				) : (
					<ul className="space-y-3">
						{failed.map(job => (
							<li key={job.id} className="card space-y-2 text-sm" data-job-id={job.id}>
								<div className="flex flex-wrap items-center justify-between gap-2">
									<p>
										<span className="font-mono text-xs">{job.name}</span>
										<span className="ml-2 text-fg-muted">
											failed {job.failedAt ? `${ago(job.failedAt, now)} ago` : ''} after {job.retryCount + 1}{' '}
											{job.retryCount === 0 ? 'attempt' : 'attempts'}
										</span>
									</p>
									<Form method="post" className="flex gap-2">
										<input type="hidden" name="queue" value={job.name} />
										<input type="hidden" name="jobId" value={job.id} />
										<button type="submit" name="intent" value="retry" className="btn-secondary px-3 py-1.5">
											Retry
										</button>
										<button type="submit" name="intent" value="discard" className="btn-danger px-3 py-1.5">
											Discard
										</button>
									</Form>
								</div>
								<pre className="max-h-32 overflow-auto whitespace-pre-wrap break-words rounded-lg bg-raised p-2 text-xs">
									{job.error}
								</pre>
							</li>
						))}
					</ul>
				)}
			</TitledSection>

			<TitledSection id="errors-heading" title="Errors in the last hour" {...SECTION}>
				<p className="text-sm text-fg-muted">
					Error-level log lines of this process since {errorsSince.slice(11, 16)} UTC, by route (the last thousand are
					kept).
				</p>
				{errors.length === 0 ? (
					<p className="card text-sm text-fg-muted">No errors logged.</p>
				) : (
					<DataTable
						label="Errors by route"
						minWidth="min-w-[32rem]"
						columns={[{ label: 'Route' }, { label: 'Errors', numeric: true }, { label: 'Last' }]}
					>
						{errors.map(e => (
							<tr key={e.route} className="border-t border-line">
								<Cell className="font-mono text-xs">{e.route}</Cell>
								<Cell numeric>{e.count}</Cell>
								<Cell>
									<span className="block">{e.lastMessage}</span>
									<span className="text-xs text-fg-muted">{ago(e.lastAt, now)} ago</span>
								</Cell>
							</tr>
						))}
					</DataTable>
				)}
			</TitledSection>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Status · Administration · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
