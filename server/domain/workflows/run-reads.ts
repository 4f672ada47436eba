/** Reading runs as their owner (`db.asUser`, so row-level security applies): one with its nodes, and a history. */
import type { Db } from '#server/db/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import { notFound, type Refusal } from '../refusal.ts'
import {
	NODE_COLUMNS,
	RUN_COLUMNS,
	toNodeRun,
	toSummary,
	type NodeRow,
	type Run,
	type RunRow,
	type RunSummary,
} from './run-rows.ts'

export function createRunReads(deps: { db: Db }) {
	const { db } = deps

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

	return { get, list }
}
