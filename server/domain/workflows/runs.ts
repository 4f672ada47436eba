/**
 * Running a workflow: a `workflow_runs` row keeps the validated definition, one `workflow_node_runs` row per
 * node, and one `workflow.run` job per node, enqueued when every node it takes input from has succeeded — so
 * independent nodes run side by side. Starting is one transaction (run, node rows, the jobs of the nodes with no
 * inputs), after validation and the budget check. A node job claims its row (queued → running) before doing
 * anything, and media nodes go through the generation pipeline with an idempotency key made of the run and
 * the node, so a job delivered twice, or retried after a crash, does not make a second output. A failed node
 * cancels only what depends on it; cancel stops every node not yet finished.
 */
import * as v from 'valibot'
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError } from '#server/providers/types.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import type { Generations } from '../generations/index.ts'
import type { GenerationRequest } from '../generations/schema.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { recordUsage } from '../usage/index.ts'
import { fillTemplate, NODE_SPECS, type WorkflowDefinition, type WorkflowNode } from './schema.ts'
import type { Prepared } from './index.ts'

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
}

export type Run = {
	id: string
	workflowId: string
	status: RunStatus
	error: string | null
	definition: WorkflowDefinition
	nodes: NodeRun[]
	createdAt: Date
	completedAt: Date | null
}

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
}

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
})

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
	prepare(tx: Tx, userId: string, definition: unknown): Promise<Prepared | Refusal>
	/** How long a node waits for its generation before failing (default 10 minutes). */
	nodeTimeoutMs?: number
}) {
	const { db, jobs, providers, generations } = deps
	const nodeTimeoutMs = deps.nodeTimeoutMs ?? 10 * 60_000

	/** Starts a run of one of `actor`'s workflows: refused when it is invalid or could go over the budget. */
	async function start(actor: Actor, workflowId: string): Promise<{ runId: string } | Refusal> {
		if (!isUuid(workflowId)) return notFound('That workflow')
		const result = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ definition: unknown }>(
				'select definition from public.workflows where id = $1',
				[workflowId],
			)
			const row = rows[0]
			if (!row) return notFound('That workflow')
			const prepared = await deps.prepare(tx, actor.id, row.definition)
			if ('refused' in prepared) return prepared
			const run = await tx.query<{ id: string }>(
				`insert into public.workflow_runs (workflow_id, user_id, status, definition, started_at)
				 values ($1, $2, 'running', $3, now()) returning id`,
				[workflowId, actor.id, JSON.stringify(prepared.definition)],
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
		})
		if (!('refused' in result)) jobs.wake('workflow.run')
		return result
	}

	async function get(actor: Actor, runId: string): Promise<Run | Refusal> {
		if (!isUuid(runId)) return notFound('That run')
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{
				id: string
				workflow_id: string
				status: RunStatus
				error: string | null
				definition: WorkflowDefinition
				created_at: Date
				completed_at: Date | null
			}>(
				'select id, workflow_id, status, error, definition, created_at, completed_at from public.workflow_runs where id = $1',
				[runId],
			)
			const run = rows[0]
			if (!run) return notFound('That run')
			const nodes = await tx.query<NodeRow>(
				`select node_id, kind, status, output, generation_id, cost_micros, error, started_at, completed_at
				 from public.workflow_node_runs where run_id = $1`,
				[runId],
			)
			const byId = new Map(nodes.rows.map(r => [r.node_id, toNodeRun(r)]))
			return {
				id: run.id,
				workflowId: run.workflow_id,
				status: run.status,
				error: run.error,
				definition: run.definition,
				nodes: run.definition.nodes.flatMap(n => byId.get(n.id) ?? []),
				createdAt: run.created_at,
				completedAt: run.completed_at,
			}
		})
	}

	/** Cancels every node not yet finished; a node already running stops at its next step and its output is dropped. */
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

	async function runNode(runId: string, nodeId: string, retry: boolean): Promise<void> {
		const claimed = await db.privileged(async tx => {
			const { rows } = await tx.query<{ user_id: string; status: RunStatus; definition: WorkflowDefinition }>(
				'select user_id, status, definition from public.workflow_runs where id = $1 for update',
				[runId],
			)
			const run = rows[0]
			if (!run || run.status !== 'running') return null
			// A retry after a crash takes the node back from `running`; its generation (if any) is found by its key.
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
				outputs: new Map(inputs.rows.map(r => [r.node_id, r.output])),
			}
		})
		if (!claimed) return
		const node = claimed.definition.nodes.find(n => n.id === nodeId)
		if (!node) return
		let outcome: { output: NodeOutput; generationId: string | null; costMicros: number } | { error: string }
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
		await finish(runId, node, claimed.definition, outcome)
	}

	async function finish(
		runId: string,
		node: WorkflowNode,
		definition: WorkflowDefinition,
		outcome: { output: NodeOutput; generationId: string | null; costMicros: number } | { error: string },
	) {
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
				const stop: string[] = []
				const queue = [...(downstream.get(node.id) ?? [])]
				while (queue.length > 0) {
					const id = queue.shift() as string
					if (stop.includes(id)) continue
					stop.push(id)
					queue.push(...(downstream.get(id) ?? []))
				}
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
		switch (node.kind) {
			case 'text':
				return plain({ type: 'text', text: node.value })
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
				const chat = providers.chat(node.model)
				const system = text('system') ?? node.system
				const stream = chat.stream({
					messages: [
						...(system ? [{ role: 'system' as const, content: system }] : []),
						{ role: 'user', content: text('prompt') ?? '' },
					],
					...(node.maxTokens ? { maxOutputTokens: node.maxTokens } : {}),
				})
				// The whole reply is kept; its parts are not shown while they arrive.
				let received = 0
				for await (const part of stream) received += part.length
				logger.debug('workflow chat node replied', { runId, nodeId: node.id, chars: received })
				const result = stream.result
				if (!result) throw new NodeFailure('The model gave no reply.')
				await db.privileged(tx =>
					recordUsage(tx, {
						userId,
						provider: chat.model.provider,
						model: chat.model.id,
						capability: 'chat',
						usage: result.usage,
						costMicros: result.costMicros,
					}),
				)
				return { output: { type: 'text', text: result.text }, generationId: null, costMicros: result.costMicros }
			}
			case 'image':
			case 'variation':
			case 'upscale':
			case 'video':
			case 'speech':
			case 'music': {
				const request = generationRequest(node, text, media)
				const created = await generations.create({ id: userId }, request, {
					idempotencyKey: `workflow:${runId}:${node.id}`,
				})
				if ('refused' in created) throw new NodeFailure(created.message)
				const id = created.generation.id
				await db.privileged(tx =>
					tx.query('update public.workflow_node_runs set generation_id = $3 where run_id = $1 and node_id = $2', [
						runId,
						node.id,
						id,
					]),
				)
				const deadline = Date.now() + nodeTimeoutMs
				for (;;) {
					const g = await generations.get({ id: userId }, id)
					if ('refused' in g) throw new NodeFailure(g.message)
					if (g.status === 'succeeded') {
						const type = NODE_SPECS[node.kind].outputs[0]?.type
						if (type !== 'image' && type !== 'audio' && type !== 'video') throw new NodeFailure('No output.')
						return { output: { type, generationId: id }, generationId: id, costMicros: g.costMicros }
					}
					if (g.status === 'failed' || g.status === 'canceled')
						throw new NodeFailure(g.error ?? `The ${g.kind} ${g.status}.`)
					if (Date.now() > deadline) throw new NodeFailure('This step took too long.')
					await generations.waitForChange(id, 1000)
				}
			}
			default:
				throw new NodeFailure(`${NODE_SPECS[node.kind].label} steps cannot run yet.`)
		}
	}

	function generationRequest(
		node: Extract<WorkflowNode, { kind: 'image' | 'variation' | 'upscale' | 'video' | 'speech' | 'music' }>,
		text: (port: string) => string | undefined,
		media: (port: string) => string | undefined,
	): GenerationRequest {
		const source = media('image')
		switch (node.kind) {
			case 'image':
				return { kind: 'image', prompt: text('prompt') ?? '', model: node.model, size: '1024x1024', n: node.n ?? 1 }
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

	return { start, get, cancel, startWorkers }
}

export type Runs = ReturnType<typeof createRuns>
