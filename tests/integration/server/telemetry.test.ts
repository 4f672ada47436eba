/**
 * Telemetry of the built server against an OTLP receiver: HTTP server spans named after the Remix route, one
 * linked trace for a generation (request -> PRODUCER -> CONSUMER -> provider -> webhook), PGlite query spans,
 * log records carrying the trace id, the queue and database metrics, probes left out, and a bounded flush at
 * shutdown when the collector is gone. Without an endpoint nothing is instrumented, and logs still carry trace ids.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startOtlpCollector, type ExportedSpan } from '#tests/fixtures/otlp-collector.ts'
import { startReplicateStub, type ReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { freePort } from '#tests/support/redis.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { useTestServer } from '#tests/support/suite-services.ts'
import { waitFor } from '#tests/support/wait.ts'
import { UUID_SOURCE } from '#server/uuid.ts'

const SERVER = 2
const PRODUCER = 4
const CONSUMER = 5
const UUID = new RegExp(UUID_SOURCE, 'i')

function jsonLines(output: string): Array<Record<string, unknown>> {
	return output
		.split('\n')
		.filter(line => line.startsWith('{'))
		.map(line => JSON.parse(line) as Record<string, unknown>)
}

/** Walks up from `span` to the trace's root through the parent ids; returns the chain of span names. */
function ancestry(spans: ExportedSpan[], span: ExportedSpan | undefined): ExportedSpan[] {
	const byId = new Map(spans.map(s => [s.spanId, s]))
	const chain: ExportedSpan[] = []
	for (let cursor = span; cursor; cursor = cursor.parentSpanId ? byId.get(cursor.parentSpanId) : undefined) {
		chain.push(cursor)
	}
	return chain
}

describe('exporting to an OTLP endpoint', () => {
	let collector: Awaited<ReturnType<typeof startOtlpCollector>>
	let replicate: ReplicateStub
	let server: RunningServer
	let user: SignedIn

	beforeAll(async () => {
		collector = await startOtlpCollector()
		replicate = await startReplicateStub()
		// The webhook URL is built from PUBLIC_URL, so the port is chosen before the server starts.
		const port = await freePort()
		server = await startServer({
			PORT: String(port),
			PUBLIC_URL: `http://127.0.0.1:${port}`,
			OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
			OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
			OTEL_SERVICE_NAME: 'generation-studio-test',
			OTEL_BSP_SCHEDULE_DELAY: '100',
			OTEL_BLRP_SCHEDULE_DELAY: '100',
			OTEL_METRIC_EXPORT_INTERVAL: '500',
			TELEMETRY_FLUSH_TIMEOUT_MS: '1000',
			// JSON log lines, as in production.
			NODE_ENV: 'production',
			SESSION_SECRET: 'x'.repeat(40),
			REPLICATE_API_TOKEN: 'r8-test',
			REPLICATE_BASE_URL: replicate.url,
			REPLICATE_WEBHOOK_SECRET: replicate.webhookSecret,
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
			RATE_LIMITS: 'signup=1000/3600,generation=1000/60,write=1000/60',
		})
		user = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
		await replicate?.close()
		await collector?.close()
	})

	test('start-up says which signals are exported where', () => {
		const line = jsonLines(server.output()).find(l => String(l.message).startsWith('telemetry:'))
		expect(line?.telemetry).toEqual({
			traces: `${collector.url}/v1/traces`,
			metrics: `${collector.url}/v1/metrics`,
			logs: `${collector.url}/v1/logs`,
		})
	})

	test('a page request exports a server span with a remix.loader child in one trace, and its log line has the trace id', async () => {
		const response = await fetch(`${server.url}/`, { headers: { 'x-request-id': 'otel-trace-check' } })
		expect(response.status).toBe(200)
		const traceId = response.headers.get('x-trace-id')
		expect(traceId).toMatch(/^[0-9a-f]{32}$/)

		await collector.waitFor(
			spans =>
				spans.some(s => s.traceId === traceId && s.name === 'remix.loader root') &&
				spans.some(s => s.traceId === traceId && s.kind === SERVER),
		)
		const inTrace = collector.spans.filter(s => s.traceId === traceId)
		const serverSpan = inTrace.find(s => s.kind === SERVER)
		expect(serverSpan).toMatchObject({ name: 'GET /', attributes: { 'http.route': '/' } })
		const loader = inTrace.find(s => s.name === 'remix.loader root')
		expect(loader?.attributes['remix.route.id']).toBe('root')
		expect(ancestry(inTrace, loader).at(-1)?.spanId).toBe(serverSpan?.spanId)

		const logLine = jsonLines(server.output()).find(
			entry => entry.request_id === 'otel-trace-check' && entry.message === 'request',
		)
		expect(logLine).toMatchObject({ trace_id: traceId, method: 'GET', path: '/', status: 200 })
	})

	test('server spans and the request duration metric carry the route pattern, never the raw id; probes are not traced', async () => {
		const id = '00000000-0000-4000-8000-00000000abcd'
		await fetch(`${server.url}/healthz`)
		await fetch(`${server.url}/readyz`)
		const page = await fetch(`${server.url}/generations/${id}`, { headers: as(user, server.url) })
		expect(page.status).toBe(404)
		const traceId = page.headers.get('x-trace-id')
		await collector.waitFor(spans => spans.some(s => s.traceId === traceId && s.kind === SERVER))
		const serverSpan = collector.spans.find(s => s.traceId === traceId && s.kind === SERVER)
		expect(serverSpan?.name).toBe('GET /generations/:id')
		expect(serverSpan?.attributes['http.route']).toBe('/generations/:id')

		expect(collector.spans.filter(s => /healthz|readyz/.test(String(s.attributes['url.path'] ?? s.name)))).toEqual([])
		expect(collector.spans.filter(s => s.kind === SERVER && UUID.test(s.name))).toEqual([])

		await collector.waitForPoints(points =>
			points.some(p => p.name === 'http.server.request.duration' && p.attributes['http.route'] === '/generations/:id'),
		)
		const routes = collector.points.filter(p => p.name === 'http.server.request.duration').map(p => p.attributes)
		expect(routes.filter(a => UUID.test(String(a['http.route'] ?? '')))).toEqual([])
		// The exporter's own requests are not HTTP client calls of the application.
		const clientPorts = collector.points
			.filter(p => p.name === 'http.client.request.duration')
			.map(p => p.attributes['server.port'])
		expect(clientPorts).not.toContain(Number(new URL(collector.url).port))
	})

	test('a video generation through Replicate and its webhook is one linked trace with job, database and log records, and the queue metrics', async () => {
		const response = await fetch(`${server.url}/api/generate/video`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ prompt: 'waves at night', model: 'replicate:minimax/video-01', durationSeconds: 6 }),
		})
		expect(response.status).toBe(202)
		const traceId = response.headers.get('x-trace-id') ?? ''
		const { generation } = (await response.json()) as { generation: { id: string } }

		// Done once the webhook completed it.
		let status = ''
		await waitFor(
			`generation ${generation.id} to succeed`,
			async () => {
				const poll = await fetch(`${server.url}/api/generations/${generation.id}`, { headers: as(user, server.url) })
				status = ((await poll.json()) as { generation: { status: string } }).generation.status
				expect(status).not.toBe('failed')
				return status === 'succeeded'
			},
			{ timeoutMs: 30_000, intervalMs: 100, detail: () => `still ${status}` },
		)
		expect(replicate.webhooks.map(w => w.status)).toEqual([200])

		await collector.waitFor(
			spans =>
				spans.some(s => s.traceId === traceId && s.name === 'generation.complete') &&
				spans.some(s => s.kind === SERVER && s.name === 'POST /api/webhooks/replicate'),
		)
		const inTrace = collector.spans.filter(s => s.traceId === traceId)
		const names = inTrace.map(s => s.name)

		// The request: a server span named after its route.
		const request = inTrace.find(s => s.kind === SERVER)
		expect(request).toMatchObject({
			name: 'POST /api/generate/:kind',
			attributes: { 'http.route': '/api/generate/:kind' },
		})

		// The job: a PRODUCER span under the request, the CONSUMER span under the producer.
		const producer = inTrace.find(s => s.kind === PRODUCER && s.name === 'send generation.run')
		expect(producer?.attributes).toMatchObject({
			'messaging.operation.type': 'send',
			'messaging.destination.name': 'generation.run',
		})
		expect(ancestry(inTrace, producer).at(-1)?.spanId).toBe(request?.spanId)
		const consumer = inTrace.find(s => s.kind === CONSUMER && s.name === 'process generation.run')
		expect(consumer?.parentSpanId).toBe(producer?.spanId)
		expect(consumer?.attributes).toMatchObject({
			'messaging.operation.type': 'process',
			'messaging.destination.name': 'generation.run',
			'messaging.message.id': producer?.attributes['messaging.message.id'],
		})
		expect(consumer?.status?.code ?? 0).not.toBe(2)

		// The provider call under the job, and PGlite statements in the request and the job.
		const provider = inTrace.find(s => s.name === 'generate_content minimax/video-01')
		expect(ancestry(inTrace, provider).map(s => s.spanId)).toContain(consumer?.spanId)
		const queries = inTrace.filter(s => s.name.startsWith('pglite.query:'))
		expect(queries.length, names.join(', ')).toBeGreaterThan(3)
		expect(queries[0]?.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.namespace': 'postgres' })
		expect(queries.some(q => ancestry(inTrace, q).some(s => s.spanId === consumer?.spanId))).toBe(true)
		expect(queries.some(q => ancestry(inTrace, q).some(s => s.spanId === request?.spanId))).toBe(true)

		// The webhook arrives as a request of its own: its work continues the generation's trace, linked both ways.
		const complete = inTrace.find(s => s.name === 'generation.complete')
		expect(complete?.attributes['generation_studio.generation.id']).toBe(generation.id)
		const webhook = collector.spans.find(
			s => s.kind === SERVER && s.name === 'POST /api/webhooks/replicate' && s.traceId !== traceId,
		)
		expect(webhook?.attributes['http.route']).toBe('/api/webhooks/replicate')
		// The span that handled the delivery (the webhook's action, under its server span) and the completion link
		// to each other.
		const [link] = complete?.links ?? []
		const handler = collector.spans.find(s => s.spanId === link?.spanId)
		expect(handler?.traceId).toBe(webhook?.traceId)
		expect(handler?.name).toBe('remix.action routes/api.webhooks.replicate')
		expect(ancestry(collector.spans, handler).at(-1)?.spanId).toBe(webhook?.spanId)
		expect(handler?.links).toEqual([expect.objectContaining({ traceId, spanId: complete?.spanId })])

		// Log records exported over OTLP, stamped with the same trace.
		await collector.waitForLogs(logs => logs.some(l => l.traceId === traceId))
		const records = collector.logs.filter(l => l.traceId === traceId)
		expect(records.some(r => r.body === 'request' && r.attributes.path === '/api/generate/video')).toBe(true)

		// pg-boss's own polling and maintenance start no traces.
		const rootQueueQueries = collector.spans.filter(
			s => !s.parentSpanId && String(s.attributes['db.query.text'] ?? '').includes('pgboss.'),
		)
		expect(rootQueueQueries.map(s => s.name)).toEqual([])

		// Metrics: queue depth and oldest age per queue, job wait and run, database durations, the webhook's cost.
		await collector.waitForPoints(points =>
			points.some(
				p =>
					p.name === 'generation_studio.provider.cost' && p.attributes['gen_ai.request.model'] === 'minimax/video-01',
			),
		)
		const metric = (name: string) => collector.points.filter(p => p.name === name)
		for (const name of ['generation_studio.job.queue.depth', 'generation_studio.job.queue.oldest_age']) {
			expect(metric(name).map(p => p.attributes['messaging.destination.name'])).toContain('generation.run')
		}
		expect(
			metric('messaging.process.duration').some(
				p => p.attributes['messaging.destination.name'] === 'generation.run' && (p.count ?? 0) >= 1,
			),
		).toBe(true)
		expect(metric('generation_studio.job.wait.duration').some(p => (p.count ?? 0) >= 1)).toBe(true)
		expect(metric('db.client.operation.duration').some(p => p.attributes['db.system.name'] === 'postgresql')).toBe(true)
		// 6 seconds of video at the catalogue's price, counted when the webhook completed it.
		const cost = metric('generation_studio.provider.cost').filter(
			p => p.attributes['gen_ai.request.model'] === 'minimax/video-01',
		)
		expect(cost.at(-1)?.value).toBeGreaterThan(0)
	})

	test('SIGTERM with the collector gone: the flush gives up within its limit, warns, and the process exits 0', async () => {
		await collector.close()
		// Something left to send.
		await fetch(`${server.url}/`)
		const code = await server.stop('SIGTERM')
		const lines = jsonLines(server.output())
		expect(code).toBe(0)
		expect(lines.some(l => l.message === 'shutdown failed')).toBe(false)
		expect(lines.at(-1)?.message).toBe('shutdown: done')
	})
})

describe('without an OTLP endpoint', () => {
	const t = useTestServer({
		env: {
			NODE_ENV: 'production',
			SESSION_SECRET: 'y'.repeat(40),
			PUBLIC_URL: 'http://127.0.0.1',
		},
	})

	test('nothing is instrumented, start-up says so, and each request still has a trace id in its log lines', async () => {
		const lines = () => jsonLines(t.server.output())
		expect(lines().find(l => String(l.message).startsWith('telemetry:'))?.message).toMatch(/^telemetry: off/)
		const response = await fetch(`${t.server.url}/`, { headers: { 'x-request-id': 'no-otel' } })
		const traceId = response.headers.get('x-trace-id')
		expect(traceId).toMatch(/^[0-9a-f]{32}$/)
		const again = await fetch(`${t.server.url}/`)
		expect(again.headers.get('x-trace-id')).not.toBe(traceId)
		await waitFor("the request's log line", () => lines().some(l => l.request_id === 'no-otel'), { timeoutMs: 5_000 })
		expect(lines().find(l => l.request_id === 'no-otel')).toMatchObject({ message: 'request', trace_id: traceId })
	})
})
