/**
 * The generation pipeline with everything real but the vendors: the services as production wires them, on
 * PGlite and (with DATABASE_URL) Postgres, the job engine running, the real openai and replicate SDKs talking
 * to stub servers, outputs fetched through the safe fetcher into local storage.
 */
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Services } from '#server/services.ts'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import type { OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { signWebhook, startReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import type { ReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { startTestServices } from '#tests/support/services.ts'
import type { TestServices } from '#tests/support/services.ts'
import { listenLocal } from '#tests/support/listen.ts'
import { requestsFrom } from '#tests/support/suite-services.ts'
import { bytesOf, created, imageRequest, reach, settle, settled } from '#tests/support/generations.ts'

const image = imageRequest
/** A six-second clip on Replicate's MiniMax model (finished by a webhook or by polling). */
const minimax = (prompt: string) =>
	({ kind: 'video', prompt, model: 'replicate:minimax/video-01', durationSeconds: 6 }) as const

async function rows(services: Services, sql: string, params: unknown[] = []) {
	return services.db.privileged(tx => tx.query<Record<string, unknown>>(sql, params))
}

/** A tiny public endpoint for Replicate's webhooks, handing the raw body to the same code the route uses. */
async function startWebhookReceiver(services: () => Services) {
	const state = { refuse: false }
	const server = http.createServer((req, res) => {
		if (state.refuse) {
			res.writeHead(503).end()
			return
		}
		let body = ''
		req.on('data', (c: Buffer) => (body += c.toString()))
		req.on('end', () => {
			const headers = new Headers()
			for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
			services()
				.webhooks.replicate.receive(body, headers)
				.then(outcome => res.writeHead('refused' in outcome ? outcome.status : 200).end(JSON.stringify(outcome)))
				.catch(() => res.writeHead(500).end())
		})
	})
	return { url: `http://127.0.0.1:${await listenLocal(server)}`, state, close: () => server.close() }
}

describe.each(testDrivers())('generations on %s', driver => {
	let openai: OpenAIStub
	let replicate: ReplicateStub
	let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>
	let t: TestServices
	let services: Services

	beforeAll(async () => {
		openai = await startOpenAIStub()
		replicate = await startReplicateStub({ lifecycle: { startingMs: 50, processingMs: 150, outcome: 'succeeded' } })
		receiver = await startWebhookReceiver(() => services)
		t = await startTestServices(driver, {
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: openai.url,
			REPLICATE_API_TOKEN: 'r8-test',
			REPLICATE_BASE_URL: replicate.url,
			REPLICATE_WEBHOOK_SECRET: replicate.webhookSecret,
			PUBLIC_URL: receiver.url,
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
			PROVIDER_TIMEOUT_SECONDS: '2',
		})
		services = t.services
	})
	afterAll(async () => {
		await t?.dispose()
		receiver?.close()
		await openai?.close()
		await replicate?.close()
	})

	test('offline: an image is generated, stored as a PNG and served from our storage', async () => {
		const user = await createUser(services.db)
		const created = await services.generations.create(user, image('a lighthouse', { model: 'offline:image' }))
		if ('refused' in created) throw new Error(created.message)
		expect(created.generation.status).toBe('queued')
		const done = await settle(services, user.id, created.generation.id)
		expect(done.status).toBe('succeeded')
		expect(done.outputs).toHaveLength(1)
		expect(done.outputs[0]).toMatchObject({ bucket: 'media', contentType: 'image/png', kind: 'image' })
		expect(done.outputs[0]?.key.startsWith(`${user.id}/`)).toBe(true)
		const stored = await bytesOf(services, done.outputs[0]?.key ?? '')
		expect(stored.subarray(1, 4).toString()).toBe('PNG')
		const usage = await rows(
			services,
			'select provider, capability, cost_micros from api_usage where generation_id = $1',
			[done.id],
		)
		expect(usage.rows).toEqual([{ provider: 'offline', capability: 'image', cost_micros: 0 }])
	})

	test('OpenAI through the real SDK: base64 and URL outputs end in storage, with usage and cost', async () => {
		const user = await createUser(services.db)
		openai.enqueue('images', { imageFormat: 'url' })
		const viaUrl = await services.generations.create(user, image('a red fox', { model: 'openai:gpt-image-1' }))
		const viaB64 = await services.generations.create(user, image('a blue fox', { model: 'openai:gpt-image-1' }))
		if ('refused' in viaUrl || 'refused' in viaB64) throw new Error('refused')
		for (const created of [viaUrl, viaB64]) {
			const done = await settle(services, user.id, created.generation.id)
			expect(done.status, done.error ?? '').toBe('succeeded')
			expect(done.outputs[0]?.contentType).toBe('image/png')
			expect(done.costMicros).toBeGreaterThan(0)
			const usage = await rows(services, 'select cost_micros, unit, units from api_usage where generation_id = $1', [
				done.id,
			])
			expect(usage.rows).toHaveLength(1)
			expect(Number(usage.rows[0]?.cost_micros)).toBe(done.costMicros)
		}
		// The analytics page's summary: this month's cost by model, as the user sees it.
		const summary = await services.usage.summary(user)
		expect(summary.byModel).toEqual([
			expect.objectContaining({ model: 'openai:gpt-image-1', capability: 'image', calls: 2 }),
		])
		expect(summary.monthCostMicros).toBeGreaterThan(0)
		expect(summary.byDay).toHaveLength(1)
	})

	test('resubmitting with the same idempotency key creates nothing new; a different body is refused', async () => {
		const user = await createUser(services.db)
		const first = await services.generations.create(user, image('one key'), { idempotencyKey: 'form-key-12345' })
		const again = await services.generations.create(user, image('one key'), { idempotencyKey: 'form-key-12345' })
		if ('refused' in first || 'refused' in again) throw new Error('refused')
		expect(again.replayed).toBe(true)
		expect(again.generation.id).toBe(first.generation.id)
		const other = await services.generations.create(user, image('another prompt'), { idempotencyKey: 'form-key-12345' })
		expect(other).toMatchObject({ refused: true, status: 422, code: 'idempotency_conflict' })
		const count = await rows(services, 'select count(*)::int as n from generations where user_id = $1', [user.id])
		expect(count.rows[0]?.n).toBe(1)
	})

	test('a user over budget is refused before any provider call', async () => {
		const user = await createUser(services.db, { monthlyBudgetUsd: 0 })
		const before = openai.requests.length
		const result = await services.generations.create(user, image('too expensive', { model: 'openai:gpt-image-1' }))
		expect(result).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		expect('refused' in result && result.message).toMatch(/monthly budget/)
		const count = await rows(services, 'select count(*)::int as n from generations where user_id = $1', [user.id])
		expect(count.rows[0]?.n).toBe(0)
		expect(openai.requests.length).toBe(before)
	})

	test('a 429 storm is retried with backoff, then reported in words', async () => {
		const user = await createUser(services.db)
		const images = requestsFrom(openai, 'images')
		openai.enqueue(
			'images',
			...Array.from({ length: 3 }, () => ({
				status: 429,
				headers: { 'retry-after': '0' },
				error: { message: 'Rate limit reached' },
			})),
		)
		const done = await settled(services, user, image('storm', { model: 'openai:gpt-image-1' }))
		expect(done.status).toBe('failed')
		expect(done.error).toMatch(/rate|busy|too many|limit/i)
		expect(images()).toHaveLength(3)
	})

	test('a provider that does not answer in time fails the generation with a readable message', async () => {
		const user = await createUser(services.db)
		openai.enqueue('images', { delayMs: 5000 }, { delayMs: 5000 }, { delayMs: 5000 })
		const done = await settled(services, user, image('slow', { model: 'openai:gpt-image-1' }), 30_000)
		expect(done.status).toBe('failed')
		expect(done.error).toMatch(/time|did not answer|too long/i)
		expect(done.error).not.toMatch(/Error:|at \w+ \(/)
	})

	test('Replicate video completed by a signed webhook, and replays change nothing', async () => {
		const user = await createUser(services.db)
		const done = await settled(services, user, minimax('waves'))
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.outputs[0]?.kind).toBe('video')
		const prediction = replicate.predictions.get(done.predictionId ?? '')
		expect(prediction?.webhook).toBe(`${receiver.url}/api/webhooks/replicate`)
		await replicate.settled(done.predictionId ?? '')
		const delivered = replicate.webhooks.filter(w => w.body.includes(done.predictionId ?? '-'))
		expect(
			delivered.map(w => w.status),
			JSON.stringify(delivered),
		).toContain(200)
		const usage = await rows(services, 'select count(*)::int as n from api_usage where generation_id = $1', [done.id])
		expect(usage.rows[0]?.n).toBe(1)

		// The same delivery again: accepted as a duplicate, nothing changes.
		const replay = await replicate.deliver(done.predictionId ?? '')
		expect(replay.status).toBe(200)
		const after = await rows(services, 'select count(*)::int as n from api_usage where generation_id = $1', [done.id])
		expect(after.rows[0]?.n).toBe(1)
	})

	test('Replicate video with no webhook is completed by polling', async () => {
		const user = await createUser(services.db)
		// The receiver is down: only polling can finish this one.
		receiver.state.refuse = true
		const polls = () => replicate.requests.filter(r => r.route === 'get').length
		const pollsBefore = polls()
		const done = await settled(services, user, minimax('no webhook'), 30_000)
		receiver.state.refuse = false
		expect(done.status).toBe('succeeded')
		expect(polls()).toBeGreaterThan(pollsBefore)
		expect(replicate.webhooks.filter(w => w.body.includes(done.predictionId ?? '-')).every(w => w.status !== 200)).toBe(
			true,
		)
	})

	test('webhooks: missing headers, bad signature, a timestamp 6 minutes off and a re-serialised body are refused', async () => {
		const receive = services.webhooks.replicate.receive
		const secret = replicate.webhookSecret
		const body = JSON.stringify({ id: 'p-unknown', status: 'succeeded', output: ['https://replicate.delivery/x.mp4'] })
		const now = Math.floor(Date.now() / 1000)
		const headers = (id: string, ts: number, signature: string) =>
			new Headers({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature })

		expect(await receive(body, new Headers())).toMatchObject({ refused: true, status: 401, code: 'missing_signature' })
		expect(await receive(body, headers('msg_1', now, 'v1,AAAA'))).toMatchObject({
			refused: true,
			code: 'bad_signature',
		})
		const old = now - 6 * 60
		expect(await receive(body, headers('msg_2', old, signWebhook(secret, 'msg_2', String(old), body)))).toMatchObject({
			refused: true,
			code: 'bad_signature',
		})
		const signed = signWebhook(secret, 'msg_3', String(now), body)
		const reserialised = JSON.stringify(JSON.parse(body), null, 2)
		expect(await receive(reserialised, headers('msg_3', now, signed))).toMatchObject({
			refused: true,
			code: 'bad_signature',
		})
		expect(await receive(body, headers('msg_3', now, signed))).toEqual({ accepted: true, duplicate: false })
		expect(await receive(body, headers('msg_3', now, signed))).toEqual({ accepted: true, duplicate: true })
	})

	/** A MiniMax clip of the user's once Replicate is processing it (where a manual lifecycle keeps it). */
	async function processing(user: { id: string }, prompt: string) {
		const id = created(await services.generations.create(user, minimax(prompt))).id
		return reach(services, user.id, id, 'processing')
	}

	test('cancel stops a pending generation; a late completion does not revive it', async () => {
		const user = await createUser(services.db)
		replicate.setLifecycle({ manual: true })
		try {
			const current = await processing(user, 'cancel me')
			const canceled = await services.generations.cancel(user, current.id)
			expect('refused' in canceled ? canceled.code : canceled.status).toBe('canceled')
			await replicate.complete(current.predictionId ?? '', 'succeeded')
			const after = await services.generations.get(user, current.id)
			expect('refused' in after ? null : after.status).toBe('canceled')
		} finally {
			replicate.setLifecycle({ manual: false, startingMs: 50, processingMs: 150 })
		}
	})

	test.each([
		['file:///etc/passwd', 'file:'],
		['HTTPS://replicate.delivery/x.mp4', 'HTTPS:'],
	])('a webhook whose output is %s fails the generation with a message', async (output, scheme) => {
		const user = await createUser(services.db)
		replicate.setLifecycle({ manual: true })
		try {
			const current = await processing(user, `odd output ${scheme}`)
			const body = JSON.stringify({ id: current.predictionId, status: 'succeeded', output: [output] })
			const id = `msg_${current.id}`
			const ts = String(Math.floor(Date.now() / 1000))
			const headers = new Headers({
				'webhook-id': id,
				'webhook-timestamp': ts,
				'webhook-signature': signWebhook(replicate.webhookSecret, id, ts, body),
			})
			expect(await services.webhooks.replicate.receive(body, headers)).toEqual({ accepted: true, duplicate: false })
			const done = await settle(services, user.id, current.id)
			expect(done.status).toBe('failed')
			expect(done.outputs).toEqual([])
			expect(done.error).toContain(`an output at a ${scheme} address`)
		} finally {
			replicate.setLifecycle({ manual: false, startingMs: 50, processingMs: 150 })
		}
	})

	test("another user's generation cannot be read, canceled or deleted", async () => {
		const owner = await createUser(services.db)
		const other = await createUser(services.db)
		const created = await services.generations.create(owner, image('private'))
		if ('refused' in created) throw new Error(created.message)
		const id = created.generation.id
		expect(await services.generations.get(other, id)).toMatchObject({ refused: true, status: 404 })
		expect(await services.generations.cancel(other, id)).toMatchObject({ refused: true, status: 404 })
		expect(await services.generations.remove(other, id)).toMatchObject({ refused: true, status: 404 })
		expect((await services.generations.list(other)).map(g => g.id)).not.toContain(id)
	})
})
