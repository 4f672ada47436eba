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
import type { Actor } from '../actor.ts'
import type { Generations } from '../generations/index.ts'
import type { Refusal } from '../refusal.ts'
import { refuse } from '../refusal.ts'
import { checkBudget } from '../usage/index.ts'
import { estimateWorkflow, type WorkflowEstimate } from './estimate.ts'
import { createWorkflowLibrary } from './library.ts'
import { createRuns } from './runs.ts'
import { validateWorkflow, type ValidWorkflow, type WorkflowProblem } from './validate.ts'

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
	generations: Pick<Generations, 'create' | 'get' | 'waitForChange' | 'cancel'>
}) {
	const { config, db, providers } = deps

	async function prepareIn(tx: Tx, userId: string, definition: unknown): Promise<Prepared | Refusal> {
		const catalogue = providers.list()
		const valid = validateWorkflow(definition, catalogue)
		if (!valid.ok) return problemsRefusal(valid.problems)
		const estimate = estimateWorkflow(valid, catalogue)
		const over = await checkBudget(tx, userId, estimate.maxMicros, config.monthlyBudgetUsd)
		if (over) return over
		return { ...valid, estimate }
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
		const { rows } = await db.asUser(actor.id, tx =>
			tx.query<{ id: string }>(
				'insert into public.workflows (user_id, name, definition) values ($1, $2, $3) returning id',
				[actor.id, trimmed, JSON.stringify(valid.definition)],
			),
		)
		return { id: rows[0]?.id as string }
	}

	const runs = createRuns({ db, jobs: deps.jobs, providers, generations: deps.generations, prepare: prepareIn })

	// Drafts: list, open, edit, duplicate, delete, import and export (library.ts).
	const library = createWorkflowLibrary({ db, catalogue: () => providers.list() })

	return { prepare, create, runs, library }
}

export type Workflows = ReturnType<typeof createWorkflows>
