/**
 * Workflow budgets:
 *   1. validation of a 200-node workflow (every node kind but mix, ~300 edges, against the shipped catalogue):
 *      p50 under 5 ms.
 *   2. scheduling overhead per node (ready → running: from a node finishing to its dependant being claimed by a
 *      worker, through the job engine) on a chain of quick nodes: p50 under 50 ms on PGlite, and on Postgres when
 *      DATABASE_URL is set.
 * The figure for the cost estimate of the same workflow is printed beside it. There is no figure from before
 * workflows existed: "before" prints as "-".
 * Run alone: `npx tsx tests/bench/workflows.bench.ts` or `npm run bench -- workflows`.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { estimateWorkflow } from '#server/domain/workflows/estimate.ts'
import { validateWorkflow } from '#server/domain/workflows/validate.ts'
import { DEFAULT_CATALOGUE } from '#server/providers/catalogue.ts'
import { createUser, type TestDriver } from '#tests/support/database.ts'
import { startTestServices } from '#tests/support/services.ts'
import { printBudgets, printFigures, stats } from './support.ts'
import type { Budget, Figures } from './support.ts'

export const WORKFLOW_BUDGETS: Budget[] = [
	{ key: 'validate_200_p50_ms', label: 'validate a 200-node workflow: p50', unit: 'ms', max: 5 },
	{ key: 'schedule_pglite_p50_ms', label: 'scheduling per node, ready → running (PGlite): p50', unit: 'ms', max: 50 },
	{
		key: 'schedule_postgres_p50_ms',
		label: 'scheduling per node, ready → running (Postgres): p50',
		unit: 'ms',
		max: 50,
	},
]

const CHAIN = Number(process.env.BENCH_WORKFLOW_CHAIN ?? 40)
const CHAIN_RUNS = Number(process.env.BENCH_WORKFLOW_CHAIN_RUNS ?? 2)

/** A text node then a chain of templates, each taking the one before: every node waits for the previous one. */
function chain(length: number) {
	const nodes: Record<string, unknown>[] = [{ id: 'n0', name: 'Start', kind: 'text', value: 'a' }]
	const edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] = []
	for (let i = 1; i < length; i++) {
		nodes.push({ id: `n${i}`, name: `Step ${i}`, kind: 'template', template: '{{prev}}.' })
		edges.push({ from: { node: `n${i - 1}`, port: 'text' }, to: { node: `n${i}`, port: 'prev' } })
	}
	return { version: 1, nodes, edges }
}

/**
 * Runs the chain `CHAIN_RUNS` times with the real job engine and workers; each sample is a node's `started_at`
 * (claimed by a worker) minus its predecessor's `completed_at` (its completion, which enqueues the next node).
 */
async function schedulingOverhead(driver: TestDriver): Promise<number[]> {
	const t = await startTestServices(driver, { LOG_LEVEL: 'error' })
	const { services } = t
	try {
		const user = await createUser(services.db)
		const created = await services.workflows.create(user, 'Chain', chain(CHAIN))
		if ('refused' in created) throw new Error(created.message)
		const samples: number[] = []
		for (let r = 0; r < CHAIN_RUNS; r++) {
			const started = await services.workflows.runs.start(user, created.id)
			if ('refused' in started) throw new Error(started.message)
			const deadline = Date.now() + 120_000
			for (;;) {
				const run = await services.workflows.runs.get(user, started.runId)
				if ('refused' in run) throw new Error(run.message)
				if (run.status === 'succeeded') {
					const byId = new Map(run.nodes.map(n => [n.nodeId, n]))
					for (let i = 1; i < CHAIN; i++) {
						const prev = byId.get(`n${i - 1}`)?.completedAt
						const next = byId.get(`n${i}`)?.startedAt
						if (prev && next) samples.push(next.getTime() - prev.getTime())
					}
					break
				}
				if (run.status !== 'running' || Date.now() > deadline) throw new Error(`the chain run ended ${run.status}`)
				await new Promise(resolve => setTimeout(resolve, 50))
			}
		}
		return samples
	} finally {
		await t.dispose()
	}
}

const ITERATIONS = Number(process.env.BENCH_WORKFLOW_ITERATIONS ?? 500)

/** Twenty chains of ten nodes, each chain using a different model mix, all collected at the end of their chain. */
export function bigWorkflow(chains = 20) {
	const nodes: Record<string, unknown>[] = []
	const edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] = []
	const link = (from: string, fromPort: string, to: string, toPort: string) =>
		edges.push({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } })
	for (let c = 0; c < chains; c++) {
		const id = (name: string) => `${name}-${c}`
		// Odd chains call the vendors' models, even ones the offline models.
		const model = (vendor: string, offline: string) => (c % 2 ? vendor : offline)
		nodes.push(
			{ id: id('topic'), name: `Topic ${c}`, kind: 'text', value: `Subject number ${c}, described at some length.` },
			{ id: id('ask'), name: `Ask ${c}`, kind: 'template', template: 'Write about {{topic}} for {{audience}}.' },
			{
				id: id('post'),
				name: `Post ${c}`,
				kind: 'chat',
				model: model('openai:gpt-4o-mini', 'offline:chat'),
				maxTokens: 800,
			},
			{ id: id('say'), name: `Say ${c}`, kind: 'speech', model: model('openai:tts-1', 'offline:speech') },
			{ id: id('hear'), name: `Hear ${c}`, kind: 'transcribe', model: model('openai:whisper-1', 'offline:transcribe') },
			{ id: id('pic'), name: `Picture ${c}`, kind: 'image', model: model('openai:gpt-image-1', 'offline:image'), n: 2 },
			{ id: id('vary'), name: `Variation ${c}`, kind: 'variation', model: 'offline:image' },
			{
				id: id('big'),
				name: `Upscale ${c}`,
				kind: 'upscale',
				model: model('replicate:nightmareai/real-esrgan', 'offline:image'),
			},
			{ id: id('clip'), name: `Clip ${c}`, kind: 'video', model: model('replicate:minimax/video-01', 'offline:video') },
			{ id: id('out'), name: `Result ${c}`, kind: 'collect' },
		)
		link(id('topic'), 'text', id('ask'), 'topic')
		link(id('topic'), 'text', id('ask'), 'audience')
		link(id('ask'), 'text', id('post'), 'prompt')
		link(id('post'), 'text', id('say'), 'text')
		link(id('say'), 'audio', id('hear'), 'audio')
		link(id('hear'), 'text', id('pic'), 'prompt')
		link(id('pic'), 'image', id('vary'), 'image')
		link(id('post'), 'text', id('vary'), 'prompt')
		link(id('vary'), 'image', id('big'), 'image')
		link(id('big'), 'image', id('clip'), 'image')
		link(id('ask'), 'text', id('clip'), 'prompt')
		for (const from of ['post', 'say', 'hear', 'pic', 'clip'])
			link(
				id(from),
				from === 'say' ? 'audio' : from === 'pic' ? 'image' : from === 'clip' ? 'video' : 'text',
				id('out'),
				'items',
			)
	}
	return { version: 1, nodes, edges }
}

export async function runWorkflowsBench() {
	const definition = bigWorkflow()
	const figures: Figures = {}
	const validate: number[] = []
	const estimate: number[] = []
	for (let i = 0; i < ITERATIONS; i++) {
		// A fresh copy each time, as a request body parsed from JSON would be.
		const input: unknown = JSON.parse(JSON.stringify(definition))
		const started = performance.now()
		const valid = validateWorkflow(input, DEFAULT_CATALOGUE)
		const validated = performance.now()
		if (!valid.ok) throw new Error(`the bench workflow is invalid: ${valid.problems[0]?.message}`)
		estimateWorkflow(valid, DEFAULT_CATALOGUE)
		estimate.push(performance.now() - validated)
		validate.push(validated - started)
	}
	figures.validate_200_p50_ms = stats(validate).p50
	figures.estimate_200_p50_ms = stats(estimate).p50
	process.stdout.write(
		`  ${definition.nodes.length} nodes, ${definition.edges.length} edges, ${ITERATIONS} iterations; validate p95 ${stats(validate).p95.toFixed(2)} ms\n`,
	)
	const drivers: TestDriver[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
	for (const driver of drivers) {
		const samples = await schedulingOverhead(driver)
		const s = stats(samples)
		figures[`schedule_${driver}_p50_ms`] = s.p50
		process.stdout.write(
			`  scheduling on ${driver}: ${samples.length} nodes, p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms\n`,
		)
	}
	if (!process.env.DATABASE_URL) process.stdout.write('  postgres: not measured (DATABASE_URL is not set)\n')
	const budgets = WORKFLOW_BUDGETS.filter(b => b.key !== 'schedule_postgres_p50_ms' || process.env.DATABASE_URL)
	const pass = printBudgets('Workflows', budgets, figures, null)
	printFigures([{ key: 'estimate_200_p50_ms', label: 'estimate a 200-node workflow: p50', unit: 'ms' }], figures, null)
	return { pass, figures }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runWorkflowsBench().then(r => process.exit(r.pass ? 0 : 1))
}
