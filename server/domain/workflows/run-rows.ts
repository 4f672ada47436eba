/**
 * A run as it is stored and read: the `workflow_runs` row with its nodes' `workflow_node_runs` rows, the column
 * lists and mappers, and the `workflow.run` job's payload.
 */
import * as v from 'valibot'
import type { WorkflowDefinition } from './schema.ts'

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

export const jobKey = (runId: string, nodeId: string) => `${runId}:${nodeId}`

export type NodeRow = {
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

export const NODE_COLUMNS =
	'node_id, kind, status, output, generation_id, cost_micros, error, started_at, completed_at, reused'

export const toNodeRun = (r: NodeRow): NodeRun => ({
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

export type RunRow = {
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

export const RUN_COLUMNS = `r.id, r.workflow_id, r.status, r.error, r.definition, r.rerun_of, r.rerun_from, r.created_at, r.completed_at,
	(select coalesce(sum(cost_micros), 0) from public.workflow_node_runs n where n.run_id = r.id) as cost_micros`

export const toSummary = (run: RunRow): RunSummary => ({
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
