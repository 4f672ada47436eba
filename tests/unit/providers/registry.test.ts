import { describe, expect, it } from 'vitest'
import { loadConfig } from '#server/config.ts'
import { createProviders } from '#server/providers/registry.ts'
import { ProviderError } from '#server/providers/types.ts'

const bare = () => createProviders(loadConfig({ NODE_ENV: 'test' }, []), { offline: { chunkDelayMs: 1 } })

function refusal(fn: () => unknown): ProviderError {
	try {
		fn()
	} catch (error) {
		expect(error).toBeInstanceOf(ProviderError)
		return error as ProviderError
	}
	throw new Error('expected a ProviderError')
}

describe('createProviders with nothing configured', () => {
	it('offers the offline models only, and picks them as defaults', () => {
		const providers = bare()
		expect(providers.isConfigured('offline')).toBe(true)
		expect(providers.isConfigured('openai')).toBe(false)
		expect(providers.defaultModel('chat').id).toBe('offline:chat')
		expect(providers.defaultModel('video').id).toBe('offline:video')
		expect(providers.defaultModel('transcribe').id).toBe('offline:transcribe')
		const list = providers.list()
		expect(list.filter(m => m.available).every(m => m.provider === 'offline')).toBe(true)
		expect(list.find(m => m.id === 'openai:gpt-4o-mini')?.available).toBe(false)
	})

	it('refuses unknown, unconfigured and unsuitable models with actionable invalid_request errors', () => {
		const providers = bare()
		const unknown = refusal(() => providers.chat('nope:model'))
		expect(unknown.code).toBe('invalid_request')
		expect(unknown.retryable).toBe(false)
		const unconfigured = refusal(() => providers.chat('openai:gpt-4o-mini'))
		expect(unconfigured.message).toContain('OPENAI_API_KEY')
		const replicate = refusal(() => providers.video('replicate:minimax/video-01'))
		expect(replicate.message).toContain('REPLICATE_API_TOKEN')
		const unsuitable = refusal(() => providers.image('offline:chat'))
		expect(unsuitable.message).toMatch(/cannot make images/)
		const noPredictions = refusal(() => providers.predictions('offline'))
		expect(noPredictions.code).toBe('invalid_request')
	})

	it('runs a capability through the bound model and prices it', async () => {
		const providers = bare()
		const image = providers.image('offline:image')
		expect(image.model.displayName).toBe('Offline demo images')
		const result = await image.run({ prompt: 'hi', size: '32x32' })
		expect(result.outputs).toHaveLength(1)
		expect(result.costMicros).toBe(0)
		const stream = providers.chat('offline:chat').stream({ messages: [{ role: 'user', content: 'hello' }] })
		let text = ''
		for await (const delta of stream) text += delta
		expect(stream.result?.text).toBe(text)
		expect(stream.result?.costMicros).toBe(0)
	})

	it('refuses images sent to a chat model that cannot see', async () => {
		const providers = bare()
		providers.setCatalogue([
			{
				id: 'offline:blind',
				provider: 'offline',
				vendorModel: 'chat',
				displayName: 'Blind chat',
				description: '',
				capabilities: ['chat'],
				prices: {},
			},
		])
		const stream = providers.chat('offline:blind').stream({
			messages: [{ role: 'user', content: 'see', images: [{ data: new Uint8Array(1), contentType: 'image/png' }] }],
		})
		let error: unknown = null
		try {
			for await (const delta of stream) expect(delta).toBeUndefined()
		} catch (e) {
			error = e
		}
		expect(error).toBeInstanceOf(ProviderError)
		expect(error).toMatchObject({ code: 'invalid_request' })
		if (!(error instanceof ProviderError)) return
		expect(error.message).toMatch(/cannot look at images/)
	})

	it('follows a replaced catalogue: unavailable models are refused and skipped as defaults', () => {
		const providers = bare()
		const rows = providers.list().map(m => (m.id === 'offline:chat' ? { ...m, available: false } : m))
		providers.setCatalogue(rows)
		expect(refusal(() => providers.chat('offline:chat')).message).toMatch(/not offered/)
		expect(refusal(() => providers.defaultModel('chat')).message).toMatch(/No configured model can chat/)
	})
})

describe('createProviders with keys', () => {
	it('prefers configured vendors over the offline demo for defaults', () => {
		const providers = createProviders(
			loadConfig({ NODE_ENV: 'test', OPENAI_API_KEY: 'sk-x', REPLICATE_API_TOKEN: 'r8_x' }, []),
		)
		expect(providers.defaultModel('chat').id).toBe('openai:gpt-4o-mini')
		expect(providers.defaultModel('image').id).toBe('openai:gpt-image-1')
		expect(providers.defaultModel('video').id).toBe('replicate:minimax/video-01')
		expect(providers.defaultModel('music').id).toBe('replicate:meta/musicgen')
		expect(
			providers
				.list()
				.filter(m => m.available)
				.map(m => m.provider),
		).toContain('replicate')
	})
})
