/**
 * What a person does to runs: start one, run again from a node, cancel. Starting is one transaction (run, node
 * rows, the jobs of the nodes with no inputs), after validation and the budget check; each run is one trace, its
 * root span made here and linked to the request that started it.
 */
import { context, propagation, trace, type Span } from '@opentelemetry/api'
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import type { Generations } from '../generations/index.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { canonical, downstreamOf, graph } from './graph.ts'
import type { Prepared } from './index.ts'
import { jobKey, type Run } from './run-rows.ts'
import type { WorkflowDefinition, WorkflowNode } from './schema.ts'
import type { ValidWorkflow } from './validate.ts'

const tracer = trace.getTracer('generation-studio.workflows')

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

/**
 * Validation, the foreign-item check and the budget check (`createWorkflows` passes its own). With `reusable`, the
 * nodes it names (outputs reused from an earlier run) are left out of the price.
 */
export type PrepareRun = (
	tx: Tx,
	userId: string,
	definition: unknown,
	reusable?: (valid: ValidWorkflow) => ReadonlySet<string>,
) => Promise<(Prepared & { reused: ReadonlySet<string> }) | Refusal>

export function createRunCommands(deps: {
	db: Db
	jobs: Jobs
	generations: Pick<Generations, 'cancel'>
	prepare: PrepareRun
	/** Reads a run as its owner. */
	get(actor: Actor, runId: string): Promise<Run | Refusal>
}) {
	const { db, jobs, generations, get } = deps

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

	return { start, rerun, cancel }
}
