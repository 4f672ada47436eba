/**
 * The real `openai` SDK, through our adapter and registry, against the HTTP stub: streaming, every media
 * capability, and the mapping of the vendor's failures onto ProviderError.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '#server/config.ts'
import { createOpenAIAdapter } from '#server/providers/openai.ts'
import { createProviders, type ProviderRegistry } from '#server/providers/registry.ts'
import { ProviderError } from '#server/providers/types.ts'
import { STUB_PNG, startOpenAIStub, type OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { openaiEnv } from '#tests/support/suite-services.ts'
import { wav } from '#tests/support/samples.ts'

let stub: OpenAIStub
let providers: ProviderRegistry

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

beforeAll(async () => {
	stub = await startOpenAIStub({
		models: ['gpt-4o-mini', 'gpt-image-1', 'tts-1', 'whisper-1', 'llama3.2', 'nomic-embed-text'],
	})
	const config = loadConfig({ NODE_ENV: 'test', ...openaiEnv(stub) }, [])
	providers = createProviders(config, { timeouts: { default: 1_000, chat: 400 } })
})

afterAll(async () => {
	await stub.close()
})

beforeEach(() => stub.reset())

async function collect(
	stream: AsyncIterable<string>,
): Promise<{ deltas: string[]; error: unknown; arrivedAt: number[] }> {
	const deltas: string[] = []
	const arrivedAt: number[] = []
	try {
		for await (const delta of stream) {
			deltas.push(delta)
			arrivedAt.push(performance.now())
		}
		return { deltas, error: null, arrivedAt }
	} catch (error) {
		return { deltas, error, arrivedAt }
	}
}

function expectProviderError(error: unknown, code: ProviderError['code']): ProviderError {
	expect(error).toBeInstanceOf(ProviderError)
	const e = error as ProviderError
	expect(e.code).toBe(code)
	expect(e.provider).toBe('openai')
	return e
}

describe('chat', () => {
	it('streams several chunks as they are sent, then reports usage and cost', async () => {
		stub.setDefault('chat', { chunkDelayMs: 40 })
		const stream = providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'Say hello' }] })
		const { deltas, error, arrivedAt } = await collect(stream)
		expect(error).toBeNull()
		expect(deltas).toEqual(['Hello', ' from', ' the', ' stub', '.'])
		// The first chunk reached us before the stub had even sent the last one: nothing buffered the stream.
		const sent = stub.streams[0]?.chunkSentAt ?? []
		expect(sent).toHaveLength(5)
		expect(arrivedAt[0]).toBeLessThan(sent[4] ?? 0)
		expect(stream.result).toMatchObject({
			text: 'Hello from the stub.',
			finishReason: 'stop',
			usage: { unit: 'tokens', inputTokens: 12, outputTokens: 5 },
		})
		// 12 × 0.15 + 5 × 0.6 = 4.8 micro-USD, rounded up.
		expect(stream.result?.costMicros).toBe(5)
		const request = stub.requests[0]
		expect(request?.route).toBe('chat')
		expect(request?.headers.authorization).toBe('Bearer sk-test')
		expect(request?.json).toMatchObject({
			model: 'gpt-4o-mini',
			stream: true,
			stream_options: { include_usage: true },
			messages: [{ role: 'user', content: 'Say hello' }],
		})
	})

	it('maps a 429 onto rate_limited with Retry-After, without retrying by itself', async () => {
		stub.enqueue('chat', { status: 429, headers: { 'retry-after': '7' } })
		const { deltas, error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
		)
		expect(deltas).toEqual([])
		const e = expectProviderError(error, 'rate_limited')
		expect(e.retryAfterSeconds).toBe(7)
		expect(e.retryable).toBe(true)
		expect(e.status).toBe(429)
		expect(e.message).toMatch(/try again in 7 seconds/i)
		expect(stub.requests.filter(r => r.route === 'chat')).toHaveLength(1)
	})

	it('maps a 500 onto unavailable, with one request only', async () => {
		stub.enqueue('chat', { status: 500 })
		const { error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
		)
		const e = expectProviderError(error, 'unavailable')
		expect(e.retryable).toBe(true)
		expect(stub.requests).toHaveLength(1)
	})

	it('maps a response slower than the time limit onto timed_out', async () => {
		stub.enqueue('chat', { delayMs: 3_000 })
		const started = performance.now()
		const { error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
		)
		expectProviderError(error, 'timed_out')
		expect(performance.now() - started).toBeLessThan(2_000)
	})

	it('times out a stream that goes silent part-way', async () => {
		stub.enqueue('chat', { stallAfterChunks: 2 })
		const { deltas, error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
		)
		expect(deltas).toEqual(['Hello', ' from'])
		expectProviderError(error, 'timed_out')
	})

	it('surfaces an error event mid-stream as a ProviderError after the chunks already yielded', async () => {
		stub.enqueue('chat', { failAfterChunks: 3, failWith: 'error-event' })
		const stream = providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] })
		const { deltas, error } = await collect(stream)
		expect(deltas).toEqual(['Hello', ' from', ' the'])
		expectProviderError(error, 'unavailable')
		expect(stream.result).toBeNull()
	})

	it('surfaces a dropped connection mid-stream as unavailable', async () => {
		stub.enqueue('chat', { failAfterChunks: 2, failWith: 'disconnect' })
		const { deltas, error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }),
		)
		expect(deltas).toEqual(['Hello', ' from'])
		expectProviderError(error, 'unavailable')
	})

	it('stops when the caller aborts, as canceled', async () => {
		stub.enqueue('chat', { chunkDelayMs: 100 })
		const controller = new AbortController()
		const stream = providers
			.chat('openai:gpt-4o-mini')
			.stream({ messages: [{ role: 'user', content: 'hi' }] }, controller.signal)
		const deltas: string[] = []
		let error: unknown = null
		try {
			for await (const delta of stream) {
				deltas.push(delta)
				if (deltas.length === 2) controller.abort()
			}
		} catch (e) {
			error = e
		}
		expect(deltas).toHaveLength(2)
		expectProviderError(error, 'canceled')
		expect(error).toMatchObject({ retryable: false })
	})

	it('estimates usage when the server does not report it', async () => {
		stub.enqueue('chat', { omitUsage: true })
		const stream = providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'abcdefgh' }] })
		await collect(stream)
		expect(stream.result?.usage).toEqual({ unit: 'tokens', inputTokens: 2, outputTokens: 5, estimated: true })
	})

	it('sends attached images to a vision model as data URIs', async () => {
		const stream = providers.chat('openai:gpt-4o-mini').stream({
			messages: [{ role: 'user', content: 'What is this?', images: [{ data: STUB_PNG, contentType: 'image/png' }] }],
		})
		await collect(stream)
		expect(stub.requests[0]?.json).toMatchObject({
			messages: [
				{
					role: 'user',
					content: [
						{ type: 'text', text: 'What is this?' },
						{ type: 'image_url', image_url: { url: `data:image/png;base64,${STUB_PNG.toString('base64')}` } },
					],
				},
			],
		})
	})

	it('maps a content-policy refusal onto content_refused', async () => {
		stub.enqueue('chat', {
			status: 400,
			error: {
				message: 'Your request was rejected as a result of our safety system.',
				code: 'content_policy_violation',
			},
		})
		const { error } = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'x' }] }),
		)
		const e = expectProviderError(error, 'content_refused')
		expect(e.retryable).toBe(false)
	})

	it('maps other 4xx onto invalid_request and a rejected key onto a non-retryable unavailable', async () => {
		stub.enqueue('chat', { status: 422, error: { message: 'messages must not be empty' } }, { status: 401 })
		const first = await collect(providers.chat('openai:gpt-4o-mini').stream({ messages: [] }))
		const e1 = expectProviderError(first.error, 'invalid_request')
		expect(e1.message).toContain('messages must not be empty')
		const second = await collect(
			providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'x' }] }),
		)
		const e2 = expectProviderError(second.error, 'unavailable')
		expect(e2.retryable).toBe(false)
		expect(e2.message).toContain('OPENAI_API_KEY')
	})
})

describe('title and vision', () => {
	it('writes a title from a non-streamed completion', async () => {
		const result = await providers.title('openai:gpt-4o-mini').run({ text: 'How do I bake bread at home?' })
		expect(result.title).toBe('Hello from the stub')
		expect(result.usage).toEqual({ unit: 'tokens', inputTokens: 12, outputTokens: 5 })
		expect(stub.requests[0]?.json).toMatchObject({ stream: false, max_tokens: 30 })
	})

	it('answers a question about an image', async () => {
		const result = await providers
			.vision('openai:gpt-4o-mini')
			.run({ image: { data: STUB_PNG, contentType: 'image/png' }, question: 'Describe it' })
		expect(result.text).toBe('Hello from the stub.')
		const body = stub.requests[0]?.json as { messages: Array<{ content: Array<{ type: string }> }> }
		expect(body.messages[0]?.content.map(p => p.type)).toEqual(['text', 'image_url'])
	})

	it('maps a slow non-streamed answer onto timed_out', async () => {
		stub.enqueue('chat', { delayMs: 3_000 })
		await expect(providers.title('openai:gpt-4o-mini').run({ text: 'x' })).rejects.toMatchObject({ code: 'timed_out' })
	})
})

describe('images', () => {
	it('generates images returned as base64', async () => {
		const result = await providers.image('openai:gpt-image-1').run({ prompt: 'a lighthouse', n: 2, size: '1024x1024' })
		expect(result.outputs).toHaveLength(2)
		for (const output of result.outputs) {
			expect(output.kind).toBe('bytes')
			if (output.kind === 'bytes') {
				expect([...output.data.subarray(0, 8)]).toEqual(PNG_MAGIC)
				expect(output.contentType).toBe('image/png')
			}
		}
		expect(result.usage).toEqual({ unit: 'images', units: 2 })
		expect(result.costMicros).toBe(84_000)
		expect(stub.requests[0]?.json).toMatchObject({
			model: 'gpt-image-1',
			prompt: 'a lighthouse',
			n: 2,
			size: '1024x1024',
		})
	})

	it('passes on image URLs for the storage module to download', async () => {
		stub.enqueue('images', { imageFormat: 'url' })
		const result = await providers.image('openai:gpt-image-1').run({ prompt: 'a lighthouse' })
		const [output] = result.outputs
		expect(output?.kind).toBe('url')
		if (output?.kind === 'url') {
			expect(output.url.startsWith(`${stub.origin}/files/`)).toBe(true)
			const response = await fetch(output.url)
			expect(response.headers.get('content-type')).toBe('image/png')
		}
	})

	it('asks DALL·E for bytes rather than short-lived URLs, one image at a time', async () => {
		await providers.image('openai:dall-e-3').run({ prompt: 'x', n: 3 })
		expect(stub.requests[0]?.json).toMatchObject({ model: 'dall-e-3', response_format: 'b64_json', n: 1 })
	})

	it('edits an image with a mask as multipart uploads', async () => {
		const result = await providers.imageEdit('openai:gpt-image-1').run({
			image: { data: STUB_PNG, contentType: 'image/png' },
			mask: { data: STUB_PNG, contentType: 'image/png' },
			prompt: 'add a boat',
		})
		expect(result.outputs).toHaveLength(1)
		const form = stub.requests[0]?.form
		expect(form?.prompt).toBe('add a boat')
		expect(form?.model).toBe('gpt-image-1')
		expect(form?.image).toMatchObject({ filename: 'image.png', type: 'image/png', size: STUB_PNG.length })
		expect(form?.mask).toMatchObject({ filename: 'mask.png', size: STUB_PNG.length })
	})

	it('maps a refused image prompt onto content_refused', async () => {
		stub.enqueue('images', {
			status: 400,
			error: { message: 'Your request was rejected by the safety system.', code: 'moderation_blocked' },
		})
		await expect(providers.image('openai:gpt-image-1').run({ prompt: 'x' })).rejects.toMatchObject({
			code: 'content_refused',
			retryable: false,
		})
	})
})

describe('audio', () => {
	it('speaks text', async () => {
		const result = await providers.speech('openai:tts-1').run({ text: 'Hello there', voice: 'nova' })
		const [output] = result.outputs
		expect(output?.kind).toBe('bytes')
		if (output?.kind === 'bytes') {
			expect(output.contentType).toBe('audio/mpeg')
			expect(Buffer.from(output.data.subarray(0, 3)).toString('latin1')).toBe('ID3')
		}
		expect(result.usage).toEqual({ unit: 'characters', units: 11 })
		expect(result.costMicros).toBe(165)
		expect(stub.requests[0]?.json).toEqual({
			model: 'tts-1',
			input: 'Hello there',
			voice: 'nova',
			response_format: 'mp3',
		})
	})

	it('speaks text as WAV when asked', async () => {
		const result = await providers.speech('openai:tts-1').run({ text: 'Hi', format: 'wav' })
		const [output] = result.outputs
		if (output?.kind !== 'bytes') throw new Error('expected bytes')
		expect(output.contentType).toBe('audio/wav')
		expect(Buffer.from(output.data.subarray(0, 4)).toString('latin1')).toBe('RIFF')
	})

	it('transcribes a recording', async () => {
		const result = await providers
			.transcribe('openai:whisper-1')
			.run({ audio: { data: wav(10), contentType: 'audio/wav' }, language: 'en' })
		expect(result.text).toBe('Stub transcript of recording.wav (64 bytes)')
		expect(result.usage).toEqual({ unit: 'seconds', units: 3 })
		expect(result.costMicros).toBe(300)
		expect(stub.requests[0]?.form).toMatchObject({ model: 'whisper-1', language: 'en' })
	})
})

describe('adapter without the registry', () => {
	it('uses the SDK against the base URL with retries off', async () => {
		const adapter = createOpenAIAdapter({ apiKey: 'sk-other', baseUrl: stub.url, timeouts: { default: 1_000 } })
		stub.enqueue('images', { status: 503 })
		await expect(adapter.image?.('gpt-image-1', { prompt: 'x' })).rejects.toMatchObject({
			code: 'unavailable',
			status: 503,
		})
		expect(stub.requests).toHaveLength(1)
		expect(stub.requests[0]?.headers.authorization).toBe('Bearer sk-other')
	})
})

describe('models sync', () => {
	it('marks catalogue models the server serves and discovers the others', async () => {
		const rows = await providers.syncModels()
		const byId = new Map(rows.map(r => [r.id, r]))
		expect(byId.get('openai:gpt-4o-mini')).toMatchObject({ available: true, source: 'catalogue' })
		expect(byId.get('openai:gpt-4o')).toMatchObject({ available: false })
		expect(byId.get('openai:llama3.2')).toMatchObject({
			available: true,
			source: 'discovered',
			capabilities: ['chat', 'title'],
			prices: {},
		})
		expect(byId.has('openai:nomic-embed-text')).toBe(false)
		expect(byId.get('offline:chat')).toMatchObject({ available: true })
		expect(rows.some(r => r.provider === 'replicate')).toBe(false)
	})
})
