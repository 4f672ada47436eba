/**
 * What a workflow run will cost before it starts, per node and in total, from the catalogue prices. Lengths
 * flow through the graph in run order: a text input's length is known, a template's is its own text plus its
 * slots', a chat reply's is anything up to its token limit, speech lasts about as long as its text takes to
 * say. Where a length is unknown the estimate is a range; the budget check uses its upper end (decision 021).
 */
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import type { Usage } from '#server/providers/types.ts'
import { fillTemplate, templateSlots, type WorkflowNode } from './schema.ts'
import type { ValidWorkflow } from './validate.ts'

/** A closed range [min, max]. */
type Range = { min: number; max: number }

export type NodeEstimate = { nodeId: string; name: string; minMicros: number; maxMicros: number }
export type WorkflowEstimate = { nodes: NodeEstimate[]; minMicros: number; maxMicros: number }

/** Assumptions where nothing better is known; documented in decision 021. */
export const ESTIMATE_ASSUMPTIONS = {
	charsPerToken: 4,
	/** A chat or vision reply's length when the node sets no limit. */
	defaultMaxTokens: 1000,
	/** What one image costs a vision model in input tokens (a 1024-pixel square at high detail). */
	imageTokens: 765,
	/** Speech: characters spoken per second. */
	charsPerSecond: 15,
	/** Transcripts: characters per second of recording, at most. */
	transcriptCharsPerSecond: 25,
	/** Compute seconds an upscale takes, when the model is billed by time. */
	upscaleSeconds: { min: 2, max: 30 },
	/** A library recording or video's length is read when the run starts; before that, up to this many seconds. */
	librarySeconds: { min: 0, max: 600 },
	/** Music length when the node sets none. */
	defaultMusicSeconds: 10,
} as const

const A = ESTIMATE_ASSUMPTIONS
const ZERO: Range = { min: 0, max: 0 }
const exact = (n: number): Range => ({ min: n, max: n })
const add = (a: Range, b: Range): Range => ({ min: a.min + b.min, max: a.max + b.max })

/** Lengths carried by edges: characters of text, seconds of audio or video. Images carry none. */
type Lengths = { text: Range; seconds: Range }

function cost(model: ModelInfo | undefined, low: Usage, high: Usage): Range {
	if (!model) return ZERO
	return { min: computeCostMicros(model, low), max: computeCostMicros(model, high) }
}

/** The cost of between `units.min` and `units.max` of one unit (images, seconds, characters). */
function costOf(model: ModelInfo | undefined, unit: 'images' | 'seconds' | 'characters', units: Range): Range {
	return cost(model, { unit, units: units.min }, { unit, units: units.max })
}

function tokens(chars: Range): Range {
	return { min: Math.ceil(chars.min / A.charsPerToken), max: Math.ceil(chars.max / A.charsPerToken) }
}

export function estimateWorkflow(valid: ValidWorkflow, catalogue: readonly ModelInfo[]): WorkflowEstimate {
	const { definition, order } = valid
	const models = new Map(catalogue.map(m => [m.id, m]))
	const byId = new Map(definition.nodes.map(n => [n.id, n]))
	const inputsOf = new Map<string, { port: string; from: string }[]>()
	for (const e of definition.edges) {
		const list = inputsOf.get(e.to.node) ?? []
		list.push({ port: e.to.port, from: e.from.node })
		inputsOf.set(e.to.node, list)
	}
	const out = new Map<string, Lengths>()
	const nodes: NodeEstimate[] = []
	for (const id of order) {
		const n = byId.get(id) as WorkflowNode
		const inputs = inputsOf.get(id) ?? []
		const textIn = (port: string): Range =>
			inputs.filter(i => i.port === port).reduce((sum, i) => add(sum, out.get(i.from)?.text ?? ZERO), ZERO)
		const secondsIn = (port: string): Range => {
			const ranges = inputs.filter(i => i.port === port).map(i => out.get(i.from)?.seconds ?? ZERO)
			return ranges.reduce((m, r) => ({ min: Math.max(m.min, r.min), max: Math.max(m.max, r.max) }), ZERO)
		}
		const model = 'model' in n ? models.get(n.model) : undefined
		let price: Range = ZERO
		let lengths: Lengths = { text: ZERO, seconds: ZERO }
		switch (n.kind) {
			case 'text':
				lengths = { text: exact(n.value.length), seconds: ZERO }
				break
			case 'library':
				lengths = { text: ZERO, seconds: n.media === 'image' ? ZERO : { ...A.librarySeconds } }
				break
			case 'template': {
				const own = fillTemplate(n.template, {}).length
				lengths = {
					text: templateSlots(n.template).reduce((sum, slot) => add(sum, textIn(slot)), exact(own)),
					seconds: ZERO,
				}
				break
			}
			case 'chat':
			case 'vision': {
				const system =
					n.kind === 'chat' ? add(exact(n.system?.length ?? 0), textIn('system')) : exact(n.question?.length ?? 0)
				const input = tokens(add(system, textIn('prompt')))
				const image = n.kind === 'vision' ? A.imageTokens : 0
				const maxTokens = (n.kind === 'chat' ? n.maxTokens : undefined) ?? A.defaultMaxTokens
				price = cost(
					model,
					{ unit: 'tokens', inputTokens: input.min + image, outputTokens: 1 },
					{ unit: 'tokens', inputTokens: input.max + image, outputTokens: maxTokens },
				)
				lengths = { text: { min: 0, max: maxTokens * A.charsPerToken }, seconds: ZERO }
				break
			}
			case 'image':
			case 'variation': {
				const count = n.n ?? 1
				price = costOf(model, 'images', exact(count))
				break
			}
			case 'imageEdit':
				price = costOf(model, 'images', exact(1))
				break
			case 'upscale':
				price =
					model?.prices.image !== undefined
						? costOf(model, 'images', exact(1))
						: costOf(model, 'seconds', A.upscaleSeconds)
				break
			case 'video':
			case 'music': {
				// A clip of a set length, priced and carried on by its seconds.
				const seconds =
					n.durationSeconds ?? (n.kind === 'video' ? (model?.video?.durations[0] ?? 5) : A.defaultMusicSeconds)
				price = costOf(model, 'seconds', exact(seconds))
				lengths = { text: ZERO, seconds: exact(seconds) }
				break
			}
			case 'speech': {
				const chars = textIn('text')
				price = costOf(model, 'characters', chars)
				lengths = {
					text: ZERO,
					seconds: { min: chars.min / A.charsPerSecond, max: chars.max / A.charsPerSecond },
				}
				break
			}
			case 'transcribe': {
				const seconds = secondsIn('audio')
				price = costOf(model, 'seconds', seconds)
				lengths = { text: { min: 0, max: Math.ceil(seconds.max * A.transcriptCharsPerSecond) }, seconds: ZERO }
				break
			}
			case 'mix':
				lengths = { text: ZERO, seconds: secondsIn('tracks') }
				break
			case 'collect':
				break
		}
		out.set(id, lengths)
		nodes.push({ nodeId: n.id, name: n.name, minMicros: price.min, maxMicros: price.max })
	}
	return {
		nodes,
		minMicros: nodes.reduce((s, n) => s + n.minMicros, 0),
		maxMicros: nodes.reduce((s, n) => s + n.maxMicros, 0),
	}
}
