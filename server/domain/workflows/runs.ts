/**
 * Running a workflow: a `workflow_runs` row keeps the validated definition, one `workflow_node_runs` row per
 * node, and one `workflow.run` job per node, enqueued when every node it takes input from has succeeded — so
 * independent nodes run side by side. Starting is one transaction (run, node rows, the jobs of the nodes with no
 * inputs), after validation and the budget check. A node job claims its row (queued → running) before doing
 * anything, and media nodes go through the generation pipeline with an idempotency key made of the run and
 * the node, so a job delivered twice, or retried after a crash, does not make a second output. A failed node
 * cancels only what depends on it; cancel stops every node not yet finished and the predictions of those running.
 * Text results (chat, transcribe, vision) are kept as text generations under the same key, with their usage, in
 * one transaction: a node retried after a crash finds its result and does not call the provider again.
 * "Run again from here" is a new run that copies the outputs upstream of the chosen node (decision 021).
 * Each run is one trace: a root span made when it starts (linked to the request that started it) and a span per
 * node, its child.
 */
import { context, propagation, trace, type Span } from '@opentelemetry/api'
import * as v from 'valibot'
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { chunkAudio } from '#server/media/join-audio.ts'
import { PLAIN_TRANSCRIBE_OPTIONS } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError, type ProviderName, type Usage } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import { continueTrace } from '#server/trace-context.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import type { AudioProjects } from '../audio/projects.ts'
import type { Generations } from '../generations/index.ts'
import type { Generation } from '../generations/rows.ts'
import type { GenerationRequest } from '../generations/schema.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { recordUsage, type UsageCapability } from '../usage/index.ts'
import { fillTemplate, outputPortsOf, type WorkflowDefinition, type WorkflowNode } from './schema.ts'
import type { ValidWorkflow } from './validate.ts'
import type { Prepared } from './index.ts'

const tracer = trace.getTracer('generation-studio.workflows')

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled'

/** What a node made: text inline, media as the generation holding it in the library, or a collection. */
export type NodeOutput =
	| { type: 'text'; text: string }
	| { type: 'image' | 'audio' | 'video'; generationId: string }
	| { type: 'collection'; items: Array<{ nodeId: string; output: NodeOutput }> }

export type NodeRun = {
	nodeId: string
	kind: string
	status: RunStatus
	output: NodeOutput | null
	generationId: string | null
	costMicros: number
	error: string | null
	startedAt: Date | null
	completedAt: Date | null
	/** Copied from the run this one reran from: its output reused, nothing called, nothing spent here. */
	reused: boolean
}

export type Run = {
	id: string
	workflowId: string
	status: RunStatus
	error: string | null
	definition: WorkflowDefinition
	nodes: NodeRun[]
	/** What this run spent: its nodes' costs (reused nodes cost nothing here). */
	costMicros: number
	/** "Run again from here": the run it started from, and the node. */
	rerunOf: string | null
	rerunFrom: string | null
	createdAt: Date
	completedAt: Date | null
}

/** A row of a workflow's run history. */
export type RunSummary = Pick<
	Run,
	'id' | 'workflowId' | 'status' | 'error' | 'costMicros' | 'rerunOf' | 'rerunFrom' | 'createdAt' | 'completedAt'
>

export const NodeJobSchema = v.looseObject({ runId: v.pipe(v.string(), v.uuid()), nodeId: v.string() })

const jobKey = (runId: string, nodeId: string) => `${runId}:${nodeId}`

type NodeRow = {
	node_id: string
	kind: string
	status: RunStatus
	output: NodeOutput | null
	generation_id: string | null
	cost_micros: string | number
	error: string | null
	started_at: Date | null
	completed_at: Date | null
	reused: boolean
}

const NODE_COLUMNS =
	'node_id, kind, status, output, generation_id, cost_micros, error, started_at, completed_at, reused'

const toNodeRun = (r: NodeRow): NodeRun => ({
	nodeId: r.node_id,
	kind: r.kind,
	status: r.status,
	output: r.output,
	generationId: r.generation_id,
	costMicros: Number(r.cost_micros),
	error: r.error,
	startedAt: r.started_at,
	completedAt: r.completed_at,
	reused: r.reused,
})

/** JSON with sorted keys: two definitions read back from different places compare equal when they are. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
	if (value && typeof value === 'object')
		return `{${Object.keys(value)
			.sort()
			.map(k => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
			.join(',')}}`
	return JSON.stringify(value) ?? 'null'
}

/** Every node downstream of `from` (not `from` itself). */
function downstreamOf(definition: WorkflowDefinition, from: string): Set<string> {
	const { downstream } = graph(definition)
	const seen = new Set<string>()
	const queue = [...(downstream.get(from) ?? [])]
	while (queue.length > 0) {
		const id = queue.shift() as string
		if (seen.has(id)) continue
		seen.add(id)
		queue.push(...(downstream.get(id) ?? []))
	}
	return seen
}

/** The W3C traceparent of `span`, to store beside the run (null without the telemetry SDK). */
function traceparentOf(span: Span): string | null {
	const carrier: Record<string, string> = {}
	propagation.inject(trace.setSpan(context.active(), span), carrier)
	return carrier.traceparent ?? null
}

/** A run's root span: a trace of its own, linked both ways to the request that started it. */
function startRunSpan(name: string, attributes: Record<string, string>): Span {
	const request = trace.getActiveSpan()
	const span = tracer.startSpan(name, {
		root: true,
		attributes,
		links: request ? [{ context: request.spanContext() }] : [],
	})
	request?.addLink({ context: span.spanContext() })
	return span
}

/** The nodes each node takes input from, and those that take input from it. */
function graph(definition: WorkflowDefinition) {
	const upstream = new Map<string, Set<string>>()
	const downstream = new Map<string, Set<string>>()
	for (const n of definition.nodes) {
		upstream.set(n.id, new Set())
		downstream.set(n.id, new Set())
	}
	for (const e of definition.edges) {
		upstream.get(e.to.node)?.add(e.from.node)
		downstream.get(e.from.node)?.add(e.to.node)
	}
	return { upstream, downstream }
}

/** Thrown by a node's work: the node fails with this message (a person can act on it). */
class NodeFailure extends Error {}

export function createRuns(deps: {
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	generations: Pick<Generations, 'create' | 'get' | 'waitForChange' | 'cancel'>
	/**
	 * Validation, the foreign-item check and the budget check. With `reusable`, the nodes it names (outputs reused
	 * from an earlier run) are left out of the price.
	 */
	prepare(
		tx: Tx,
		userId: string,
		definition: unknown,
		reusable?: (valid: ValidWorkflow) => ReadonlySet<string>,
	): Promise<(Prepared & { reused: ReadonlySet<string> }) | Refusal>
	/** Reads the bytes of library items (transcribe, vision). */
	storage?: Pick<Storage, 'get'>
	/** Renders mix nodes. */
	audioProjects?: Pick<AudioProjects, 'mixSounds'>
	/** How long a node waits for its generation before failing (default 10 minutes). */
	nodeTimeoutMs?: number
}) {
	const { db, jobs, providers, generations } = deps
	const nodeTimeoutMs = deps.nodeTimeoutMs ?? 10 * 60_000

	/** Starts a run of one of `actor`'s workflows: refused when it is invalid or could go over the budget. */
	async function start(actor: Actor, workflowId: string): Promise<{ runId: string } | Refusal> {
		if (!isUuid(workflowId)) return notFound('That workflow')
		const span = startRunSpan('workflow.run', { 'workflow.id': workflowId })
		const traceContext = traceparentOf(span)
		try {
			// The root nodes' jobs carry the run's trace, so every node span joins it.
			const result = await context.with(trace.setSpan(context.active(), span), () =>
				db.asUser(actor.id, async tx => {
					const { rows } = await tx.query<{ definition: unknown }>(
						'select definition from public.workflows where id = $1',
						[workflowId],
					)
					const row = rows[0]
					if (!row) return notFound('That workflow')
					const prepared = await deps.prepare(tx, actor.id, row.definition)
					if ('refused' in prepared) return prepared
					const run = await tx.query<{ id: string }>(
						`insert into public.workflow_runs (workflow_id, user_id, status, definition, started_at, trace_context)
						 values ($1, $2, 'running', $3, now(), $4) returning id`,
						[workflowId, actor.id, JSON.stringify(prepared.definition), traceContext],
					)
					const runId = run.rows[0]?.id as string
					const { upstream } = graph(prepared.definition)
					for (const n of prepared.definition.nodes) {
						await tx.query(
							'insert into public.workflow_node_runs (run_id, user_id, node_id, kind) values ($1, $2, $3, $4)',
							[runId, actor.id, n.id, n.kind],
						)
					}
					for (const n of prepared.definition.nodes) {
						if ((upstream.get(n.id)?.size ?? 0) === 0)
							await jobs.enqueue(tx, 'workflow.run', { runId, nodeId: n.id }, { singletonKey: jobKey(runId, n.id) })
					}
					return { runId }
				}),
			)
			if ('refused' in result) span.setAttribute('workflow.refused', result.code)
			else {
				span.setAttribute('workflow.run.id', result.runId)
				jobs.wake('workflow.run')
			}
			return result
		} finally {
			span.end()
		}
	}

	/**
	 * "Run again from here": a new run of the workflow as it is now, in which `nodeId` and everything downstream of
	 * it run again, and every other node that succeeded in `runId` — unchanged, with unchanged inputs — is copied
	 * with its output (reused, nothing called, nothing spent). A node upstream that had not succeeded runs too.
	 * Priced and checked against the budget for the nodes that will run.
	 */
	async function rerun(actor: Actor, runId: string, nodeId: string): Promise<{ runId: string } | Refusal> {
		const source = await get(actor, runId)
		if ('refused' in source) return source
		if (source.status === 'queued' || source.status === 'running')
			return refuse(409, 'run_active', 'This run is still going: wait for it to finish, or cancel it.')
		const span = startRunSpan('workflow.run', {
			'workflow.id': source.workflowId,
			'workflow.rerun_of': runId,
			'workflow.rerun_from': nodeId,
		})
		const traceContext = traceparentOf(span)
		try {
			const result = await context.with(trace.setSpan(context.active(), span), () =>
				// Privileged for the copied node rows (people may only create queued ones); every query names the user.
				db.privileged(async (tx): Promise<{ runId: string } | Refusal> => {
					const { rows } = await tx.query<{ definition: unknown }>(
						'select definition from public.workflows where id = $1 and user_id = $2',
						[source.workflowId, actor.id],
					)
					const row = rows[0]
					if (!row) return notFound('That workflow')
					const before = new Map(source.nodes.map(n => [n.nodeId, n]))
					const reusable = (valid: ValidWorkflow): ReadonlySet<string> => {
						const reused = new Set<string>()
						if (!valid.definition.nodes.some(n => n.id === nodeId)) return reused
						const again = downstreamOf(valid.definition, nodeId)
						const was = new Map(source.definition.nodes.map(n => [n.id, canonical(n)]))
						const edgesInto = (d: WorkflowDefinition, id: string) =>
							canonical(
								d.edges
									.filter(e => e.to.node === id)
									.map(canonical)
									.sort(),
							)
						const { upstream } = graph(valid.definition)
						const byId = new Map(valid.definition.nodes.map(n => [n.id, n]))
						for (const id of valid.order) {
							const n = byId.get(id) as WorkflowNode
							if (id === nodeId || again.has(id)) continue
							if (before.get(id)?.status !== 'succeeded') continue
							if (was.get(id) !== canonical(n)) continue
							if (edgesInto(valid.definition, id) !== edgesInto(source.definition, id)) continue
							if (![...(upstream.get(id) ?? [])].every(u => reused.has(u))) continue
							reused.add(id)
						}
						return reused
					}
					const prepared = await deps.prepare(tx, actor.id, row.definition, reusable)
					if ('refused' in prepared) return prepared
					if (!prepared.definition.nodes.some(n => n.id === nodeId)) return notFound('That step')
					const run = await tx.query<{ id: string }>(
						`insert into public.workflow_runs
							(workflow_id, user_id, status, definition, started_at, trace_context, rerun_of, rerun_from)
						 values ($1, $2, 'running', $3, now(), $4, $5, $6) returning id`,
						[source.workflowId, actor.id, JSON.stringify(prepared.definition), traceContext, runId, nodeId],
					)
					const newRunId = run.rows[0]?.id as string
					for (const n of prepared.definition.nodes) {
						const old = prepared.reused.has(n.id) ? before.get(n.id) : undefined
						if (old)
							await tx.query(
								`insert into public.workflow_node_runs
									(run_id, user_id, node_id, kind, status, output, generation_id, started_at, completed_at, reused)
								 values ($1, $2, $3, $4, 'succeeded', $5, $6, $7, $8, true)`,
								[
									newRunId,
									actor.id,
									n.id,
									n.kind,
									JSON.stringify(old.output),
									old.generationId,
									old.startedAt,
									old.completedAt,
								],
							)
						else
							await tx.query(
								'insert into public.workflow_node_runs (run_id, user_id, node_id, kind) values ($1, $2, $3, $4)',
								[newRunId, actor.id, n.id, n.kind],
							)
					}
					const { upstream } = graph(prepared.definition)
					for (const n of prepared.definition.nodes) {
						if (prepared.reused.has(n.id)) continue
						if ([...(upstream.get(n.id) ?? [])].every(u => prepared.reused.has(u)))
							await jobs.enqueue(
								tx,
								'workflow.run',
								{ runId: newRunId, nodeId: n.id },
								{ singletonKey: jobKey(newRunId, n.id) },
							)
					}
					return { runId: newRunId }
				}),
			)
			if (!('refused' in result)) {
				span.setAttribute('workflow.run.id', result.runId)
				jobs.wake('workflow.run')
			}
			return result
		} finally {
			span.end()
		}
	}

	type RunRow = {
		id: string
		workflow_id: string
		status: RunStatus
		error: string | null
		definition: WorkflowDefinition
		rerun_of: string | null
		rerun_from: string | null
		cost_micros: string | number
		created_at: Date
		completed_at: Date | null
	}
	const RUN_COLUMNS = `r.id, r.workflow_id, r.status, r.error, r.definition, r.rerun_of, r.rerun_from, r.created_at, r.completed_at,
		(select coalesce(sum(cost_micros), 0) from public.workflow_node_runs n where n.run_id = r.id) as cost_micros`
	const toSummary = (run: RunRow): RunSummary => ({
		id: run.id,
		workflowId: run.workflow_id,
		status: run.status,
		error: run.error,
		costMicros: Number(run.cost_micros),
		rerunOf: run.rerun_of,
		rerunFrom: run.rerun_from,
		createdAt: run.created_at,
		completedAt: run.completed_at,
	})

	async function get(actor: Actor, runId: string): Promise<Run | Refusal> {
		if (!isUuid(runId)) return notFound('That run')
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<RunRow>(
				`select ${RUN_COLUMNS} from public.workflow_runs r where r.id = $1 and r.user_id = $2`,
				[runId, actor.id],
			)
			const run = rows[0]
			if (!run) return notFound('That run')
			const nodes = await tx.query<NodeRow>(`select ${NODE_COLUMNS} from public.workflow_node_runs where run_id = $1`, [
				runId,
			])
			const byId = new Map(nodes.rows.map(r => [r.node_id, toNodeRun(r)]))
			return {
				...toSummary(run),
				definition: run.definition,
				nodes: run.definition.nodes.flatMap(n => byId.get(n.id) ?? []),
			}
		})
	}

	/** A workflow's runs, newest first. */
	async function list(actor: Actor, workflowId: string, limit = 20): Promise<RunSummary[]> {
		if (!isUuid(workflowId)) return []
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<RunRow>(
				`select ${RUN_COLUMNS} from public.workflow_runs r where r.workflow_id = $1 and r.user_id = $2
				 order by r.created_at desc, r.id limit $3`,
				[workflowId, actor.id, Math.max(1, Math.min(100, limit))],
			)
			return rows.map(toSummary)
		})
	}

	/**
	 * Cancels every node not yet finished; the generations (and so the provider predictions) of running nodes are
	 * canceled too. A node whose generation is made after this still sees the cancel and cancels it.
	 */
	async function cancel(actor: Actor, runId: string): Promise<Run | Refusal> {
		const found = await get(actor, runId)
		if ('refused' in found) return found
		if (['succeeded', 'failed', 'canceled'].includes(found.status))
			return refuse(409, 'run_finished', 'This run has already finished.')
		const running = await db.privileged(async tx => {
			await tx.query('select id from public.workflow_runs where id = $1 for update', [runId])
			const { rows } = await tx.query<{ generation_id: string | null }>(
				`update public.workflow_node_runs set status = 'canceled', error = 'Canceled.', completed_at = now()
				 where run_id = $1 and status in ('queued', 'running') returning generation_id`,
				[runId],
			)
			await tx.query(
				`update public.workflow_runs set status = 'canceled', completed_at = now() where id = $1 and status in ('queued', 'running')`,
				[runId],
			)
			return rows.flatMap(r => (r.generation_id ? [r.generation_id] : []))
		})
		for (const id of running) await generations.cancel(actor, id).catch(() => undefined)
		return get(actor, runId)
	}

	// ── The node job ────────────────────────────────────────────────────────────────────────────────────

	type Outcome = { output: NodeOutput; generationId: string | null; costMicros: number } | { error: string }

	async function runNode(runId: string, nodeId: string, retry: boolean): Promise<void> {
		const claimed = await db.privileged(async tx => {
			const { rows } = await tx.query<{
				user_id: string
				status: RunStatus
				definition: WorkflowDefinition
				trace_context: string | null
			}>('select user_id, status, definition, trace_context from public.workflow_runs where id = $1 for update', [
				runId,
			])
			const run = rows[0]
			if (!run || run.status !== 'running') return null
			// A retry after a crash takes the node back from `running`; its output (if any) is found by its key.
			const claim = await tx.query(
				`update public.workflow_node_runs set status = 'running', started_at = coalesce(started_at, now())
				 where run_id = $1 and node_id = $2 and (status = 'queued' or (status = 'running' and $3))`,
				[runId, nodeId, retry],
			)
			if (claim.rowCount === 0) return null
			const inputs = await tx.query<{ node_id: string; output: NodeOutput }>(
				`select node_id, output from public.workflow_node_runs where run_id = $1 and status = 'succeeded'`,
				[runId],
			)
			return {
				userId: run.user_id,
				definition: run.definition,
				traceContext: run.trace_context,
				outputs: new Map(inputs.rows.map(r => [r.node_id, r.output])),
			}
		})
		if (!claimed) return
		const node = claimed.definition.nodes.find(n => n.id === nodeId)
		if (!node) return
		await continueTrace(
			claimed.traceContext,
			'workflow.node',
			{ 'workflow.run.id': runId, 'workflow.node.id': node.id, 'workflow.node.kind': node.kind },
			async work => {
				let outcome: Outcome
				try {
					outcome = await execute(claimed.userId, runId, node, claimed.definition, claimed.outputs)
				} catch (error) {
					if (!(error instanceof NodeFailure) && !isProviderError(error))
						logger.error('workflow node failed', { runId, nodeId, error })
					outcome = {
						error:
							error instanceof NodeFailure || isProviderError(error)
								? error.message
								: 'Something went wrong running this step.',
					}
				}
				if ('error' in outcome) work.failed(outcome.error)
				// Its dependants' jobs are enqueued here, so they carry this trace.
				await finish(runId, node, claimed.definition, outcome)
			},
		)
	}

	async function finish(runId: string, node: WorkflowNode, definition: WorkflowDefinition, outcome: Outcome) {
		const woke = await db.privileged(async tx => {
			// One completion at a time per run, so two parents finishing together cannot both miss their child.
			await tx.query('select id from public.workflow_runs where id = $1 for update', [runId])
			const done = await tx.query(
				'error' in outcome
					? `update public.workflow_node_runs set status = 'failed', error = $3, completed_at = now()
					   where run_id = $1 and node_id = $2 and status = 'running'`
					: `update public.workflow_node_runs set status = 'succeeded', output = $3, generation_id = $4, cost_micros = $5,
					   completed_at = now() where run_id = $1 and node_id = $2 and status = 'running'`,
				'error' in outcome
					? [runId, node.id, outcome.error]
					: [runId, node.id, JSON.stringify(outcome.output), outcome.generationId, outcome.costMicros],
			)
			if (done.rowCount === 0) return false // canceled meanwhile: its output is dropped
			const { upstream, downstream } = graph(definition)
			const states = await tx.query<{ node_id: string; status: RunStatus }>(
				'select node_id, status from public.workflow_node_runs where run_id = $1',
				[runId],
			)
			const status = new Map(states.rows.map(r => [r.node_id, r.status]))
			let enqueued = false
			if ('error' in outcome) {
				// Everything downstream is stopped, and says why.
				const stop = [...downstreamOf(definition, node.id)]
				if (stop.length > 0) {
					await tx.query(
						`update public.workflow_node_runs set status = 'canceled', error = $3, completed_at = now()
						 where run_id = $1 and node_id = any($2::text[]) and status = 'queued'`,
						[runId, stop, `Not run: “${node.name}” failed.`],
					)
					for (const id of stop) if (status.get(id) === 'queued') status.set(id, 'canceled')
				}
			} else {
				for (const next of downstream.get(node.id) ?? []) {
					const ready = [...(upstream.get(next) ?? [])].every(id => status.get(id) === 'succeeded')
					if (ready && status.get(next) === 'queued') {
						await jobs.enqueue(tx, 'workflow.run', { runId, nodeId: next }, { singletonKey: jobKey(runId, next) })
						enqueued = true
					}
				}
			}
			const all = [...status.values()]
			if (all.every(s => s === 'succeeded' || s === 'failed' || s === 'canceled')) {
				const failed = all.includes('failed')
				const failedNames = definition.nodes.filter(n => status.get(n.id) === 'failed').map(n => `“${n.name}”`)
				await tx.query(
					`update public.workflow_runs set status = $2, error = $3, completed_at = now(),
					 outputs = (select coalesce(jsonb_object_agg(node_id, output), '{}'::jsonb) from public.workflow_node_runs
					            where run_id = $1 and status = 'succeeded')
					 where id = $1 and status = 'running'`,
					[runId, failed ? 'failed' : 'succeeded', failed ? `Failed: ${failedNames.join(', ')}.` : null],
				)
			}
			return enqueued
		})
		if (woke) jobs.wake('workflow.run')
	}

	const nodeKey = (runId: string, nodeId: string) => `workflow:${runId}:${nodeId}`

	/** Whether the node is still running (not canceled meanwhile). */
	async function stillRunning(runId: string, nodeId: string): Promise<boolean> {
		const { rows } = await db.privileged(tx =>
			tx.query<{ status: RunStatus }>(
				'select status from public.workflow_node_runs where run_id = $1 and node_id = $2',
				[runId, nodeId],
			),
		)
		return rows[0]?.status === 'running'
	}

	/** A text result stored before (this node, an earlier attempt): reused without calling the provider again. */
	async function storedText(userId: string, key: string) {
		const { rows } = await db.privileged(tx =>
			tx.query<{ id: string; params: { text?: unknown }; cost_micros: string | number }>(
				`select id, params, cost_micros from public.generations
				 where user_id = $1 and idempotency_key = $2 and kind = 'text' and status = 'succeeded'`,
				[userId, key],
			),
		)
		const row = rows[0]
		if (!row || typeof row.params.text !== 'string') return null
		return {
			output: { type: 'text' as const, text: row.params.text },
			generationId: row.id,
			costMicros: Number(row.cost_micros),
		}
	}

	/**
	 * Keeps a text result as a library item (a `text` generation under the node's key) with its usage, in one
	 * transaction, and links it from the node row: a retry finds it (`storedText`), and the usage is recorded once.
	 */
	async function storeText(
		userId: string,
		runId: string,
		node: WorkflowNode,
		result: {
			text: string
			prompt: string
			provider: ProviderName
			model: string
			capability: UsageCapability
			usage: Usage
			costMicros: number
			parentId?: string | null
		},
	) {
		const key = nodeKey(runId, node.id)
		const id = await db.privileged(async tx => {
			const { rows } = await tx.query<{ id: string }>(
				`insert into public.generations
					(user_id, kind, status, provider, model, prompt, params, cost_micros, idempotency_key, parent_id,
					 started_at, completed_at)
				 values ($1, 'text', 'succeeded', $2, $3, $4, $5, $6, $7, $8, now(), now())
				 on conflict (user_id, idempotency_key) where idempotency_key is not null do nothing
				 returning id`,
				[
					userId,
					result.provider,
					result.model,
					result.prompt.slice(0, 4000),
					JSON.stringify({ source: 'workflow', runId, nodeId: node.id, nodeName: node.name, text: result.text }),
					Math.max(0, Math.round(result.costMicros)),
					key,
					result.parentId ?? null,
				],
			)
			const inserted = rows[0]?.id
			if (!inserted) return null
			await recordUsage(tx, {
				userId,
				provider: result.provider,
				model: result.model,
				capability: result.capability,
				usage: result.usage,
				costMicros: result.costMicros,
				generationId: inserted,
			})
			await tx.query('update public.workflow_node_runs set generation_id = $3 where run_id = $1 and node_id = $2', [
				runId,
				node.id,
				inserted,
			])
			return inserted
		})
		if (!id) {
			// Stored by another attempt meanwhile: that one counts.
			const stored = await storedText(userId, key)
			if (stored) return stored
			throw new NodeFailure('This step’s result could not be kept.')
		}
		return { output: { type: 'text' as const, text: result.text }, generationId: id, costMicros: result.costMicros }
	}

	/** Links a node to the generation making its output, then waits for that generation to finish. */
	async function awaitGeneration(userId: string, runId: string, node: WorkflowNode, id: string) {
		const linked = await db.privileged(tx =>
			tx.query(
				`update public.workflow_node_runs set generation_id = $3 where run_id = $1 and node_id = $2 and status = 'running'`,
				[runId, node.id, id],
			),
		)
		const deadline = Date.now() + nodeTimeoutMs
		for (let first = true; ; first = false) {
			// Canceled before its generation was linked, or while it runs: the generation (and its prediction) stops too.
			if ((first && linked.rowCount === 0) || (!first && !(await stillRunning(runId, node.id)))) {
				await generations.cancel({ id: userId }, id).catch(() => undefined)
				throw new NodeFailure('Canceled.')
			}
			const g = await generations.get({ id: userId }, id)
			if ('refused' in g) throw new NodeFailure(g.message)
			if (g.status === 'succeeded') {
				const type = outputPortsOf(node)[0]?.type
				if (type !== 'image' && type !== 'audio' && type !== 'video') throw new NodeFailure('No output.')
				return { output: { type, generationId: id }, generationId: id, costMicros: g.costMicros }
			}
			if (g.status === 'failed' || g.status === 'canceled')
				throw new NodeFailure(g.error ?? `The ${g.kind} ${g.status}.`)
			if (Date.now() > deadline) throw new NodeFailure('This step took too long.')
			await generations.waitForChange(id, 1000)
		}
	}

	/** The first stored output of a finished library item of the user's, of one of `kinds`, and its bytes. */
	async function readMedia(userId: string, generationId: string | undefined, kinds: readonly string[]) {
		if (!generationId) throw new NodeFailure('This step’s input has no output.')
		const g: Generation | Refusal = await generations.get({ id: userId }, generationId)
		if ('refused' in g) throw new NodeFailure(g.message)
		const output = g.outputs.find(o => kinds.includes(o.kind))
		if (g.status !== 'succeeded' || !output) throw new NodeFailure('This step’s input has no usable output.')
		if (!deps.storage) throw new NodeFailure('Stored files cannot be read here.')
		const file = await deps.storage.get(output.bucket, output.key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		return { generation: g, output, data: new Uint8Array(Buffer.concat(chunks)) }
	}

	/** Does one node's work from its inputs' outputs. */
	async function execute(
		userId: string,
		runId: string,
		node: WorkflowNode,
		definition: WorkflowDefinition,
		outputs: Map<string, NodeOutput>,
	): Promise<{ output: NodeOutput; generationId: string | null; costMicros: number }> {
		const inputs = definition.edges
			.filter(e => e.to.node === node.id)
			.map(e => ({ port: e.to.port, from: e.from.node, output: outputs.get(e.from.node) }))
		const text = (port: string): string | undefined => {
			const o = inputs.find(i => i.port === port)?.output
			return o?.type === 'text' ? o.text : undefined
		}
		const media = (port: string): string | undefined => {
			const o = inputs.find(i => i.port === port)?.output
			return o && 'generationId' in o ? o.generationId : undefined
		}
		const plain = (output: NodeOutput) => ({ output, generationId: null, costMicros: 0 })
		const key = nodeKey(runId, node.id)
		switch (node.kind) {
			case 'text':
				return plain({ type: 'text', text: node.value })
			case 'library': {
				const { rows } = await db.privileged(tx =>
					tx.query<{ id: string }>(
						`select id from public.generations
						 where id = $1 and user_id = $2 and kind = $3 and status = 'succeeded' and deleted_at is null`,
						[node.generationId, userId, node.media],
					),
				)
				if (!rows[0]) throw new NodeFailure('That library item does not exist, or it is not yours.')
				return {
					output: { type: node.media, generationId: node.generationId },
					generationId: node.generationId,
					costMicros: 0,
				}
			}
			case 'template':
				return plain({
					type: 'text',
					text: fillTemplate(
						node.template,
						Object.fromEntries(inputs.flatMap(i => (i.output?.type === 'text' ? [[i.port, i.output.text]] : []))),
					),
				})
			case 'collect':
				return plain({
					type: 'collection',
					items: inputs.flatMap(i => (i.output ? [{ nodeId: i.from, output: i.output }] : [])),
				})
			case 'chat': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const chat = providers.chat(node.model)
				const system = text('system') ?? node.system
				const prompt = text('prompt') ?? ''
				const stream = chat.stream({
					messages: [
						...(system ? [{ role: 'system' as const, content: system }] : []),
						{ role: 'user', content: prompt },
					],
					...(node.maxTokens ? { maxOutputTokens: node.maxTokens } : {}),
				})
				// The whole reply is kept; its parts are not shown while they arrive.
				let received = 0
				for await (const part of stream) received += part.length
				logger.debug('workflow chat node replied', { runId, nodeId: node.id, chars: received })
				const result = stream.result
				if (!result) throw new NodeFailure('The model gave no reply.')
				return storeText(userId, runId, node, {
					text: result.text,
					prompt,
					provider: chat.model.provider,
					model: chat.model.id,
					capability: 'chat',
					usage: result.usage,
					costMicros: result.costMicros,
				})
			}
			case 'vision': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const image = await readMedia(userId, media('image'), ['image'])
				const question = text('prompt') || node.question || 'Describe this image.'
				const call = providers.vision(node.model)
				const result = await call.run({
					image: { data: image.data, contentType: image.output.contentType },
					question,
				})
				return storeText(userId, runId, node, {
					text: result.text,
					prompt: question,
					provider: call.model.provider,
					model: call.model.id,
					capability: 'vision',
					usage: result.usage,
					costMicros: result.costMicros,
					parentId: image.generation.id,
				})
			}
			case 'transcribe': {
				const stored = await storedText(userId, key)
				if (stored) return stored
				const recording = await readMedia(userId, media('audio'), ['audio', 'video'])
				const call = providers.transcribe(node.model)
				const options = call.model.transcribe ?? PLAIN_TRANSCRIBE_OPTIONS
				let chunks: Awaited<ReturnType<typeof chunkAudio>>
				try {
					chunks = await chunkAudio(recording.data, options.chunkSeconds)
				} catch (error) {
					logger.warn('workflow transcribe: no sound read', { runId, nodeId: node.id, error })
					throw new NodeFailure('No sound could be read from that recording.')
				}
				const parts: string[] = []
				let costMicros = 0
				let seconds = 0
				for (const [i, chunk] of chunks.entries()) {
					const result = await call.run({
						audio: { data: chunk.data, contentType: 'audio/wav', filename: `chunk-${i + 1}.wav` },
						durationSeconds: chunk.duration,
					})
					costMicros += result.costMicros
					seconds += result.usage.units ?? chunk.duration
					if (result.text.trim()) parts.push(result.text.trim())
				}
				return storeText(userId, runId, node, {
					text: parts.join(' '),
					prompt: `Transcript of “${recording.generation.prompt.slice(0, 200)}”`,
					provider: call.model.provider,
					model: call.model.id,
					capability: 'transcribe',
					usage: { unit: 'seconds', units: seconds },
					costMicros,
					parentId: recording.generation.id,
				})
			}
			case 'mix': {
				if (!deps.audioProjects) throw new NodeFailure('Mixing is not available here.')
				const sources = inputs.flatMap(i =>
					i.port === 'tracks' && i.output && 'generationId' in i.output ? [i.output.generationId] : [],
				)
				const made = await deps.audioProjects.mixSounds(userId, { name: node.name, sources, idempotencyKey: key })
				if ('refused' in made) throw new NodeFailure(made.message)
				return awaitGeneration(userId, runId, node, made.generation.id)
			}
			case 'image':
			case 'imageEdit':
			case 'variation':
			case 'upscale':
			case 'video':
			case 'speech':
			case 'music': {
				const request = generationRequest(node, text, media)
				const created = await generations.create({ id: userId }, request, { idempotencyKey: key })
				if ('refused' in created) throw new NodeFailure(created.message)
				return awaitGeneration(userId, runId, node, created.generation.id)
			}
		}
	}

	function generationRequest(
		node: Extract<
			WorkflowNode,
			{ kind: 'image' | 'imageEdit' | 'variation' | 'upscale' | 'video' | 'speech' | 'music' }
		>,
		text: (port: string) => string | undefined,
		media: (port: string) => string | undefined,
	): GenerationRequest {
		const source = media('image')
		switch (node.kind) {
			case 'image':
				return { kind: 'image', prompt: text('prompt') ?? '', model: node.model, size: '1024x1024', n: node.n ?? 1 }
			case 'imageEdit':
				// An edit by instruction: the source redrawn after the prompt, its composition kept (image to image).
				return {
					kind: 'image',
					prompt: text('prompt') ?? '',
					model: node.model,
					size: '1024x1024',
					n: 1,
					strength: 0.75,
					...(source ? { sourceId: source } : {}),
				}
			case 'variation':
				return {
					kind: 'image',
					prompt: text('prompt') || 'A variation of this image',
					model: node.model,
					size: '1024x1024',
					n: node.n ?? 1,
					...(source ? { sourceId: source } : {}),
				}
			case 'upscale':
				return {
					kind: 'image',
					operation: 'upscale',
					prompt: 'Upscale',
					model: node.model,
					size: '1024x1024',
					n: 1,
					scale: node.scale ?? 2,
					...(source ? { sourceId: source } : {}),
				}
			case 'video':
				return {
					kind: 'video',
					prompt: text('prompt') ?? '',
					model: node.model,
					...(node.durationSeconds ? { durationSeconds: node.durationSeconds } : {}),
					...(source ? { sourceId: source } : {}),
				}
			case 'speech':
				return {
					kind: 'audio',
					mode: 'speech',
					prompt: text('text') ?? '',
					model: node.model,
					durationSeconds: 8,
					...(node.voice ? { voice: node.voice } : {}),
				}
			case 'music':
				return {
					kind: 'audio',
					mode: 'music',
					prompt: text('prompt') ?? '',
					model: node.model,
					durationSeconds: node.durationSeconds ?? 8,
				}
		}
	}

	async function startWorkers() {
		await jobs.work(
			'workflow.run',
			async job => {
				await runNode(job.data.runId, job.data.nodeId, job.retryCount > 0)
			},
			{ data: NodeJobSchema, batchSize: 4 },
		)
	}

	return { start, rerun, get, list, cancel, startWorkers }
}

export type Runs = ReturnType<typeof createRuns>
