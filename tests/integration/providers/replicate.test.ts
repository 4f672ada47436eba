/**
 * The real `replicate` SDK, through our adapter and registry, against the HTTP stub: quick predictions
 * awaited in the call, long ones completed by a signed webhook or by polling, cancel, and failure mapping.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '#server/config.ts'
import { createProviders, type ProviderRegistry } from '#server/providers/registry.ts'
import { ProviderError } from '#server/providers/types.ts'
import { STUB_PNG } from '#tests/fixtures/openai-stub.ts'
import { startReplicateStub, type ReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { waitFor } from '#tests/support/wait.ts'

type Received = { headers: Record<string, string>; body: string }

let stub: ReplicateStub
let receiver: Server
let receiverOrigin: string
const received: Received[] = []
let providers: ProviderRegistry

beforeAll(async () => {
	stub = await startReplicateStub({
		models: { 'meta/musicgen': 'newer-musicgen-version', 'black-forest-labs/flux-dev': null },
	})
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = []
		req.on('data', (chunk: Buffer) => chunks.push(chunk))
		req.on('end', () => {
			const headers: Record<string, string> = {}
			for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
			received.push({ headers, body: Buffer.concat(chunks).toString('utf8') })
			res.writeHead(204).end()
		})
	})
	await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve))
	receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
	const config = loadConfig(
		{
			NODE_ENV: 'test',
			PUBLIC_URL: receiverOrigin,
			REPLICATE_API_TOKEN: 'r8_test',
			REPLICATE_BASE_URL: stub.url,
			REPLICATE_WEBHOOK_SECRET: stub.webhookSecret,
		},
		[],
	)
	providers = createProviders(config, {
		timeouts: { default: 2_000, image: 2_000 },
		replicateWebhookPath: '/hooks/replicate',
		replicatePollIntervalMs: 20,
	})
})

afterAll(async () => {
	await stub.close()
	receiver.closeAllConnections()
	await new Promise(resolve => receiver.close(resolve))
})

beforeEach(() => {
	stub.requests.length = 0
	received.length = 0
	stub.setLifecycle({ startingMs: 10, processingMs: 30, outcome: 'succeeded', manual: false, predictTime: 2.5 })
})

const creates = () => stub.requests.filter(r => r.route === 'create')

describe('quick predictions (images)', () => {
	it('creates, waits for the result and returns the output URLs with usage and cost', async () => {
		const result = await providers
			.image('replicate:black-forest-labs/flux-schnell')
			.run({ prompt: 'a red fox', n: 2, size: '1024x576', seed: 42 })
		expect(result.outputs).toHaveLength(2)
		for (const output of result.outputs) {
			expect(output.kind).toBe('url')
			if (output.kind === 'url') {
				expect(output.url.startsWith(`${stub.origin}/files/`)).toBe(true)
				const response = await fetch(output.url)
				expect(Buffer.from(await response.arrayBuffer()).equals(STUB_PNG)).toBe(true)
			}
		}
		expect(result.usage).toEqual({ unit: 'images', units: 2 })
		expect(result.costMicros).toBe(6_000)
		expect(result.seed).toBe(42)
		const [create] = creates()
		expect(create?.path).toBe('/v1/models/black-forest-labs/flux-schnell/predictions')
		expect(create?.headers.authorization).toBe('Bearer r8_test')
		expect(create?.headers.prefer).toBe('wait=1')
		expect(create?.json).toEqual({
			input: { prompt: 'a red fox', aspect_ratio: '16:9', num_outputs: 2, output_format: 'png', seed: 42 },
		})
	})

	it('polls when the prediction outlives the wait, and cancels it when the time limit passes', async () => {
		stub.setLifecycle({ manual: true })
		const started = performance.now()
		const error: unknown = await providers
			.image('replicate:black-forest-labs/flux-schnell')
			.run({ prompt: 'slow' })
			.catch((e: unknown) => e)
		expect(error).toBeInstanceOf(ProviderError)
		expect(error).toMatchObject({ code: 'timed_out', retryable: true, provider: 'replicate' })
		expect(performance.now() - started).toBeLessThan(4_000)
		expect(stub.requests.filter(r => r.route === 'get').length).toBeGreaterThan(0)
		const [prediction] = [...stub.predictions.values()].filter(p => p.input.prompt === 'slow')
		await expect.poll(() => prediction?.status).toBe('canceled')
	})

	it('sends images for inpainting and upscaling as data URIs', async () => {
		const image = { data: STUB_PNG, contentType: 'image/png' }
		await providers.imageEdit('replicate:black-forest-labs/flux-fill-pro').run({ image, mask: image, prompt: 'a hat' })
		const upscaled = await providers.upscale('replicate:nightmareai/real-esrgan').run({ image, scale: 4 })
		const [edit, upscale] = creates()
		const dataUri = `data:image/png;base64,${STUB_PNG.toString('base64')}`
		expect(edit?.json).toMatchObject({ input: { prompt: 'a hat', image: dataUri, mask: dataUri } })
		// Real-ESRGAN is not an official model: it runs by version, billed by GPU time.
		expect(upscale?.path).toBe('/v1/predictions')
		expect(upscale?.json).toMatchObject({
			version: 'f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa',
			input: { scale: 4 },
		})
		expect(upscaled.usage).toEqual({ unit: 'seconds', units: 2.5 })
		expect(upscaled.costMicros).toBe(563)
	})
})

describe('long predictions (video, music)', () => {
	it('creates a video with a webhook; the signed delivery completes it', async () => {
		const started = await providers.video('replicate:minimax/video-01').run({ prompt: 'waves at dusk' })
		expect(started).toMatchObject({ status: 'pending', provider: 'replicate', costMicros: 0 })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		expect(creates()[0]?.json).toMatchObject({
			input: { prompt: 'waves at dusk', prompt_optimizer: true },
			webhook: `${receiverOrigin}/hooks/replicate`,
			webhook_events_filter: ['completed'],
		})

		await stub.settled(started.predictionId)
		expect(received).toHaveLength(1)
		const delivery = received[0] as Received
		// Verified with the Standard Webhooks library itself, as the webhook route will.
		const payload = new Webhook(stub.webhookSecret).verify(delivery.body, delivery.headers)
		const state = providers.predictions('replicate').parse(payload)
		expect(state).toMatchObject({
			id: started.predictionId,
			status: 'succeeded',
			modelId: 'replicate:minimax/video-01',
			usage: { unit: 'seconds', units: 6 },
			costMicros: 500_004,
		})
		expect(state.outputs).toEqual([{ kind: 'url', url: expect.stringMatching(/\.mp4$/) }])
	})

	it('sends the shape, resolution, length and first frame a video model takes, and nothing it does not', async () => {
		const image = { data: new Uint8Array(STUB_PNG), contentType: 'image/png' }
		const dataUri = `data:image/png;base64,${STUB_PNG.toString('base64')}`
		const chosen = { prompt: 'a kite', aspect: '9:16', resolution: '480p', durationSeconds: 10, seed: 7, image }
		const seedance = await providers.video('replicate:bytedance/seedance-1-lite').run(chosen)
		const minimax = await providers
			.video('replicate:minimax/video-01')
			.run({ ...chosen, aspect: '16:9', resolution: '720p', durationSeconds: 6 })
		for (const started of [seedance, minimax])
			if (started.status === 'pending') await stub.settled(started.predictionId)
		const [toSeedance, toMinimax] = creates()
		expect(toSeedance?.path).toBe('/v1/models/bytedance/seedance-1-lite/predictions')
		expect(toSeedance?.json).toMatchObject({
			input: { prompt: 'a kite', aspect_ratio: '9:16', resolution: '480p', duration: 10, seed: 7, image: dataUri },
		})
		expect(Object.keys((toSeedance?.json as { input: object }).input).sort()).toEqual(
			['aspect_ratio', 'duration', 'image', 'prompt', 'resolution', 'seed'].sort(),
		)
		// MiniMax makes one shape at one resolution: those are not sent; its first frame has its own field.
		expect((toMinimax?.json as { input: object }).input).toEqual({
			prompt: 'a kite',
			prompt_optimizer: true,
			first_frame_image: dataUri,
			duration: 6,
			seed: 7,
		})
	})

	it('polls music to completion when no webhook is used', async () => {
		const started = await providers
			.music('replicate:meta/musicgen')
			.run({ prompt: 'lofi piano', durationSeconds: 8, seed: 3 })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		const create = creates()[0]
		expect(create?.path).toBe('/v1/predictions')
		expect(create?.json).toMatchObject({
			version: '671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb',
			input: { prompt: 'lofi piano', duration: 8, output_format: 'wav', seed: 3 },
		})
		const predictions = providers.predictions('replicate')
		const seen: string[] = []
		const state = await waitFor(
			'the prediction to end',
			async () => {
				const current = await predictions.get(started.predictionId)
				seen.push(current.status)
				return ['succeeded', 'failed', 'canceled'].includes(current.status) && current
			},
			{ intervalMs: 10 },
		)
		expect(seen).toContain('processing')
		expect(state).toMatchObject({ status: 'succeeded', usage: { unit: 'seconds', units: 2.5 }, costMicros: 3_500 })
		expect(state.outputs).toEqual([{ kind: 'url', url: expect.stringMatching(/\.wav$/) }])
	})

	it('cancels a running prediction', async () => {
		stub.setLifecycle({ manual: true })
		const started = await providers.video('replicate:minimax/video-01').run({ prompt: 'never mind' })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		const state = await providers.predictions('replicate').cancel(started.predictionId)
		expect(state.status).toBe('canceled')
		expect(state.costMicros).toBeUndefined()
		await stub.settled(started.predictionId)
		const payload = new Webhook(stub.webhookSecret).verify(received[0]?.body ?? '', received[0]?.headers ?? {})
		expect(providers.predictions('replicate').parse(payload).status).toBe('canceled')
	})

	it('reports a failed prediction with a mapped error', async () => {
		stub.setLifecycle({ outcome: 'failed', error: 'CUDA out of memory' })
		const started = await providers.music('replicate:meta/musicgen').run({ prompt: 'x', durationSeconds: 5 })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		await stub.settled(started.predictionId)
		const state = await providers.predictions('replicate').get(started.predictionId)
		expect(state.status).toBe('failed')
		expect(state.error).toBeInstanceOf(ProviderError)
		expect(state.error).toMatchObject({ code: 'unavailable', retryable: true })
		expect(state.error?.message).toContain('CUDA out of memory')
		// Failed compute is still billed by GPU time.
		expect(state.costMicros).toBe(3_500)
	})

	it('rejects a tampered webhook body under the library check', async () => {
		const started = await providers.video('replicate:minimax/video-01').run({ prompt: 'tamper' })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		await stub.settled(started.predictionId)
		received.length = 0
		await stub.deliver(started.predictionId, { tamper: true })
		const delivery = received[0] as Received
		expect(() => new Webhook(stub.webhookSecret).verify(delivery.body, delivery.headers)).toThrow()
	})
})

describe('failures', () => {
	it('maps a content-safety failure onto content_refused', async () => {
		stub.setLifecycle({
			outcome: 'failed',
			error: 'NSFW content detected. Try running it again, or try a different prompt.',
		})
		await expect(
			providers.image('replicate:black-forest-labs/flux-schnell').run({ prompt: 'x' }),
		).rejects.toMatchObject({
			code: 'content_refused',
			retryable: false,
		})
	})

	it('maps a 429 onto rate_limited with Retry-After, without the SDK retrying', async () => {
		stub.enqueue('create', { status: 429, headers: { 'retry-after': '3' } })
		const error: unknown = await providers
			.image('replicate:black-forest-labs/flux-schnell')
			.run({ prompt: 'x' })
			.catch((e: unknown) => e)
		expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 3, retryable: true, status: 429 })
		expect(creates()).toHaveLength(1)
	})

	it('maps a 500 while polling onto unavailable, with one request', async () => {
		const started = await providers.video('replicate:minimax/video-01').run({ prompt: 'x' })
		if (started.status !== 'pending') throw new Error('expected a pending prediction')
		stub.enqueue('get', { status: 500 })
		await expect(providers.predictions('replicate').get(started.predictionId)).rejects.toMatchObject({
			code: 'unavailable',
			status: 500,
		})
		expect(stub.requests.filter(r => r.route === 'get')).toHaveLength(1)
	})

	it('maps a 422 onto invalid_request with the detail', async () => {
		stub.enqueue('create', { status: 422, detail: '- input.prompt: String length must be greater than or equal to 1' })
		await expect(providers.video('replicate:minimax/video-01').run({ prompt: '' })).rejects.toMatchObject({
			code: 'invalid_request',
			message: expect.stringContaining('input.prompt'),
		})
	})

	it('maps a slow answer onto timed_out', async () => {
		stub.enqueue('create', { delayMs: 5_000 })
		await expect(providers.video('replicate:minimax/video-01').run({ prompt: 'x' })).rejects.toMatchObject({
			code: 'timed_out',
		})
	})

	it('maps an abort by the caller onto canceled', async () => {
		stub.enqueue('create', { delayMs: 5_000 })
		const controller = new AbortController()
		const pending = providers.video('replicate:minimax/video-01').run({ prompt: 'x' }, controller.signal)
		// Canceled while the vendor holds the request back.
		await waitFor('the create request to reach the vendor', () => creates().length > 0)
		controller.abort()
		await expect(pending).rejects.toMatchObject({ code: 'canceled', retryable: false })
	})

	it('maps a rejected token onto a non-retryable unavailable', async () => {
		stub.enqueue('create', { status: 401 })
		await expect(providers.video('replicate:minimax/video-01').run({ prompt: 'x' })).rejects.toMatchObject({
			code: 'unavailable',
			retryable: false,
			message: expect.stringContaining('REPLICATE_API_TOKEN'),
		})
	})
})

describe('models sync', () => {
	it('confirms known models, follows new versions and drops the ones that are gone', async () => {
		const rows = await providers.syncModels()
		const byId = new Map(rows.map(r => [r.id, r]))
		expect(byId.get('replicate:black-forest-labs/flux-schnell')).toMatchObject({ available: true })
		expect(byId.get('replicate:black-forest-labs/flux-dev')).toMatchObject({ available: false })
		expect(byId.get('replicate:meta/musicgen')).toMatchObject({
			available: true,
			replicateVersion: 'newer-musicgen-version',
		})
		// Official models run by name: no version is pinned for them.
		expect(byId.get('replicate:minimax/video-01')?.replicateVersion).toBeUndefined()
	})
})
