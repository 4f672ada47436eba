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
 *
 * Where each part lives: ./run-commands.ts (start, run again from here, cancel), ./run-reads.ts (a run and a
 * history, as their owner), ./node-worker.ts (the `workflow.run` job: claim, finish, what runs next),
 * ./node-work.ts (what each kind of node does), ./node-requests.ts (a media node's generation request),
 * ./run-rows.ts (row shapes and the job payload), ./graph.ts.
 */
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Storage } from '#server/storage/index.ts'
import type { AudioProjects } from '../audio/projects.ts'
import type { Generations } from '../generations/index.ts'
import { createNodeWork } from './node-work.ts'
import { createNodeWorker } from './node-worker.ts'
import { createRunCommands, type PrepareRun } from './run-commands.ts'
import { createRunReads } from './run-reads.ts'

export type { NodeOutput, NodeRun, Run, RunStatus, RunSummary } from './run-rows.ts'
export { NodeJobSchema } from './run-rows.ts'

export function createRuns(deps: {
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	generations: Pick<Generations, 'create' | 'get' | 'waitForChange' | 'cancel'>
	prepare: PrepareRun
	/** Reads the bytes of library items (transcribe, vision). */
	storage?: Pick<Storage, 'get'>
	/** Renders mix nodes. */
	audioProjects?: Pick<AudioProjects, 'mixSounds'>
	/** How long a node waits for its generation before failing (default 10 minutes). */
	nodeTimeoutMs?: number
}) {
	const { db, jobs, providers, generations } = deps
	const { get, list } = createRunReads({ db })
	const { start, rerun, cancel } = createRunCommands({ db, jobs, generations, prepare: deps.prepare, get })
	const { execute } = createNodeWork({
		db,
		providers,
		generations,
		storage: deps.storage,
		audioProjects: deps.audioProjects,
		nodeTimeoutMs: deps.nodeTimeoutMs ?? 10 * 60_000,
	})
	const { startWorkers } = createNodeWorker({ db, jobs, execute })

	return { start, rerun, get, list, cancel, startWorkers }
}

export type Runs = ReturnType<typeof createRuns>
