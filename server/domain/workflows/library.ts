/**
 * A person's workflows: list, open, create, edit step by step or as a whole, duplicate, delete, import and export
 * as JSON, and the runs of one. A saved workflow is a draft: every node is well formed (its fields pass the
 * schema, ids are distinct) but the graph may not be runnable yet — an input still unconnected, a model not
 * available here — and validation lists what is left. Only a run requires the whole definition to be valid.
 */
import type { Db, Tx } from '#server/db/index.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import { isUuid } from '#server/uuid.ts'
import type { Actor } from '../actor.ts'
import type { Generations } from '../generations/index.ts'
import type { ViewableOutput } from '../generations/rows.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { addNode, asDraft, moveNode, removeNode, updateNode, type NodeForm } from './edit.ts'
import { NODE_SPECS, type NodeKind, type WorkflowDefinition } from './schema.ts'
import type { Run, RunStatus } from './runs.ts'
import { estimateWorkflow, type WorkflowEstimate } from './estimate.ts'
import { validateWorkflow, type ProblemCode, type WorkflowProblem } from './validate.ts'

export type WorkflowSummary = {
	id: string
	name: string
	nodes: number
	/** The kinds of output its nodes make (text, image, audio, video). */
	outputs: string[]
	updatedAt: Date
	lastRun: { id: string; status: RunStatus; costMicros: number } | null
}
export type StoredWorkflow = { id: string; name: string; definition: WorkflowDefinition; updatedAt: Date }
export type RunSummary = {
	id: string
	status: RunStatus
	createdAt: Date
	completedAt: Date | null
	costMicros: number
}

/** The file an export makes and an import reads. */
export const EXPORT_FORMAT = 'generation-studio.workflow'

export type Edit =
	| { op: 'add'; kind: NodeKind }
	| { op: 'update'; nodeId: string; form: NodeForm }
	| { op: 'remove'; nodeId: string }
	| { op: 'move'; nodeId: string; direction: 'up' | 'down' }
	| { op: 'rename'; name: string }
	/** `base`: when the editor read the workflow (`updatedAt`); a save over a newer version is refused. */
	| { op: 'replace'; definition: unknown; base?: string | undefined }

/** Problems a draft may not be saved with: a node or edge that is not well formed. The rest is work in progress. */
const MALFORMED: ReadonlySet<ProblemCode> = new Set(['invalid', 'unknown_field', 'duplicate_id'])

function fieldsOf(problems: readonly WorkflowProblem[]): Record<string, string[]> {
	const fields: Record<string, string[]> = {}
	for (const p of problems) (fields[p.nodeId ?? 'workflow'] ??= []).push(p.message)
	return fields
}

const malformed = (problems: readonly WorkflowProblem[]) =>
	refuse(
		422,
		'invalid_workflow',
		problems[0]
			? `${problems[0].node ? `${problems[0].node}: ` : ''}${problems[0].message}`
			: 'This workflow is not valid.',
		{ fields: fieldsOf(problems) },
	)

function cleanName(name: string): string | Refusal {
	const trimmed = name.trim().slice(0, 200)
	if (!trimmed)
		return refuse(400, 'invalid_name', 'Give the workflow a name.', { fields: { name: ['Give the workflow a name.'] } })
	return trimmed
}

export function createWorkflowLibrary(deps: {
	db: Db
	catalogue(): readonly (ModelInfo & { available?: boolean })[]
	/** Problems for library nodes whose item is not the user's own (checked before every save). */
	checkReferences?: (tx: Tx, userId: string, definition: WorkflowDefinition) => Promise<WorkflowProblem[]>
	generations: Pick<Generations, 'get' | 'withUrls'>
	getRun(actor: Actor, runId: string): Promise<Run | Refusal>
}) {
	const { db } = deps

	/** A refusal when the definition points at a library item that is not the user's, else null. */
	async function foreign(tx: Tx, actor: Actor, definition: WorkflowDefinition): Promise<Refusal | null> {
		const problems = (await deps.checkReferences?.(tx, actor.id, definition)) ?? []
		return problems.length > 0 ? malformed(problems) : null
	}

	/** The definition as a draft worth keeping, or the problems that make it malformed. */
	function draft(input: unknown): WorkflowDefinition | Refusal {
		const checked = validateWorkflow(input, deps.catalogue())
		if (checked.ok) return checked.definition
		const bad = checked.problems.filter(p => MALFORMED.has(p.code))
		if (bad.length > 0) return malformed(bad)
		return asDraft(input)
	}

	async function list(actor: Actor): Promise<WorkflowSummary[]> {
		const { rows } = await db.asUser(actor.id, tx =>
			tx.query<{
				id: string
				name: string
				nodes: unknown
				updated_at: Date
				run_id: string | null
				run_status: RunStatus | null
				run_cost: string | number | null
			}>(
				`select w.id, w.name, w.definition->'nodes' as nodes, w.updated_at,
				        r.id as run_id, r.status as run_status,
				        (select coalesce(sum(n.cost_micros), 0) from public.workflow_node_runs n where n.run_id = r.id) as run_cost
				 from public.workflows w
				 left join lateral (
				   select id, status from public.workflow_runs where workflow_id = w.id order by created_at desc, id limit 1
				 ) r on true
				 order by w.updated_at desc, w.id limit 500`,
			),
		)
		return rows.map(r => {
			const nodes = Array.isArray(r.nodes) ? (r.nodes as Array<{ kind?: unknown }>) : []
			const outputs = new Set<string>()
			for (const n of nodes) {
				const spec =
					typeof n.kind === 'string' && Object.hasOwn(NODE_SPECS, n.kind) ? NODE_SPECS[n.kind as NodeKind] : undefined
				for (const o of spec?.outputs ?? []) outputs.add(o.type)
			}
			return {
				id: r.id,
				name: r.name,
				nodes: nodes.length,
				outputs: [...outputs],
				updatedAt: r.updated_at,
				lastRun:
					r.run_id && r.run_status ? { id: r.run_id, status: r.run_status, costMicros: Number(r.run_cost ?? 0) } : null,
			}
		})
	}

	async function load(tx: Tx, id: string, lock = false): Promise<StoredWorkflow | null> {
		const { rows } = await tx.query<{ id: string; name: string; definition: unknown; updated_at: Date }>(
			`select id, name, definition, updated_at from public.workflows where id = $1${lock ? ' for update' : ''}`,
			[id],
		)
		const row = rows[0]
		return row ? { id: row.id, name: row.name, definition: asDraft(row.definition), updatedAt: row.updated_at } : null
	}

	async function get(actor: Actor, id: string): Promise<StoredWorkflow | Refusal> {
		if (!isUuid(id)) return notFound('That workflow')
		return (await db.asUser(actor.id, tx => load(tx, id))) ?? notFound('That workflow')
	}

	/**
	 * A workflow as the editor shows it: the draft, what stands between it and a run (problems keyed by node id,
	 * `workflow` for the whole), the price per node and in total once it is valid, and its latest runs.
	 */
	async function open(actor: Actor, id: string) {
		const found = await get(actor, id)
		if ('refused' in found) return found
		const catalogue = deps.catalogue()
		const checked = validateWorkflow(found.definition, catalogue)
		const problems = checked.ok ? {} : fieldsOf(checked.problems)
		const estimate: WorkflowEstimate | null = checked.ok ? estimateWorkflow(checked, catalogue) : null
		const runs = await listRuns(actor, id)
		return { workflow: found, problems, estimate, runs }
	}

	async function insert(tx: Tx, actor: Actor, name: string, definition: WorkflowDefinition): Promise<string> {
		const { rows } = await tx.query<{ id: string }>(
			'insert into public.workflows (user_id, name, definition) values ($1, $2, $3) returning id',
			[actor.id, name, JSON.stringify(definition)],
		)
		return rows[0]?.id as string
	}

	/** A new workflow, empty or from a definition (a template's, an import's). */
	async function createDraft(actor: Actor, name: string, definition: unknown = asDraft(null)) {
		const clean = cleanName(name)
		if (typeof clean !== 'string') return clean
		const checked = draft(definition)
		if ('refused' in checked) return checked
		return db.asUser(actor.id, async (tx): Promise<{ id: string } | Refusal> => {
			const refused = await foreign(tx, actor, checked)
			if (refused) return refused
			return { id: await insert(tx, actor, clean, checked) }
		})
	}

	/** One editing step (or the canvas's whole definition), applied under a lock so two tabs do not lose a step. */
	async function edit(
		actor: Actor,
		id: string,
		step: Edit,
	): Promise<{ definition: WorkflowDefinition; nodeId?: string; updatedAt: Date } | Refusal> {
		if (!isUuid(id)) return notFound('That workflow')
		return db.asUser(actor.id, async tx => {
			const found = await load(tx, id, true)
			if (!found) return notFound('That workflow')
			let definition: WorkflowDefinition = found.definition
			let name = found.name
			let nodeId: string | undefined
			switch (step.op) {
				case 'add': {
					const added = addNode(definition, step.kind, deps.catalogue())
					definition = added.definition
					nodeId = added.node.id
					break
				}
				case 'update': {
					const updated = updateNode(definition, step.nodeId, step.form)
					if (!updated.ok)
						return refuse(422, 'invalid_node', updated.messages[0] ?? 'That node is not valid.', {
							fields: { [step.nodeId]: updated.messages },
						})
					definition = updated.definition
					nodeId = step.nodeId
					break
				}
				case 'remove':
					definition = removeNode(definition, step.nodeId)
					break
				case 'move':
					definition = moveNode(definition, step.nodeId, step.direction)
					nodeId = step.nodeId
					break
				case 'rename': {
					const clean = cleanName(step.name)
					if (typeof clean !== 'string') return clean
					name = clean
					break
				}
				case 'replace': {
					// Two tabs on one workflow: the graph saves its whole definition, so a save made from an older
					// copy would undo the other tab's change. Refused; the editor reads the saved one again.
					if (step.base !== undefined && Date.parse(step.base) !== found.updatedAt.getTime())
						return refuse(
							409,
							'edit_conflict',
							'This workflow was changed in another tab or window. The graph now shows that version: make your change again.',
						)
					const checked = draft(step.definition)
					if ('refused' in checked) return checked
					definition = checked
					break
				}
			}
			const refused = await foreign(tx, actor, definition)
			if (refused) return refused
			const { rows } = await tx.query<{ updated_at: Date }>(
				'update public.workflows set name = $2, definition = $3, updated_at = clock_timestamp() where id = $1 returning updated_at',
				[id, name, JSON.stringify(definition)],
			)
			return { definition, ...(nodeId ? { nodeId } : {}), updatedAt: rows[0]?.updated_at ?? new Date() }
		})
	}

	async function remove(actor: Actor, id: string): Promise<{ deleted: true } | Refusal> {
		if (!isUuid(id)) return notFound('That workflow')
		const { rowCount } = await db.asUser(actor.id, tx => tx.query('delete from public.workflows where id = $1', [id]))
		return rowCount ? { deleted: true } : notFound('That workflow')
	}

	async function duplicate(actor: Actor, id: string): Promise<{ id: string } | Refusal> {
		if (!isUuid(id)) return notFound('That workflow')
		const made = await db.asUser(actor.id, async tx => {
			const found = await load(tx, id)
			if (!found) return null
			return insert(tx, actor, `${found.name.slice(0, 190)} (copy)`, found.definition)
		})
		return made ? { id: made } : notFound('That workflow')
	}

	/** The JSON an export downloads: the format, the name and the definition. */
	async function exportFile(actor: Actor, id: string) {
		const found = await get(actor, id)
		if ('refused' in found) return found
		return { format: EXPORT_FORMAT, version: 1, name: found.name, definition: found.definition }
	}

	/** Reads an exported file (or a bare definition) into a new workflow. */
	async function importFile(actor: Actor, input: unknown, fallbackName = 'Imported workflow') {
		if (typeof input !== 'object' || input === null || Array.isArray(input))
			return refuse(400, 'invalid_import', 'That is not a workflow: export one from here, or paste its JSON.')
		const file = input as { format?: unknown; name?: unknown; definition?: unknown }
		if (file.format !== undefined && file.format !== EXPORT_FORMAT)
			return refuse(400, 'invalid_import', 'That file is not a workflow exported from here.')
		const definition = file.format === EXPORT_FORMAT ? file.definition : input
		const name = typeof file.name === 'string' && file.name.trim() ? file.name : fallbackName
		return createDraft(actor, name, definition)
	}

	async function listRuns(actor: Actor, workflowId: string, limit = 20): Promise<RunSummary[]> {
		if (!isUuid(workflowId)) return []
		const { rows } = await db.asUser(actor.id, tx =>
			tx.query<{ id: string; status: RunStatus; created_at: Date; completed_at: Date | null; cost: string | null }>(
				`select r.id, r.status, r.created_at, r.completed_at,
				        (select coalesce(sum(n.cost_micros), 0) from public.workflow_node_runs n where n.run_id = r.id) as cost
				 from public.workflow_runs r where r.workflow_id = $1 order by r.created_at desc, r.id limit $2`,
				[workflowId, limit],
			),
		)
		return rows.map(r => ({
			id: r.id,
			status: r.status,
			createdAt: r.created_at,
			completedAt: r.completed_at,
			costMicros: Number(r.cost ?? 0),
		}))
	}

	/**
	 * A run as its page shows it: the run of this workflow (404 for another's or another workflow's), its name, and
	 * each media output with URLs to preview it.
	 */
	async function runView(
		actor: Actor,
		workflowId: string,
		runId: string,
	): Promise<
		| {
				run: Run
				workflowName: string
				media: Record<string, { id: string; prompt: string; outputs: ViewableOutput[] }>
		  }
		| Refusal
	> {
		const run = await deps.getRun(actor, runId)
		if ('refused' in run) return run
		if (run.workflowId !== workflowId) return notFound('That run')
		const found = await get(actor, workflowId)
		if ('refused' in found) return found
		const media: Record<string, { id: string; prompt: string; outputs: ViewableOutput[] }> = {}
		for (const n of run.nodes) {
			if (!n.generationId) continue
			const g = await deps.generations.get(actor, n.generationId)
			if ('refused' in g) continue
			media[g.id] = { id: g.id, prompt: g.prompt, outputs: await deps.generations.withUrls(g) }
		}
		return { run, workflowName: found.name, media }
	}

	return { runView, list, get, open, createDraft, edit, remove, duplicate, exportFile, importFile, listRuns }
}

export type WorkflowLibrary = ReturnType<typeof createWorkflowLibrary>
