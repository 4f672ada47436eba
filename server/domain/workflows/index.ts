/**
 * Workflows as the rest of the studio sees them. `prepare` is what comes before every run: the definition is
 * validated against the catalogue in use (every problem at once), priced per node, and the upper end of the
 * price checked against what is left of the person's monthly budget — so a run that could go over is refused
 * before any provider is called.
 */
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Storage } from '#server/storage/index.ts'
import type { Actor } from '../actor.ts'
import type { AudioProjects } from '../audio/projects.ts'
import type { Generations } from '../generations/index.ts'
import type { Refusal } from '../refusal.ts'
import { notFound, refuse } from '../refusal.ts'
import { checkBudget } from '../usage/index.ts'
import { estimateWorkflow, type WorkflowEstimate } from './estimate.ts'
import { createWorkflowLibrary } from './library.ts'
import { createRuns } from './runs.ts'
import { libraryReferences, type WorkflowDefinition } from './schema.ts'
import { findTemplate, WORKFLOW_TEMPLATES } from './templates.ts'
import { validateWorkflow, type ValidWorkflow, type WorkflowProblem } from './validate.ts'

export type { WorkflowTemplate } from './templates.ts'

const NOT_YOURS = 'That library item does not exist, or it is not yours.'

/**
 * Problems for library nodes whose item is not one of the user's own finished items of that media (an id in a
 * field of an imported or edited definition). The query names the user, so it holds in a privileged transaction.
 */
export async function foreignReferences(
	tx: Tx,
	userId: string,
	definition: Pick<WorkflowDefinition, 'nodes'>,
): Promise<WorkflowProblem[]> {
	const ids = libraryReferences(definition)
	if (ids.length === 0) return []
	const { rows } = await tx.query<{ id: string; kind: string }>(
		`select id, kind from public.generations
		 where id = any($1::uuid[]) and user_id = $2 and status = 'succeeded' and deleted_at is null`,
		[ids, userId],
	)
	const owned = new Map(rows.map(r => [r.id.toLowerCase(), r.kind]))
	return definition.nodes.flatMap(n =>
		n.kind === 'library' && owned.get(n.generationId.toLowerCase()) !== n.media
			? [{ code: 'not_yours' as const, nodeId: n.id, node: n.name, message: NOT_YOURS }]
			: [],
	)
}

export type Prepared = ValidWorkflow & { estimate: WorkflowEstimate }

/** A refusal for an invalid workflow: 422 with every problem, keyed by node id in `fields` for the editor. */
export function problemsRefusal(problems: readonly WorkflowProblem[]): Refusal {
	const fields: Record<string, string[]> = {}
	for (const p of problems) {
		const key = p.nodeId ?? 'workflow'
		;(fields[key] ??= []).push(p.message)
	}
	const first = problems[0]
	const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
	return refuse(
		422,
		'invalid_workflow',
		first ? `${first.node ? `${first.node}: ` : ''}${first.message}${more}` : 'This workflow is not valid.',
		{ fields },
	)
}

export function createWorkflows(deps: {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	generations: Pick<Generations, 'create' | 'get' | 'waitForChange' | 'cancel' | 'withUrls'>
	/** Reads library recordings and images for transcribe and vision nodes. */
	storage?: Pick<Storage, 'get'>
	/** Mix nodes render through the audio studio's mixdown. */
	audioProjects?: Pick<AudioProjects, 'mixSounds'>
}) {
	const { config, db, providers } = deps

	async function prepareIn(
		tx: Tx,
		userId: string,
		definition: unknown,
		reusable?: (valid: ValidWorkflow) => ReadonlySet<string>,
	): Promise<(Prepared & { reused: ReadonlySet<string> }) | Refusal> {
		const catalogue = providers.list()
		const valid = validateWorkflow(definition, catalogue)
		if (!valid.ok) return problemsRefusal(valid.problems)
		const foreign = await foreignReferences(tx, userId, valid.definition)
		if (foreign.length > 0) return problemsRefusal(foreign)
		const reused = reusable?.(valid) ?? new Set<string>()
		const estimate = estimateWorkflow(valid, catalogue)
		// Reused outputs cost nothing again: only the nodes that will run are checked against the budget.
		const toRun = estimate.nodes.filter(n => !reused.has(n.nodeId)).reduce((sum, n) => sum + n.maxMicros, 0)
		const over = await checkBudget(tx, userId, toRun, config.monthlyBudgetUsd)
		if (over) return over
		return { ...valid, estimate, reused }
	}

	/** Validates and prices a definition for `userId`; refuses an invalid one (422) or one that could overspend (402). */
	function prepare(userId: string, definition: unknown): Promise<Prepared | Refusal> {
		return db.asUser(userId, tx => prepareIn(tx, userId, definition))
	}

	/** Saves a new workflow for `actor`; an invalid definition is refused with every problem. */
	async function create(actor: Actor, name: string, definition: unknown): Promise<{ id: string } | Refusal> {
		const valid = validateWorkflow(definition, providers.list())
		if (!valid.ok) return problemsRefusal(valid.problems)
		const trimmed = name.trim().slice(0, 200)
		if (!trimmed)
			return refuse(400, 'invalid_name', 'Give the workflow a name.', {
				fields: { name: ['Give the workflow a name.'] },
			})
		return db.asUser(actor.id, async (tx): Promise<{ id: string } | Refusal> => {
			const foreign = await foreignReferences(tx, actor.id, valid.definition)
			if (foreign.length > 0) return problemsRefusal(foreign)
			const { rows } = await tx.query<{ id: string }>(
				'insert into public.workflows (user_id, name, definition) values ($1, $2, $3) returning id',
				[actor.id, trimmed, JSON.stringify(valid.definition)],
			)
			return { id: rows[0]?.id as string }
		})
	}

	/** Every problem of a definition (schema, graph, models), without saving or pricing it. */
	function check(definition: unknown): WorkflowProblem[] {
		const valid = validateWorkflow(definition, providers.list())
		return valid.ok ? [] : valid.problems
	}

	const runs = createRuns({
		db,
		jobs: deps.jobs,
		providers,
		generations: deps.generations,
		prepare: prepareIn,
		...(deps.storage ? { storage: deps.storage } : {}),
		...(deps.audioProjects ? { audioProjects: deps.audioProjects } : {}),
	})

	// Drafts: list, open, edit, duplicate, delete, import and export (library.ts). Every save refuses a library
	// node pointing at an item that is not the user's.
	const library = createWorkflowLibrary({
		db,
		catalogue: () => providers.list(),
		checkReferences: foreignReferences,
		generations: deps.generations,
		getRun: runs.get,
	})

	/** A new workflow from a built-in template, named after it. */
	async function createFromTemplate(actor: Actor, templateId: string): Promise<{ id: string } | Refusal> {
		const template = findTemplate(templateId)
		if (!template) return notFound('That template')
		return library.createDraft(actor, template.name, structuredClone(template.definition))
	}

	return { prepare, check, create, createFromTemplate, templates: WORKFLOW_TEMPLATES, runs, library }
}

export type Workflows = ReturnType<typeof createWorkflows>
