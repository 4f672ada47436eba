/**
 * Cancel and tracing of workflow runs, on PGlite and (with DATABASE_URL) Postgres, under a real OpenTelemetry SDK
 * (in-memory exporter) and a Replicate stub: canceling a run cancels the provider prediction of its running
 * node; a run is one trace — a `workflow.run` root span linked both ways to the request that started it, and a
 * `workflow.node` span per node in that trace.
 */
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { finishedImage } from '#tests/support/generations.ts'
import { waitFor } from '#tests/support/wait.ts'
import { saveWorkflow, settleRun, startRun, wires } from '#tests/support/workflows.ts'
import { replicateEnv, useTestServices } from '#tests/support/suite-services.ts'

const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })

beforeAll(() => {
	context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
	trace.setGlobalTracerProvider(tracerProvider)
	propagation.setGlobalPropagator(new W3CTraceContextPropagator())
})
afterAll(async () => {
	await tracerProvider.shutdown()
	trace.disable()
	propagation.disable()
	context.disable()
})

describe.each(testDrivers())('workflow cancel and traces on %s', driver => {
	const t = useTestServices(driver, {
		stubs: {
			replicate: () =>
				startReplicateStub({ lifecycle: { startingMs: 20, processingMs: 50, outcome: 'succeeded', manual: true } }),
		},
		env: stubs => ({
			...replicateEnv(stubs.replicate),
			PROVIDER_TIMEOUT_SECONDS: '5',
			RATE_LIMITS: 'generation=1000/60',
		}),
	})

	test('cancel stops the running node and cancels its Replicate prediction', async () => {
		const user = await createUser(t.services.db)
		const still = await finishedImage(t.services, user, 'a harbour')
		const id = await saveWorkflow(t.services, user.id, {
			version: 1,
			nodes: [
				{ id: 'still', name: 'Still', kind: 'library', media: 'image', generationId: still.id },
				{ id: 'motion', name: 'Motion', kind: 'text', value: 'Boats rock gently' },
				{ id: 'clip', name: 'Clip', kind: 'video', model: 'replicate:minimax/video-01' },
				{ id: 'big', name: 'Poster', kind: 'upscale', model: 'offline:image' },
			],
			edges: wires('still.image>clip.image motion.text>clip.prompt', 'still.image>big.image'),
		})
		const runId = await startRun(t.services, user.id, id)
		const predictionId = await waitFor('the clip node’s prediction', async () => {
			const run = await t.services.workflows.runs.get(user, runId)
			if ('refused' in run) throw new Error(run.message)
			const generationId = run.nodes.find(n => n.nodeId === 'clip')?.generationId
			if (!generationId) return null
			const g = await t.services.generations.get(user, generationId)
			return 'refused' in g ? null : g.predictionId
		})
		const canceled = await t.services.workflows.runs.cancel(user, runId)
		if ('refused' in canceled) throw new Error(canceled.message)
		expect(canceled.status).toBe('canceled')
		expect(canceled.nodes.find(n => n.nodeId === 'clip')).toMatchObject({ status: 'canceled', error: 'Canceled.' })
		await waitFor('the prediction to be canceled at Replicate', () =>
			t.stubs.replicate.requests.some(r => r.route === 'cancel' && r.path.includes(predictionId)),
		)
		const clip = await t.services.generations.get(
			user,
			canceled.nodes.find(n => n.nodeId === 'clip')?.generationId ?? '',
		)
		expect(clip).toMatchObject({ status: 'canceled' })
		// The node job notices, and its late output would be dropped: the run stays canceled.
		const after = await t.services.workflows.runs.get(user, runId)
		expect(after).toMatchObject({ status: 'canceled' })
	})

	test('a run is one trace: a root span linked to the request, and a span per node', async () => {
		const user = await createUser(t.services.db)
		const definition = {
			version: 1,
			nodes: [
				{ id: 'topic', name: 'Topic', kind: 'text', value: 'kelp' },
				{ id: 'ask', name: 'Ask', kind: 'template', template: 'About {{topic}}' },
				{ id: 'post', name: 'Post', kind: 'chat', model: 'offline:chat' },
				{ id: 'pic', name: 'Picture', kind: 'image', model: 'offline:image' },
			],
			edges: wires('topic.text>ask.topic ask.text>post.prompt ask.text>pic.prompt'),
		}
		const id = await saveWorkflow(t.services, user.id, definition)
		spans.reset()
		const tracer = trace.getTracer('test')
		let requestSpanId = ''
		const runId = await tracer.startActiveSpan('POST /workflows/:id/run', async span => {
			requestSpanId = span.spanContext().spanId
			try {
				return await startRun(t.services, user.id, id)
			} finally {
				span.end()
			}
		})
		expect((await settleRun(t.services, user.id, runId)).status).toBe('succeeded')
		const nodeSpans = await waitFor('a span per node', () => {
			const found = spans
				.getFinishedSpans()
				.filter(s => s.name === 'workflow.node' && s.attributes['workflow.run.id'] === runId)
			return found.length === definition.nodes.length ? found : null
		})
		const finished = spans.getFinishedSpans()
		const runSpan = finished.find(s => s.name === 'workflow.run' && s.attributes['workflow.run.id'] === runId)
		const request = finished.find(s => s.spanContext().spanId === requestSpanId)
		if (!runSpan || !request) throw new Error('no run span or no request span')
		// Its own trace, linked both ways to the request.
		expect(runSpan.spanContext().traceId).not.toBe(request.spanContext().traceId)
		expect(runSpan.links.map(l => l.context.spanId)).toContain(requestSpanId)
		expect(request.links.map(l => l.context.spanId)).toContain(runSpan.spanContext().spanId)
		expect(nodeSpans.map(s => s.attributes['workflow.node.id']).sort()).toEqual(['ask', 'pic', 'post', 'topic'])
		for (const s of nodeSpans) expect(s.spanContext().traceId).toBe(runSpan.spanContext().traceId)
		// A node span is a child (or descendant) of the run span: the root node's parent is the run span or its job's.
		const ids = new Set(
			finished.filter(s => s.spanContext().traceId === runSpan.spanContext().traceId).map(s => s.spanContext().spanId),
		)
		for (const s of nodeSpans) expect(ids.has(s.parentSpanContext?.spanId ?? '')).toBe(true)
	})
})
