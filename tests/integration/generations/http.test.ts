/**
 * The generation pipeline through the built server's HTTP interface: the JSON API, idempotency headers, the
 * event stream, signed media URLs, and the process surviving SIGTERM (drain) and SIGKILL (resume).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import type { OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { startOtlpCollector } from '#tests/fixtures/otlp-collector.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import { requestsFrom } from '#tests/support/suite-services.ts'
import { waitFor as waitUntil } from '#tests/support/wait.ts'
import type { RunningServer } from '#tests/support/server.ts'

type GenerationJson = {
	id: string
	status: string
	error: string | null
	outputs: Array<{ url: string; contentType: string; kind: string }>
}

const LIMITS = 'signup=1000/3600,generation=1000/60,write=1000/60'

async function waitFor(
	server: RunningServer,
	user: SignedIn,
	id: string,
	until: (g: GenerationJson) => boolean,
	timeoutMs = 20_000,
) {
	let status = ''
	return waitUntil(
		`generation ${id} to reach the state asked for`,
		async () => {
			const response = await fetch(`${server.url}/api/generations/${id}`, { headers: as(user, server.url) })
			const { generation } = (await response.json()) as { generation: GenerationJson }
			status = generation.status
			return until(generation) && generation
		},
		{ timeoutMs, intervalMs: 100, detail: () => `still ${status}` },
	)
}

async function generate(
	server: RunningServer,
	user: SignedIn,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
) {
	return fetch(`${server.url}/api/generate/image`, {
		method: 'POST',
		headers: as(user, server.url, { 'Content-Type': 'application/json', ...headers }),
		body: JSON.stringify(body),
	})
}

describe('generations over HTTP on the embedded default', () => {
	let server: RunningServer
	let user: SignedIn

	beforeAll(async () => {
		server = await startServer({ RATE_LIMITS: LIMITS })
		user = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
	})

	test('POST /api/generate/image answers 202; the image is served from our storage with its type', async () => {
		const response = await generate(server, user, { prompt: 'a lighthouse at dawn' })
		expect(response.status).toBe(202)
		const { generation } = (await response.json()) as { generation: GenerationJson }
		expect(response.headers.get('location')).toBe(`/api/generations/${generation.id}`)
		const done = await waitFor(server, user, generation.id, g => g.status === 'succeeded')
		const output = done.outputs[0]
		expect(output?.url).toMatch(/^\/media\/media\//)
		const file = await fetch(`${server.url}${output?.url}`)
		expect(file.status).toBe(200)
		expect(file.headers.get('content-type')).toBe('image/png')
		expect(
			Buffer.from(await file.arrayBuffer())
				.subarray(1, 4)
				.toString(),
		).toBe('PNG')
		// The signature is the only key: tampering with it is refused.
		const tampered = await fetch(`${server.url}${output?.url.replace(/sig=[^&]+/, 'sig=AAAA')}`)
		expect(tampered.status).toBe(403)
	})

	test('the same Idempotency-Key replays the first generation; a different body is 422', async () => {
		const headers = { 'Idempotency-Key': 'api-key-0001' }
		const first = (await (await generate(server, user, { prompt: 'once' }, headers)).json()) as {
			generation: GenerationJson
		}
		const again = await generate(server, user, { prompt: 'once' }, headers)
		expect(again.status).toBe(202)
		const replay = (await again.json()) as { generation: GenerationJson; replayed: boolean }
		expect(replay).toMatchObject({ replayed: true, generation: { id: first.generation.id } })
		const conflict = await generate(server, user, { prompt: 'something else' }, headers)
		expect(conflict.status).toBe(422)
		expect(await conflict.json()).toMatchObject({ error: { code: 'idempotency_conflict' } })
	})

	test('bad input is a 400 with field errors in the one JSON error shape', async () => {
		const response = await generate(server, user, { prompt: '   ', n: 9 })
		expect(response.status).toBe(400)
		const body = (await response.json()) as {
			error: { code: string; fields: Record<string, string[]>; requestId: string }
		}
		expect(body.error.code).toBe('invalid_request')
		expect(Object.keys(body.error.fields).sort()).toEqual(['n', 'prompt'])
		expect(body.error.requestId).toBe(response.headers.get('x-request-id'))
	})

	test('the event stream reports each status and is never compressed', async () => {
		const created = (await (await generate(server, user, { prompt: 'stream me' })).json()) as {
			generation: GenerationJson
		}
		const response = await fetch(`${server.url}/api/generations/${created.generation.id}/events`, {
			headers: as(user, server.url, { 'Accept-Encoding': 'gzip' }),
		})
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
		expect(response.headers.get('content-encoding')).toBeNull()
		const text = await response.text()
		const statuses = [...text.matchAll(/event: status\ndata: (\w+)/g)].map(m => m[1])
		expect(statuses.at(-1)).toBe('succeeded')
	})

	test("another user's generation is a 404, and anonymous requests are refused", async () => {
		const created = (await (await generate(server, user, { prompt: 'mine' })).json()) as { generation: GenerationJson }
		const other = await signUp(server.url)
		const peek = await fetch(`${server.url}/api/generations/${created.generation.id}`, {
			headers: as(other, server.url),
		})
		expect(peek.status).toBe(404)
		const anonymous = await fetch(`${server.url}/api/generations/${created.generation.id}`)
		expect(anonymous.status).toBe(401)
	})
})

describe('the model catalogue', () => {
	let server: RunningServer
	let openai: OpenAIStub

	beforeAll(async () => {
		openai = await startOpenAIStub({ models: ['gpt-4o-mini', 'gpt-image-1'] })
		server = await startServer({ RATE_LIMITS: LIMITS, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url })
	})
	afterAll(async () => {
		await server?.stop()
		await openai?.close()
	})

	test('GET /api/models is public and lists capabilities, prices and availability', async () => {
		const response = await fetch(`${server.url}/api/models`)
		expect(response.status).toBe(200)
		const { models } = (await response.json()) as { models: Array<{ id: string; available: boolean; prices: object }> }
		expect(models.find(m => m.id === 'offline:image')).toMatchObject({ available: true })
		expect(models.find(m => m.id === 'openai:gpt-image-1')?.prices).toHaveProperty('image')
	})

	test('an admin syncs the catalogue from the providers; other users may not', async () => {
		const admin = await signUp(server.url) // the first account is the admin
		const user = await signUp(server.url)
		expect((await fetch(`${server.url}/admin/models`, { headers: as(user, server.url) })).status).toBe(403)
		expect((await fetch(`${server.url}/admin/models`, { method: 'POST', headers: as(user, server.url) })).status).toBe(
			403,
		)

		const page = await fetch(`${server.url}/admin/models`, { headers: as(admin, server.url) })
		expect(page.status).toBe(200)
		expect(await page.text()).toContain('openai:gpt-4o-mini')
		const listings = requestsFrom(openai, 'models')
		const sync = await fetch(`${server.url}/admin/models`, {
			method: 'POST',
			headers: as(admin, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: 'intent=sync',
		})
		expect(sync.status).toBe(200)
		expect(await sync.text()).toMatch(/models synced/)
		expect(listings()).toHaveLength(1)
		// Models the server did not list are marked unavailable in the catalogue everyone sees.
		const { models } = (await (await fetch(`${server.url}/api/models`)).json()) as {
			models: Array<{ id: string; available: boolean }>
		}
		expect(models.find(m => m.id === 'openai:gpt-4o-mini')?.available).toBe(true)
		expect(models.find(m => m.id === 'openai:gpt-4o')?.available).toBe(false)
	})
})

// Each test here starts its own server (an embedded database created from nothing): two minutes each, as the other
// process tests have, so a busy machine cannot time them out.
describe('the process', () => {
	test('SIGTERM during a slow request lets it finish with 200, then exits 0', async () => {
		const openai = await startOpenAIStub()
		const server = await startServer({
			RATE_LIMITS: LIMITS,
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: openai.url,
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
		})
		try {
			const user = await signUp(server.url)
			openai.enqueue('images', { delayMs: 4000 })
			const created = (await (
				await generate(server, user, { prompt: 'slow', model: 'openai:gpt-image-1' })
			).json()) as {
				generation: GenerationJson
			}
			// The page of a pending generation streams for a moment, waiting for the next state: once its headers have
			// come, the request is in flight (its body still to come) when the signal arrives.
			const started = Date.now()
			const response = await fetch(`${server.url}/generations/${created.generation.id}`, {
				headers: as(user, server.url),
			})
			server.child.kill('SIGTERM')
			expect(response.status).toBe(200)
			expect(await response.text()).toContain('data-generation-status')
			expect(Date.now() - started).toBeGreaterThan(1000)
			expect(await server.exited).toBe(0)
			expect(server.output()).toContain('shutdown: in-flight requests finished')
		} finally {
			await server.stop()
			await openai.close()
		}
	}, 120_000)

	test('SIGKILL while a job runs: after a restart the job completes, once', async () => {
		const openai = await startOpenAIStub()
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-kill-'))
		const env = {
			RATE_LIMITS: LIMITS,
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: openai.url,
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
			DATA_DIR: dataDir,
		}
		let server = await startServer(env)
		try {
			const user = await signUp(server.url)
			openai.enqueue('images', { delayMs: 30_000 })
			const created = (await (
				await generate(server, user, { prompt: 'survive', model: 'openai:gpt-image-1' })
			).json()) as {
				generation: GenerationJson
			}
			await waitFor(server, user, created.generation.id, g => g.status === 'running')
			// Cut off while the provider is answering: the held (slow) answer is the first call's, so the retry
			// after the restart gets a prompt one. Killed between "running" and the call, the retry took the slow one.
			await waitUntil('the first image request to reach the provider', () =>
				openai.requests.some(r => r.route === 'images'),
			)
			server.child.kill('SIGKILL')
			await server.exited

			server = await startServer(env)
			const done = await waitFor(
				server,
				user,
				created.generation.id,
				g => g.status !== 'running' && g.status !== 'queued',
				30_000,
			)
			expect(done.status).toBe('succeeded')
			expect(done.outputs).toHaveLength(1)
			// Two calls reached the provider (the cut-off one and the retry), one result was recorded.
			expect(openai.requests.filter(r => r.route === 'images')).toHaveLength(2)
			const usage = await fetch(`${server.url}/api/generations/${created.generation.id}`, {
				headers: as(user, server.url),
			})
			expect(((await usage.json()) as { generation: { costMicros: number } }).generation.costMicros).toBeGreaterThan(0)
		} finally {
			await server.stop()
			await openai.close()
			fs.rmSync(dataDir, { recursive: true, force: true })
		}
	}, 120_000)

	test('one trace: POST -> action -> enqueue -> job -> provider call, with the GenAI attributes', async () => {
		const openai = await startOpenAIStub()
		const collector = await startOtlpCollector()
		const server = await startServer({
			RATE_LIMITS: LIMITS,
			OPENAI_API_KEY: 'sk-test',
			OPENAI_BASE_URL: openai.url,
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
			OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
			OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
			OTEL_BSP_SCHEDULE_DELAY: '100',
			OTEL_METRICS_EXPORTER: 'none',
			OTEL_LOGS_EXPORTER: 'none',
		})
		try {
			const user = await signUp(server.url)
			const response = await generate(server, user, { prompt: 'traced', model: 'openai:gpt-image-1' })
			const traceId = response.headers.get('x-trace-id')
			const { generation } = (await response.json()) as { generation: GenerationJson }
			await waitFor(server, user, generation.id, g => g.status === 'succeeded')
			// The job's CONSUMER span (`process generation.run`) ends after the provider call's (outputs are stored first): wait for both.
			await collector.waitFor(
				spans =>
					spans.some(s => s.traceId === traceId && s.kind === 3 && 'gen_ai.operation.name' in s.attributes) &&
					spans.some(s => s.traceId === traceId && s.name === 'process generation.run'),
			)
			const spans = collector.spans.filter(s => s.traceId === traceId)
			const names = spans.map(s => s.name)
			expect(spans.some(s => s.kind === 2 && s.attributes['http.request.method'] === 'POST')).toBe(true)
			expect(names).toContain('remix.action routes/api.generate.$kind')
			expect(names).toContain('process generation.run')
			const provider = spans.find(s => s.kind === 3 && 'gen_ai.operation.name' in s.attributes)
			expect(provider?.attributes).toMatchObject({
				'gen_ai.provider.name': 'openai',
				'gen_ai.request.model': 'gpt-image-1',
			})
			// The provider span descends from the job, which descends from the request.
			const byId = new Map(spans.map(s => [s.spanId, s]))
			const ancestry: string[] = []
			for (let s = provider; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) ancestry.push(s.name)
			expect(ancestry.indexOf('process generation.run')).toBeGreaterThan(0)
			expect(ancestry.indexOf('remix.action routes/api.generate.$kind')).toBeGreaterThan(
				ancestry.indexOf('process generation.run'),
			)
		} finally {
			await server.stop()
			await collector.close()
			await openai.close()
		}
	}, 120_000)
})
