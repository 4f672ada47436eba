/**
 * Provider calls under a real OpenTelemetry SDK (in-memory exporters): one CLIENT span per call with the
 * GenAI attributes, error status on failure, and the duration, token and cost metrics.
 */
import { SpanKind, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
	AggregationTemporality,
	InMemoryMetricExporter,
	MeterProvider,
	PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Writable } from 'node:stream'
import winston from 'winston'
import { loadConfig } from '#server/config.ts'
import { configureLogger, logger } from '#server/logger.ts'
import { createProviders, type ProviderRegistry } from '#server/providers/registry.ts'
import { startOpenAIStub, type OpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { openaiEnv } from '#tests/support/suite-services.ts'

const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })
const meterProvider = new MeterProvider({ readers: [reader] })
const contextManager = new AsyncLocalStorageContextManager()

let stub: OpenAIStub
let providers: ProviderRegistry

beforeAll(async () => {
	context.setGlobalContextManager(contextManager.enable())
	trace.setGlobalTracerProvider(tracerProvider)
	metrics.setGlobalMeterProvider(meterProvider)
	stub = await startOpenAIStub()
	const config = loadConfig({ NODE_ENV: 'test', ...openaiEnv(stub) }, [])
	// Instruments are made here, after the SDK is registered, as server.ts does.
	providers = createProviders(config, { timeouts: { default: 1_000 }, offline: { chunkDelayMs: 1 } })
})

afterAll(async () => {
	await stub.close()
	await meterProvider.shutdown()
	await tracerProvider.shutdown()
	trace.disable()
	metrics.disable()
	context.disable()
})

beforeEach(() => {
	spans.reset()
	stub.reset()
})

async function drain(stream: AsyncIterable<string>): Promise<string> {
	let text = ''
	for await (const delta of stream) text += delta
	return text
}

async function metricPoints(name: string) {
	await reader.forceFlush()
	const all = metricExporter.getMetrics().at(-1)
	const metric = all?.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === name)
	return metric?.dataPoints ?? []
}

describe('provider spans', () => {
	it('wraps a streamed chat in one CLIENT span named "chat {model}" with the GenAI attributes', async () => {
		await drain(providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }))
		const finished = spans.getFinishedSpans()
		const span = finished.find(s => s.name === 'chat gpt-4o-mini')
		expect(span).toBeDefined()
		expect(span?.kind).toBe(SpanKind.CLIENT)
		expect(span?.status.code).not.toBe(SpanStatusCode.ERROR)
		expect(span?.attributes).toMatchObject({
			'gen_ai.operation.name': 'chat',
			'gen_ai.provider.name': 'openai',
			'gen_ai.request.model': 'gpt-4o-mini',
			'gen_ai.usage.input_tokens': 12,
			'gen_ai.usage.output_tokens': 5,
			'gen_ai.output.type': 'text',
			'gen_ai.response.finish_reasons': ['stop'],
			'generation_studio.cost_micros': 5,
		})
		expect(span?.events.map(e => e.name)).toContain('gen_ai.first_chunk')
	})

	it('parents the call under the caller’s active span', async () => {
		const tracer = trace.getTracer('test')
		await tracer.startActiveSpan('job generation.image', async parent => {
			await providers.image('openai:gpt-image-1').run({ prompt: 'x' })
			parent.end()
		})
		const finished = spans.getFinishedSpans()
		const parent = finished.find(s => s.name === 'job generation.image')
		const child = finished.find(s => s.name === 'generate_content gpt-image-1')
		expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId)
		expect(child?.spanContext().traceId).toBe(parent?.spanContext().traceId)
		expect(child?.attributes).toMatchObject({
			'gen_ai.operation.name': 'generate_content',
			'gen_ai.output.type': 'image',
			'generation_studio.usage.unit': 'images',
			'generation_studio.usage.units': 1,
			'generation_studio.cost_micros': 42_000,
		})
	})

	it('marks a failed call with error status and error.type', async () => {
		stub.enqueue('chat', { status: 429, headers: { 'retry-after': '2' } })
		await expect(
			drain(providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'x' }] })),
		).rejects.toMatchObject({
			code: 'rate_limited',
		})
		const span = spans.getFinishedSpans().find(s => s.name === 'chat gpt-4o-mini')
		expect(span?.status.code).toBe(SpanStatusCode.ERROR)
		expect(span?.attributes['error.type']).toBe('rate_limited')
		expect(span?.events.some(e => e.name === 'exception')).toBe(true)
	})

	it('logs each failed call once, inside its trace, with the vendor status and our error kind', async () => {
		const lines: Array<Record<string, unknown>> = []
		const stream = new Writable({
			write(chunk: Buffer, _encoding, done) {
				lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
				done()
			},
		})
		// The test logger is silent: log at info into this stream only, with the server's own formats.
		configureLogger({ level: 'info', json: true })
		logger.clear().add(new winston.transports.Stream({ stream, format: winston.format.json() }))
		try {
			for (const [status, kind] of [
				[429, 'rate_limited'],
				[500, 'unavailable'],
			] as const) {
				lines.length = 0
				spans.reset()
				stub.enqueue('chat', { status })
				await expect(
					drain(providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'x' }] })),
				).rejects.toMatchObject({ code: kind })
				const span = spans.getFinishedSpans().find(s => s.name === 'chat gpt-4o-mini')
				const failures = lines.filter(l => l.message === 'provider call failed')
				expect(failures).toHaveLength(1)
				expect(failures[0]).toMatchObject({
					provider: 'openai',
					model: 'gpt-4o-mini',
					capability: 'chat',
					provider_status: status,
					error_kind: kind,
					trace_id: span?.spanContext().traceId,
					span_id: span?.spanContext().spanId,
				})
			}
		} finally {
			configureLogger({ level: 'error', json: false, silent: true })
		}
	})

	it('traces the offline provider the same way', async () => {
		await providers.speech('offline:speech').run({ text: 'hello' })
		const span = spans.getFinishedSpans().find(s => s.name === 'generate_content speech')
		expect(span?.attributes).toMatchObject({
			'gen_ai.provider.name': 'offline',
			'gen_ai.request.model': 'speech',
			'gen_ai.output.type': 'speech',
			'generation_studio.model_id': 'offline:speech',
		})
	})

	it('ends the span when the reader stops early', async () => {
		const stream = providers.chat('offline:chat').stream({ messages: [{ role: 'user', content: 'hi there' }] })
		const seen: string[] = []
		for await (const delta of stream) {
			seen.push(delta)
			break
		}
		expect(seen).toHaveLength(1)
		const span = spans.getFinishedSpans().find(s => s.name === 'chat chat')
		expect(span?.attributes['generation_studio.stopped_early']).toBe(true)
	})
})

describe('provider metrics', () => {
	it('records duration, token usage and cost', async () => {
		await drain(providers.chat('openai:gpt-4o-mini').stream({ messages: [{ role: 'user', content: 'hi' }] }))
		const durations = await metricPoints('gen_ai.client.operation.duration')
		expect(durations.some(p => p.attributes['gen_ai.request.model'] === 'gpt-4o-mini')).toBe(true)
		const tokens = await metricPoints('gen_ai.client.token.usage')
		const input = tokens.find(
			p => p.attributes['gen_ai.token.type'] === 'input' && p.attributes['gen_ai.request.model'] === 'gpt-4o-mini',
		)
		expect(input?.value).toMatchObject({ count: expect.any(Number), sum: expect.any(Number) })
		const cost = await metricPoints('generation_studio.provider.cost')
		const total = cost
			.filter(p => p.attributes['gen_ai.provider.name'] === 'openai')
			.reduce((sum, p) => sum + Number(p.value), 0)
		expect(total).toBeGreaterThanOrEqual(5)
	})
})
