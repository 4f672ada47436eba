import { afterAll, beforeAll, expect, test } from 'vitest'
import { startOtlpCollector } from '#tests/fixtures/otlp-collector.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'

let collector: Awaited<ReturnType<typeof startOtlpCollector>>
let server: RunningServer

beforeAll(async () => {
	collector = await startOtlpCollector()
	server = await startServer({
		OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
		OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
		OTEL_SERVICE_NAME: 'generation-studio-test',
		OTEL_BSP_SCHEDULE_DELAY: '100',
		OTEL_METRICS_EXPORTER: 'none',
		OTEL_LOGS_EXPORTER: 'none',
		// JSON log lines, as in production.
		NODE_ENV: 'production',
		SESSION_SECRET: 'x'.repeat(40),
		PUBLIC_URL: 'http://127.0.0.1',
	})
})
afterAll(async () => {
	await server?.stop()
	await collector?.close()
})

test('a page request exports a server span with a remix.loader child in one trace, and its log line has the trace id', async () => {
	const response = await fetch(`${server.url}/`, { headers: { 'x-request-id': 'otel-trace-check' } })
	expect(response.status).toBe(200)
	const traceId = response.headers.get('x-trace-id')
	expect(traceId).toMatch(/^[0-9a-f]{32}$/)

	await collector.waitFor(
		spans =>
			spans.some(s => s.traceId === traceId && s.name === 'remix.loader root') &&
			spans.some(s => s.traceId === traceId && s.kind === 2),
	)
	const inTrace = collector.spans.filter(s => s.traceId === traceId)
	const serverSpan = inTrace.find(s => s.kind === 2 && s.attributes['http.request.method'] === 'GET')
	expect(serverSpan, `spans: ${inTrace.map(s => `${s.name}/${s.kind}`).join(', ')}`).toBeDefined()
	const loader = inTrace.find(s => s.name === 'remix.loader root')
	expect(loader?.attributes['remix.route.id']).toBe('root')

	// The loader span descends from the server span (through express's own spans).
	const byId = new Map(inTrace.map(s => [s.spanId, s]))
	let cursor = loader
	while (cursor?.parentSpanId && cursor.spanId !== serverSpan?.spanId) cursor = byId.get(cursor.parentSpanId)
	expect(cursor?.spanId).toBe(serverSpan?.spanId)

	await new Promise(resolve => setTimeout(resolve, 100))
	const logLine = server
		.output()
		.split('\n')
		.filter(line => line.startsWith('{'))
		.map(line => JSON.parse(line) as Record<string, unknown>)
		.find(entry => entry.request_id === 'otel-trace-check' && entry.message === 'request')
	expect(logLine).toMatchObject({ trace_id: traceId, method: 'GET', path: '/', status: 200 })
})
