import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { lazy, Suspense } from 'react'
import { useHydrated } from '#app/components/chat/use-hydrated.ts'
import { FieldScope, TextField } from '#app/components/forms.tsx'
import { Copy, Download, Trash2 } from '#app/components/icons/index.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { ShareForm } from '#app/components/share/share-form.tsx'
import { NodeCard, type NodeRefusal } from '#app/components/workflows/node-card.tsx'
import { NodePalette } from '#app/components/workflows/node-palette.tsx'
import { useSelectedNode } from '#app/components/workflows/use-selected-node.ts'
import { RunPanel } from '#app/components/workflows/run-panel.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { EditorFormSchema } from '#server/domain/workflows/form-schema.ts'
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

type ActionResult = { form: string; message: string; node?: NodeRefusal | undefined; updatedAt?: string }

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
	if (step.op === 'replace')
		return data<ActionResult>({ form: 'definition', message: '', updatedAt: edited.updatedAt.toISOString() })
	// Back to the node just changed (no JavaScript: the page reloads there).
	return redirect(`/workflows/${id}${edited.nodeId ? `#node-${edited.nodeId}` : ''}`, 303)
}

export default function WorkflowEditor() {
	const { workflow, problems, estimate, runs, models } = useLoaderData<typeof loader>()
	const result = useActionData<typeof action>()
	const hydrated = useHydrated()
	const { definition } = workflow
	const estimates = new Map(estimate?.nodes.map(n => [n.nodeId, n]) ?? [])
	const whole = problems.workflow ?? []
	const problemCount = Object.values(problems).reduce((n, list) => n + list.length, 0)
	// With scripts the graph is the editor and the selected node's fields sit beside it; without, the form editor.
	const graph = hydrated && definition.nodes.length > 0
	// The version the page read, to the millisecond (what the graph names when it saves).
	const updatedAt = new Date(workflow.updatedAt).toISOString()
	const [selected, setSelected] = useSelectedNode(definition, updatedAt, result?.node ?? null)
	const selectedIndex = definition.nodes.findIndex(n => n.id === selected)
	const nodeCard = (i: number, variant: 'list' | 'panel') => {
		const node = definition.nodes[i]
		if (!node) return null
		return (
			<NodeCard
				key={`${node.id}:${updatedAt}`}
				node={node}
				index={i}
				count={definition.nodes.length}
				definition={definition}
				models={models}
				problems={problems[node.id] ?? []}
				estimate={estimates.get(node.id)}
				refusal={result?.node?.nodeId === node.id ? result.node : null}
				selected={variant === 'panel'}
				variant={variant}
			/>
		)
	}
	const runPanel = (
		<RunPanel
			workflowId={workflow.id}
			estimate={estimate}
			nodeCount={definition.nodes.length}
			problemCount={problemCount}
			refused={result?.form === 'run' ? result.message : null}
			runs={runs}
		/>
	)
	return (
		<div className="flex w-full flex-col gap-4">
			<header className="flex flex-wrap items-center gap-3">
				<div className="min-w-0 basis-full space-y-1 sm:basis-0 sm:flex-1">
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
					<ShareForm
						kind="workflow"
						targetId={workflow.id}
						returnTo={`/workflows/${workflow.id}`}
						canIncludeOutputs={runs.some(r => r.status === 'succeeded' || r.status === 'failed')}
						align="right"
						summaryClassName="icon-btn text-sm"
					/>
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

			{graph ? (
				<>
					<NodePalette layout="strip" />
					<div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_320px]">
						<main className="min-w-0 space-y-3" aria-label="Graph">
							{whole.length > 0 ? <WholeProblems messages={whole} /> : null}
							<Suspense
								fallback={
									<div className="h-[340px] animate-pulse rounded-xl border border-line bg-raised sm:h-[420px]" />
								}
							>
								<GraphCanvas
									definition={definition}
									problems={problems}
									estimates={estimate?.nodes ?? []}
									updatedAt={updatedAt}
									selected={selected}
									onSelect={setSelected}
								/>
							</Suspense>
						</main>
						<aside aria-label="Selected node and run" className="space-y-4 lg:sticky lg:top-4 lg:self-start">
							{selectedIndex >= 0 ? nodeCard(selectedIndex, 'panel') : null}
							{runPanel}
						</aside>
					</div>
				</>
			) : (
				<div className="grid gap-4 lg:grid-cols-[168px_minmax(0,1fr)_256px]">
					<aside className="lg:sticky lg:top-4 lg:self-start">
						<NodePalette layout="column" />
					</aside>
					<main className="min-w-0 space-y-3" aria-label="Nodes">
						{whole.length > 0 && definition.nodes.length > 0 ? <WholeProblems messages={whole} /> : null}
						{definition.nodes.length === 0 ? (
							<div className="rounded-xl border border-dashed border-line-strong p-8 text-center text-sm text-fg-muted">
								<p>
									Nothing here yet. Add a node from the list — a Text input, then a Prompt template and an Image, for
									example.
								</p>
							</div>
						) : (
							<ol className="space-y-3" data-testid="node-list">
								{definition.nodes.map((node, i) => (
									<li key={node.id}>{nodeCard(i, 'list')}</li>
								))}
							</ol>
						)}
					</main>
					<aside aria-label="Run" className="space-y-4 lg:sticky lg:top-4 lg:self-start">
						{runPanel}
					</aside>
				</div>
			)}
		</div>
	)
}

/** Problems of the whole workflow (a cycle, nothing to run), above the nodes. */
function WholeProblems({ messages }: { messages: readonly string[] }) {
	return (
		<ul className="callout-danger" data-node-problems="workflow">
			{messages.map(m => (
				<li key={m}>{m}</li>
			))}
		</ul>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.workflow.name ?? 'Workflow'} · Workflows · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
