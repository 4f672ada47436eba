import { describe, expect, it } from 'vitest'
import {
	DEFAULT_CATALOGUE,
	computeCostMicros,
	findModel,
	guessCapabilities,
	syncModels,
	type ModelInfo,
} from '#server/providers/catalogue.ts'
import { CAPABILITIES } from '#server/providers/types.ts'

function model(id: string): ModelInfo {
	const found = findModel(id)
	if (!found) throw new Error(`missing ${id}`)
	return found
}

describe('the default catalogue', () => {
	it('has unique ids of the form provider:vendor-model', () => {
		const ids = DEFAULT_CATALOGUE.map(m => m.id)
		expect(new Set(ids).size).toBe(ids.length)
		for (const m of DEFAULT_CATALOGUE) expect(m.id).toBe(`${m.provider}:${m.vendorModel}`)
	})

	it('lets the offline provider do everything', () => {
		const offline = new Set(DEFAULT_CATALOGUE.filter(m => m.provider === 'offline').flatMap(m => m.capabilities))
		expect([...offline].sort()).toEqual([...CAPABILITIES].sort())
		for (const m of DEFAULT_CATALOGUE.filter(m => m.provider === 'offline')) expect(m.prices).toEqual({})
	})

	it('gives every Replicate model a billing rule and every paid model a price for its unit', () => {
		for (const m of DEFAULT_CATALOGUE.filter(m => m.provider === 'replicate')) expect(m.replicateBilling).toBeDefined()
		for (const m of DEFAULT_CATALOGUE.filter(m => m.provider !== 'offline'))
			expect(Object.keys(m.prices).length).toBeGreaterThan(0)
	})
})

describe('computeCostMicros', () => {
	it('prices tokens by direction', () => {
		// gpt-4o-mini: 0.15 µ$ per input token, 0.6 µ$ per output token.
		expect(
			computeCostMicros(model('openai:gpt-4o-mini'), { unit: 'tokens', inputTokens: 1000, outputTokens: 500 }),
		).toBe(450)
		expect(computeCostMicros(model('openai:gpt-4o'), { unit: 'tokens', inputTokens: 1_000_000, outputTokens: 0 })).toBe(
			2_500_000,
		)
	})

	it('rounds a fraction of a micro-unit up, but not floating-point noise', () => {
		expect(computeCostMicros(model('openai:gpt-4o-mini'), { unit: 'tokens', inputTokens: 1 })).toBe(1)
		expect(computeCostMicros({ prices: { inputToken: 0.15 } }, { unit: 'tokens', inputTokens: 1000 })).toBe(150)
		expect(computeCostMicros({ prices: { inputToken: 0.1 } }, { unit: 'tokens', inputTokens: 3 })).toBe(1)
	})

	it('prices images, seconds and characters per unit', () => {
		expect(computeCostMicros(model('replicate:black-forest-labs/flux-schnell'), { unit: 'images', units: 4 })).toBe(
			12_000,
		)
		expect(computeCostMicros(model('openai:whisper-1'), { unit: 'seconds', units: 90 })).toBe(9_000)
		expect(computeCostMicros(model('replicate:meta/musicgen'), { unit: 'seconds', units: 12.34 })).toBe(17_276)
		expect(computeCostMicros(model('openai:tts-1'), { unit: 'characters', units: 1000 })).toBe(15_000)
	})

	it('charges nothing for a unit the model has no price for, or for offline work', () => {
		expect(computeCostMicros(model('openai:tts-1'), { unit: 'seconds', units: 10 })).toBe(0)
		expect(
			computeCostMicros(model('offline:chat'), { unit: 'tokens', inputTokens: 10_000, outputTokens: 10_000 }),
		).toBe(0)
		expect(computeCostMicros(model('openai:gpt-image-1'), { unit: 'images' })).toBe(0)
	})
})

describe('syncModels', () => {
	const now = new Date('2025-01-01T00:00:00Z')

	it('returns only the configured providers, marking what they listed', async () => {
		const rows = await syncModels(
			{
				offline: { listModels: async () => [{ name: 'chat' }] },
				openai: { listModels: async () => [{ name: 'gpt-4o-mini' }, { name: 'some-new-model' }] },
			},
			{ now },
		)
		expect(rows.every(r => r.provider !== 'replicate')).toBe(true)
		expect(rows.find(r => r.id === 'openai:gpt-4o-mini')).toMatchObject({ available: true, syncedAt: now })
		expect(rows.find(r => r.id === 'openai:tts-1')).toMatchObject({ available: false })
		expect(rows.find(r => r.id === 'offline:image')).toMatchObject({ available: false })
		// Unknown models on the real OpenAI API are left out: their prices are unknown.
		expect(rows.some(r => r.vendorModel === 'some-new-model')).toBe(false)
	})

	it('keeps a provider’s catalogue models when it fails to answer', async () => {
		const rows = await syncModels({
			openai: {
				listModels: async () => {
					throw new Error('down')
				},
			},
		})
		expect(rows.filter(r => r.provider === 'openai').every(r => r.available)).toBe(true)
	})
})

describe('guessCapabilities', () => {
	it('reads what a self-hosted model can do from its name', () => {
		expect(guessCapabilities('llama3.2')).toEqual(['chat', 'title'])
		expect(guessCapabilities('llava:13b')).toEqual(['chat', 'title', 'vision'])
		expect(guessCapabilities('whisper-large-v3')).toEqual(['transcribe'])
		expect(guessCapabilities('kokoro-tts')).toEqual(['speech'])
		expect(guessCapabilities('nomic-embed-text')).toEqual([])
	})
})
