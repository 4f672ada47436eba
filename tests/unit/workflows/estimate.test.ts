/**
 * The cost estimate before a run: per node and in total from the catalogue prices, exact where the lengths are
 * known and a range where they are not (a chat reply's length, speech of a reply).
 */
import { describe, expect, test } from 'vitest'
import { computeCostMicros, DEFAULT_CATALOGUE, findModel, type ModelInfo } from '#server/providers/catalogue.ts'
import { ESTIMATE_ASSUMPTIONS, estimateWorkflow } from '#server/domain/workflows/estimate.ts'
import { validateWorkflow } from '#server/domain/workflows/validate.ts'
import { edge, wires } from '#tests/support/workflows.ts'

function estimate(definition: unknown) {
	const valid = validateWorkflow(definition, DEFAULT_CATALOGUE)
	if (!valid.ok) throw new Error(JSON.stringify(valid.problems))
	return estimateWorkflow(valid, DEFAULT_CATALOGUE)
}

const model = (id: string): ModelInfo => {
	const m = findModel(id)
	if (!m) throw new Error(id)
	return m
}

describe('workflow cost estimate', () => {
	test('offline models cost nothing', () => {
		const e = estimate({
			version: 1,
			nodes: [
				{ id: 'topic', name: 'Topic', kind: 'text', value: 'Tide pools' },
				{ id: 'post', name: 'Post', kind: 'chat', model: 'offline:chat' },
				{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image', n: 4 },
			],
			edges: [edge('topic', 'text', 'post', 'prompt'), edge('topic', 'text', 'pic', 'prompt')],
		})
		expect(e).toEqual({
			minMicros: 0,
			maxMicros: 0,
			nodes: [
				{ nodeId: 'topic', name: 'Topic', minMicros: 0, maxMicros: 0 },
				{ nodeId: 'post', name: 'Post', minMicros: 0, maxMicros: 0 },
				{ nodeId: 'pic', name: 'Picture', minMicros: 0, maxMicros: 0 },
			],
		})
	})

	test('known lengths are priced exactly; a reply of unknown length is a range; the total adds them up', () => {
		const topic = 'x'.repeat(400)
		const template = 'Write about {{topic}} in a friendly tone.' // 37 characters besides the slot
		const e = estimate({
			version: 1,
			nodes: [
				{ id: 'topic', name: 'Topic', kind: 'text', value: topic },
				{ id: 'ask', name: 'Ask', kind: 'template', template },
				{ id: 'post', name: 'Post', kind: 'chat', model: 'openai:gpt-4o-mini', system: 'Be brief.', maxTokens: 500 },
				{ id: 'read', name: 'Read the topic', kind: 'speech', model: 'openai:tts-1' },
				{ id: 'read-post', name: 'Read the post', kind: 'speech', model: 'openai:tts-1-hd' },
				{ id: 'pics', name: 'Pictures', kind: 'image', model: 'openai:gpt-image-1', n: 2 },
				{ id: 'clip', name: 'Clip', kind: 'video', model: 'replicate:minimax/video-01', durationSeconds: 6 },
				{ id: 'heard', name: 'Heard', kind: 'transcribe', model: 'openai:whisper-1' },
			],
			edges: wires(
				'topic.text>ask.topic ask.text>post.prompt topic.text>read.text',
				'post.text>read-post.text topic.text>pics.prompt',
				'pics.image>clip.image ask.text>clip.prompt',
				'read.audio>heard.audio',
			),
		})
		const by = Object.fromEntries(e.nodes.map(n => [n.nodeId, n]))
		const askChars = 400 + 'Write about  in a friendly tone.'.length
		const inputTokens = Math.ceil(('Be brief.'.length + askChars) / ESTIMATE_ASSUMPTIONS.charsPerToken)
		const mini = model('openai:gpt-4o-mini')
		expect(by.post).toMatchObject({
			minMicros: computeCostMicros(mini, { unit: 'tokens', inputTokens, outputTokens: 1 }),
			maxMicros: computeCostMicros(mini, { unit: 'tokens', inputTokens, outputTokens: 500 }),
		})
		expect(by.post?.minMicros).toBeLessThan(by.post?.maxMicros ?? 0)
		// Speech of a known text: exact. 400 characters at 15 micro-USD each.
		expect(by.read).toMatchObject({ minMicros: 6000, maxMicros: 6000 })
		// Speech of a reply: from nothing up to the reply's longest (500 tokens ≈ 2,000 characters) at 30 each.
		expect(by['read-post']).toMatchObject({ minMicros: 0, maxMicros: 500 * ESTIMATE_ASSUMPTIONS.charsPerToken * 30 })
		expect(by.pics).toMatchObject({ minMicros: 84_000, maxMicros: 84_000 })
		expect(by.clip).toMatchObject({ minMicros: 6 * 83_334, maxMicros: 6 * 83_334 })
		// Transcribing the speech: 400 characters at 15 a second ≈ 26.7 s at 100 micro-USD a second.
		const seconds = 400 / ESTIMATE_ASSUMPTIONS.charsPerSecond
		expect(by.heard).toMatchObject({
			minMicros: computeCostMicros(model('openai:whisper-1'), { unit: 'seconds', units: seconds }),
			maxMicros: computeCostMicros(model('openai:whisper-1'), { unit: 'seconds', units: seconds }),
		})
		expect(e.minMicros).toBe(e.nodes.reduce((s, n) => s + n.minMicros, 0))
		expect(e.maxMicros).toBe(e.nodes.reduce((s, n) => s + n.maxMicros, 0))
		expect(e.minMicros).toBeLessThan(e.maxMicros)
	})

	test('an upscaler billed by compute time is a range; mix lasts as long as its longest track', () => {
		const e = estimate({
			version: 1,
			nodes: [
				{ id: 'p', name: 'Prompt', kind: 'text', value: 'a lighthouse' },
				{ id: 'img', name: 'Image', kind: 'image', model: 'offline:image' },
				{ id: 'big', name: 'Bigger', kind: 'upscale', model: 'replicate:nightmareai/real-esrgan' },
				{ id: 'bed', name: 'Bed', kind: 'music', model: 'offline:music', durationSeconds: 20 },
				{ id: 'mix', name: 'Mix', kind: 'mix' },
				{ id: 'words', name: 'Words', kind: 'transcribe', model: 'openai:whisper-1' },
			],
			edges: wires(
				'p.text>img.prompt img.image>big.image p.text>bed.prompt',
				'bed.audio>mix.tracks mix.audio>words.audio',
			),
		})
		const by = Object.fromEntries(e.nodes.map(n => [n.nodeId, n]))
		const { min, max } = ESTIMATE_ASSUMPTIONS.upscaleSeconds
		expect(by.big).toMatchObject({ minMicros: min * 225, maxMicros: max * 225 })
		expect(by.words).toMatchObject({ minMicros: 20 * 100, maxMicros: 20 * 100 })
	})
})
