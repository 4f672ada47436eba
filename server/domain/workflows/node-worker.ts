/**
 * The `workflow.run` job: one per node, enqueued when every node it takes input from has succeeded, so independent
 * nodes run side by side. A job claims its node row (queued → running) before doing anything; a failed node cancels
 * only what depends on it, and the last node to finish finishes the run. Each node is a span, child of the run's.
 */
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { isProviderError } from '#server/providers/types.ts'
import { continueTrace } from '#server/trace-context.ts'
import { downstreamOf, graph } from './graph.ts'
import { NodeFailure, type NodeResult } from './node-work.ts'
import { jobKey, NodeJobSchema, type NodeOutput, type RunStatus } from './run-rows.ts'
import type { WorkflowDefinition, WorkflowNode } from './schema.ts'

export function createNodeWorker(deps: {
	db: Db
	jobs: Jobs
	/** Does one node's work (./node-work.ts); throws `NodeFailure` with a message a person can act on. */
	execute(
		userId: string,
		runId: string,
		node: WorkflowNode,
		definition: WorkflowDefinition,
		outputs: Map<string, NodeOutput>,
	): Promise<NodeResult>
}) {
	const { db, jobs, execute } = deps

	type Outcome = NodeResult | { error: string }

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

	async function startWorkers() {
		await jobs.work(
			'workflow.run',
			async job => {
				await runNode(job.data.runId, job.data.nodeId, job.retryCount > 0)
			},
			{ data: NodeJobSchema, batchSize: 4 },
		)
	}

	return { startWorkers }
}
