/**
 * Workflow budgets:
 *   1. validation of a 200-node workflow (every node kind but mix, ~300 edges, against the shipped catalogue):
 *      p50 under 5 ms.
 * The figure for the cost estimate of the same workflow is printed beside it. There is no figure from before
 * workflows existed: "before" prints as "-".
 * Run alone: `npx tsx tests/bench/workflows.bench.ts` or `npm run bench -- workflows`.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { estimateWorkflow } from '#server/domain/workflows/estimate.ts'
import { validateWorkflow } from '#server/domain/workflows/validate.ts'
import { DEFAULT_CATALOGUE } from '#server/providers/catalogue.ts'
import { printBudgets, printFigures, stats } from './support.ts'
import type { Budget, Figures } from './support.ts'

export const WORKFLOW_BUDGETS: Budget[] = [
	{ key: 'validate_200_p50_ms', label: 'validate a 200-node workflow: p50', unit: 'ms', max: 5 },
]

const ITERATIONS = Number(process.env.BENCH_WORKFLOW_ITERATIONS ?? 500)

/** Twenty chains of ten nodes, each chain using a different model mix, all collected at the end of their chain. */
export function bigWorkflow(chains = 20) {
	const nodes: Record<string, unknown>[] = []
	const edges: { from: { node: string; port: string }; to: { node: string; port: string } }[] = []
	const link = (from: string, fromPort: string, to: string, toPort: string) =>
		edges.push({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } })
	for (let c = 0; c < chains; c++) {
		const id = (name: string) => `${name}-${c}`
		nodes.push(
			{ id: id('topic'), name: `Topic ${c}`, kind: 'text', value: `Subject number ${c}, described at some length.` },
			{ id: id('ask'), name: `Ask ${c}`, kind: 'template', template: 'Write about {{topic}} for {{audience}}.' },
			{
				id: id('post'),
				name: `Post ${c}`,
				kind: 'chat',
				model: c % 2 ? 'openai:gpt-4o-mini' : 'offline:chat',
				maxTokens: 800,
			},
			{ id: id('say'), name: `Say ${c}`, kind: 'speech', model: c % 2 ? 'openai:tts-1' : 'offline:speech' },
			{
				id: id('hear'),
				name: `Hear ${c}`,
				kind: 'transcribe',
				model: c % 2 ? 'openai:whisper-1' : 'offline:transcribe',
			},
			{
				id: id('pic'),
				name: `Picture ${c}`,
				kind: 'image',
				model: c % 2 ? 'openai:gpt-image-1' : 'offline:image',
				n: 2,
			},
			{ id: id('vary'), name: `Variation ${c}`, kind: 'variation', model: 'offline:image' },
			{
				id: id('big'),
				name: `Upscale ${c}`,
				kind: 'upscale',
				model: c % 2 ? 'replicate:nightmareai/real-esrgan' : 'offline:image',
			},
			{
				id: id('clip'),
				name: `Clip ${c}`,
				kind: 'video',
				model: c % 2 ? 'replicate:minimax/video-01' : 'offline:video',
			},
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
	const pass = printBudgets('Workflows', WORKFLOW_BUDGETS, figures, null)
	printFigures([{ key: 'estimate_200_p50_ms', label: 'estimate a 200-node workflow: p50', unit: 'ms' }], figures, null)
	return { pass, figures }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runWorkflowsBench().then(r => process.exit(r.pass ? 0 : 1))
}
