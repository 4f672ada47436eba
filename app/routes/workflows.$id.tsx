import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { lazy, Suspense } from 'react'
import { useHydrated } from '#app/components/chat/use-hydrated.ts'
import { StatusBadge } from '#app/components/generation-output.tsx'
import { FieldScope, TextField } from '#app/components/forms.tsx'
import { Copy, Download, Play, Plus, Trash2 } from '#app/components/icons/index.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { NodeCard, priceRange, type NodeRefusal } from '#app/components/workflows/node-card.tsx'
import { PORT_COLOURS } from '#app/components/workflows/ports.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { EditorFormSchema } from '#server/domain/workflows/form-schema.ts'
import { NODE_KINDS, NODE_SPECS } from '#server/domain/workflows/schema.ts'
import { modelPrice } from '#server/domain/workflows/prices.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Every form here edits the user's own workflow (`write`); a run also counts against `generation` in the domain
// for each media node it starts, as every start of provider work does.
export const handle: RouteHandle = { rateLimit: { action: 'write' } }

/** The konva graph: its own chunk, fetched only on this page and only once scripts run. */
const GraphCanvas = lazy(() => import('#app/components/workflows/graph-canvas.tsx'))

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const opened = await context.services.workflows.library.open(user, params.id ?? '')
	if ('refused' in opened) throw notFound(opened.message)
	const models = context.services.providers
		.list()
		.filter(m => m.available)
		.map(m => ({ id: m.id, name: m.displayName, capabilities: m.capabilities, price: modelPrice(m.prices) }))
	return { ...opened, models }
}

type ActionResult = { form: string; message: string; node?: NodeRefusal | undefined }

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const id = params.id ?? ''
	const form = await readForm(request)
	const parsed = parseWith(EditorFormSchema, form)
	if (!parsed.ok) {
		const message = Object.values(parsed.fields).flat()[0] ?? parsed.formErrors[0] ?? 'That change is not valid.'
		return data<ActionResult>({ form: form.intent ?? '', message }, { status: 400 })
	}
	const { workflows } = context.services
	const step = parsed.value
	if (step.op === 'run') {
		const started = await workflows.runs.start(user, id)
		if ('refused' in started)
			return data<ActionResult>(
				{ form: 'run', message: started.message },
				{ status: started.status, headers: started.headers ?? {} },
			)
		return redirect(`/workflows/${id}/runs/${started.runId}`, 303)
	}
	if (step.op === 'delete') {
		const gone = await workflows.library.remove(user, id)
		if ('refused' in gone) return data<ActionResult>({ form: 'delete', message: gone.message }, { status: gone.status })
		return redirect('/workflows', 303)
	}
	if (step.op === 'duplicate') {
		const made = await workflows.library.duplicate(user, id)
		if ('refused' in made)
			return data<ActionResult>({ form: 'duplicate', message: made.message }, { status: made.status })
		return redirect(`/workflows/${made.id}`, 303)
	}
	const edited = await workflows.library.edit(user, id, step)
	if ('refused' in edited) {
		const nodeId = step.op === 'update' || step.op === 'remove' || step.op === 'move' ? step.nodeId : null
		const messages = nodeId ? (edited.fields?.[nodeId] ?? [edited.message]) : [edited.message]
		return data<ActionResult>(
			{
				form: step.op,
				message: edited.message,
				node: nodeId ? { nodeId, messages, values: form } : undefined,
			},
			{ status: edited.status },
		)
	}
	// The graph saves in the background: it stays where it is, and the page's data is read again.
	if (step.op === 'replace') return data<ActionResult>({ form: 'definition', message: '' })
	// Back to the node just changed (no JavaScript: the page reloads there).
	return redirect(`/workflows/${id}${edited.nodeId ? `#node-${edited.nodeId}` : ''}`, 303)
}

const when = (d: Date | string) => new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

export default function WorkflowEditor() {
	const { workflow, problems, estimate, runs, models } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const hydrated = useHydrated()
	const { definition } = workflow
	const estimates = new Map(estimate?.nodes.map(n => [n.nodeId, n]) ?? [])
	const whole = problems.workflow ?? []
	const problemCount = Object.values(problems).reduce((n, list) => n + list.length, 0)
	const cards = definition.nodes.map((node, i) => (
		<NodeCard
			key={`${node.id}:${workflow.updatedAt}`}
			node={node}
			index={i}
			count={definition.nodes.length}
			definition={definition}
			models={models}
			problems={problems[node.id] ?? []}
			estimate={estimates.get(node.id)}
			refusal={result?.node?.nodeId === node.id ? result.node : null}
		/>
	))
	return (
		<div className="flex w-full flex-col gap-4">
			<header className="flex flex-wrap items-center gap-3">
				<div className="min-w-0 flex-1 space-y-1">
					<p className="text-sm">
						<Link to="/workflows">Workflows</Link> /
					</p>
					<h1 className="truncate text-2xl font-semibold text-fg">{workflow.name}</h1>
					<details className="group text-sm" open={result?.form === 'rename'}>
						<summary className="cursor-pointer text-fg-muted">Rename</summary>
						<Form method="post" className="mt-2 flex items-end gap-2">
							<FieldScope prefix="workflow" errors={result?.form === 'rename' ? { name: [result.message] } : null}>
								<TextField
									name="name"
									label="Workflow name"
									hideLabel
									required
									maxLength={200}
									defaultValue={workflow.name}
									key={workflow.name}
									className="w-64"
								/>
							</FieldScope>
							<button type="submit" name="intent" value="rename" className="btn-secondary">
								Rename
							</button>
						</Form>
					</details>
				</div>
				<div className="flex flex-wrap items-center gap-2">
					<a href={`/workflows/${workflow.id}/export`} download className="icon-btn text-sm">
						<Download aria-hidden="true" className="size-4" /> Export
					</a>
					<Form method="post">
						<button type="submit" name="intent" value="duplicate" className="icon-btn text-sm">
							<Copy aria-hidden="true" className="size-4" /> Duplicate
						</button>
					</Form>
					<Form method="post">
						<button type="submit" name="intent" value="delete" className="icon-btn text-sm hover:text-danger">
							<Trash2 aria-hidden="true" className="size-4" /> Delete
						</button>
					</Form>
				</div>
			</header>

			{result && !result.node && result.form !== 'rename' ? (
				<p role="alert" className="callout-danger" data-testid="editor-error">
					{result.message}
				</p>
			) : null}

			<div className="grid gap-4 lg:grid-cols-[168px_minmax(0,1fr)_256px]">
				<aside aria-labelledby="palette" className="space-y-2 lg:sticky lg:top-4 lg:self-start">
					<h2 id="palette" className="text-sm font-medium text-fg">
						Add a node
					</h2>
					<Form method="post" className="grid grid-cols-2 gap-1 lg:grid-cols-1">
						<input type="hidden" name="intent" value="add" />
						{NODE_KINDS.map(kind => {
							const out = NODE_SPECS[kind].outputs[0]
							return (
								<button
									key={kind}
									type="submit"
									name="kind"
									value={kind}
									className="flex items-center gap-2 rounded-lg border border-line bg-surface px-2.5 py-1.5 text-left text-sm text-fg hover:border-line-strong hover:bg-raised"
								>
									<span
										aria-hidden="true"
										className={`size-2.5 shrink-0 rounded-full ${out ? PORT_COLOURS[out.type].dot : 'bg-fg-muted'}`}
									/>
									<span className="min-w-0 flex-1 truncate">{NODE_SPECS[kind].label}</span>
									<Plus aria-hidden="true" className="size-3.5 text-fg-muted" />
								</button>
							)
						})}
					</Form>
				</aside>

				<main className="min-w-0 space-y-3" aria-label="Nodes">
					{whole.length > 0 && definition.nodes.length > 0 ? (
						<ul className="callout-danger" data-node-problems="workflow">
							{whole.map(m => (
								<li key={m}>{m}</li>
							))}
						</ul>
					) : null}
					{definition.nodes.length === 0 ? (
						<div className="rounded-xl border border-dashed border-line-strong p-8 text-center text-sm text-fg-muted">
							<p>
								Nothing here yet. Add a node from the list — a Text input, then a Prompt template and an Image, for
								example.
							</p>
						</div>
					) : hydrated ? (
						<Suspense fallback={<div className="h-[480px] animate-pulse rounded-xl border border-line bg-raised" />}>
							<GraphCanvas
								workflowId={workflow.id}
								definition={definition}
								problems={problems}
								models={models}
								estimates={estimate?.nodes ?? []}
								updatedAt={String(workflow.updatedAt)}
								refusal={result?.node ?? null}
							/>
						</Suspense>
					) : (
						<ol className="space-y-3" data-testid="node-list">
							{cards.map((card, i) => (
								<li key={definition.nodes[i]?.id}>{card}</li>
							))}
						</ol>
					)}
				</main>

				<aside aria-labelledby="run-heading" className="space-y-4 lg:sticky lg:top-4 lg:self-start">
					<section className="card space-y-3">
						<h2 id="run-heading" className="font-medium text-fg">
							Run
						</h2>
						{estimate ? (
							<>
								<table className="w-full text-sm" data-testid="estimate">
									<tbody>
										{estimate.nodes.map(n => (
											<tr key={n.nodeId}>
												<td className="py-0.5 pr-2 text-fg-soft">{n.name}</td>
												<td className="py-0.5 text-right tabular-nums text-fg-muted">
													{priceRange(n.minMicros, n.maxMicros)}
												</td>
											</tr>
										))}
									</tbody>
									<tfoot>
										<tr className="border-t border-line font-medium">
											<td className="pt-1">Total</td>
											<td className="pt-1 text-right tabular-nums" data-testid="estimate-total">
												{priceRange(estimate.minMicros, estimate.maxMicros)}
											</td>
										</tr>
									</tfoot>
								</table>
								<p className="text-xs text-fg-muted">
									Checked against your monthly budget at its upper end before anything is called.
								</p>
							</>
						) : (
							<p className="text-sm text-fg-muted">
								{definition.nodes.length === 0
									? 'Add nodes to see what a run costs.'
									: `Fix ${problemCount === 1 ? 'the problem' : `the ${problemCount} problems`} shown beside the nodes to see the price and run.`}
							</p>
						)}
						{result?.form === 'run' ? (
							<p role="alert" className="callout-danger" data-testid="run-refused">
								{result.message}
							</p>
						) : null}
						<Form method="post">
							<button type="submit" name="intent" value="run" className="btn w-full" disabled={!estimate}>
								<Play aria-hidden="true" className="size-4" /> Run workflow
							</button>
						</Form>
					</section>
					<section aria-labelledby="history" className="card space-y-2">
						<h2 id="history" className="font-medium text-fg">
							Runs
						</h2>
						{runs.length === 0 ? (
							<p className="text-sm text-fg-muted">Not run yet.</p>
						) : (
							<ul className="divide-y divide-line text-sm" data-testid="run-history">
								{runs.map(r => (
									<li key={r.id} className="flex items-center gap-2 py-1.5">
										<StatusBadge status={r.status} />
										<Link to={`/workflows/${workflow.id}/runs/${r.id}`} className="min-w-0 flex-1 truncate">
											{when(r.createdAt)}
										</Link>
										<span className="tabular-nums text-fg-muted">{formatUsd(r.costMicros)}</span>
									</li>
								))}
							</ul>
						)}
					</section>
				</aside>
			</div>
		</div>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.workflow.name ?? 'Workflow'} · Workflows · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
