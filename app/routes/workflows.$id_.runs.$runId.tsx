import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'
import { StatusBadge } from '#app/components/generation-output.tsx'
import { ArrowLeft, Ban, Library } from '#app/components/icons/index.tsx'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { PORT_COLOURS } from '#app/components/workflows/ports.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { RunFormSchema } from '#server/domain/workflows/form-schema.ts'
import { NODE_SPECS } from '#server/domain/workflows/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Cancel is a write of the user's own run.
export const handle: RouteHandle = { rateLimit: { action: 'write' } }

const PENDING = ['queued', 'running']

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const view = await context.services.workflows.library.runView(user, params.id ?? '', params.runId ?? '')
	if ('refused' in view) throw notFound(view.message)
	return view
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(RunFormSchema, await readForm(request))
	if (!parsed.ok) return data({ message: 'Unknown action.' }, { status: 400 })
	const canceled = await context.services.workflows.runs.cancel(user, params.runId ?? '')
	if ('refused' in canceled) return data({ message: canceled.message }, { status: canceled.status })
	return redirect(`/workflows/${params.id ?? ''}/runs/${params.runId ?? ''}`, 303)
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`)

export default function WorkflowRun() {
	const { run, workflowName, media } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const pending = PENDING.includes(run.status)
	const total = run.nodes.reduce((sum, n) => sum + n.costMicros, 0)
	const names = new Map(run.definition.nodes.map(n => [n.id, n.name]))
	return (
		<div className="mx-auto flex w-full max-w-4xl flex-col gap-4" data-run-status={run.status}>
			{pending ? (
				<RefreshWhilePending>
					<LiveUpdates runId={run.id} />
				</RefreshWhilePending>
			) : null}
			<header className="flex flex-wrap items-center gap-3">
				<div className="min-w-0 flex-1 space-y-1">
					<p className="text-sm">
						<Link to="/workflows">Workflows</Link> / <Link to={`/workflows/${run.workflowId}`}>{workflowName}</Link> /
					</p>
					<h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold text-fg">
						Run <StatusBadge status={run.status} />
					</h1>
					<p className="text-sm text-fg-muted">
						Started {new Date(run.createdAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
						{'\u00a0· '}
						<span data-testid="run-cost">{formatUsd(total)}</span>
						{run.completedAt
							? `\u00a0· took ${seconds(new Date(run.completedAt).getTime() - new Date(run.createdAt).getTime())}`
							: null}
					</p>
				</div>
				<div className="flex flex-wrap gap-2">
					<Link to={`/workflows/${run.workflowId}`} className="btn-secondary">
						<ArrowLeft aria-hidden="true" className="size-4" /> Editor
					</Link>
					{pending ? (
						<Form method="post">
							<button type="submit" name="intent" value="cancel" className="btn-danger">
								<Ban aria-hidden="true" className="size-4" /> Cancel run
							</button>
						</Form>
					) : null}
				</div>
			</header>
			{pending ? <div className="progress-indeterminate" aria-hidden="true" /> : null}
			{refused ? (
				<p role="alert" className="callout-danger">
					{refused.message}
				</p>
			) : null}
			{run.error ? <p className="callout-danger">{run.error}</p> : null}

			<ol className="space-y-3" aria-label="Nodes">
				{run.nodes.map(n => {
					const spec = NODE_SPECS[n.kind as keyof typeof NODE_SPECS]
					const took =
						n.startedAt && n.completedAt ? new Date(n.completedAt).getTime() - new Date(n.startedAt).getTime() : null
					const generation = n.generationId ? media[n.generationId] : undefined
					const out = spec?.outputs[0]
					return (
						<li
							key={n.nodeId}
							id={`node-${n.nodeId}`}
							data-node-id={n.nodeId}
							data-node-status={n.status}
							className="rounded-xl border border-line bg-surface"
						>
							<div className="flex flex-wrap items-center gap-2 border-b border-line px-4 py-2">
								<span
									aria-hidden="true"
									className={`size-2.5 rounded-full ${out ? PORT_COLOURS[out.type].dot : 'bg-fg-muted'}`}
								/>
								<span className="rounded-md bg-raised px-2 py-0.5 text-xs font-medium text-fg-muted">
									{spec?.label ?? n.kind}
								</span>
								<h2 className="min-w-0 flex-1 truncate font-medium text-fg">{names.get(n.nodeId) ?? n.nodeId}</h2>
								<StatusBadge status={n.status} />
								<span className="text-xs tabular-nums text-fg-muted">
									{took !== null ? seconds(took) : n.status === 'running' ? 'running…' : ''}
									{n.status === 'succeeded' || n.costMicros > 0 ? `\u00a0· ${formatUsd(n.costMicros)}` : ''}
								</span>
							</div>
							<div className="space-y-2 p-4 text-sm">
								{n.error ? <p className="text-danger">{n.error}</p> : null}
								{n.output?.type === 'text' ? (
									<p
										className="max-h-64 overflow-auto whitespace-pre-wrap rounded-lg bg-raised p-3 text-fg"
										data-output="text"
									>
										{n.output.text}
									</p>
								) : null}
								{n.output?.type === 'collection' ? (
									<ul className="flex flex-wrap gap-2" data-output="collection">
										{n.output.items.map(item => (
											<li key={item.nodeId}>
												<a href={`#node-${item.nodeId}`} className="rounded-md border border-line px-2 py-1 text-xs">
													{names.get(item.nodeId) ?? item.nodeId} · {item.output.type}
												</a>
											</li>
										))}
									</ul>
								) : null}
								{generation ? (
									<div className="space-y-2">
										<div className="flex flex-wrap gap-2">
											{generation.outputs.map(o =>
												o.kind === 'image' ? (
													<img
														key={o.url}
														src={o.thumbnails?.at(-1)?.url ?? o.url}
														alt={`${names.get(n.nodeId) ?? 'Output'}: ${generation.prompt.slice(0, 120)}`}
														className="max-h-72 rounded-lg border border-line"
														data-output="image"
													/>
												) : o.kind === 'audio' || o.kind === 'video' ? (
													<NodePlayer key={o.url} kind={o.kind} url={o.url} />
												) : null,
											)}
										</div>
										<Link
											to={`/generations/${generation.id}`}
											className="inline-flex items-center gap-1 text-sm"
											data-library-link
										>
											<Library aria-hidden="true" className="size-4" /> Open in the library
										</Link>
									</div>
								) : null}
								{!n.output && !n.error && PENDING.includes(n.status) ? (
									<p className="text-fg-muted">{n.status === 'queued' ? 'Waiting for its inputs.' : 'Working…'}</p>
								) : null}
							</div>
						</li>
					)
				})}
			</ol>
		</div>
	)
}

/** A node's sound or clip, played in place. */
function NodePlayer({ kind, url }: { kind: 'audio' | 'video'; url: string }) {
	const Player = kind
	return (
		<Player
			controls
			src={url}
			preload="metadata"
			className={kind === 'audio' ? 'w-full' : 'max-h-72 rounded-lg'}
			data-output={kind}
		/>
	)
}

/** With JavaScript: follow the run over an EventSource and refresh the page's data on each change. */
function LiveUpdates({ runId }: { runId: string }) {
	const { revalidate } = useRevalidator()
	useEffect(() => {
		const source = new EventSource(`/api/workflows/runs/${runId}/events`)
		source.addEventListener('change', () => revalidate())
		source.addEventListener('done', () => {
			source.close()
			revalidate()
		})
		return () => source.close()
	}, [runId, revalidate])
	return null
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `Run of ${data?.workflowName ?? 'a workflow'} · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
