/**
 * Tracing and metrics for provider calls, following the OpenTelemetry GenAI conventions: one CLIENT span per
 * call named `{operation} {model}`, the operation duration and token usage histograms, and a cost counter.
 * Only `@opentelemetry/api` is used here; the SDK is started by server/telemetry.ts (or a test).
 *
 * https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
import {
	SpanKind,
	SpanStatusCode,
	context,
	metrics,
	trace,
	type Attributes,
	type Counter,
	type Histogram,
	type Span,
} from '@opentelemetry/api'
import { logger } from '#server/logger.ts'
import { computeCostMicros, type ModelInfo } from './catalogue.ts'
import { isProviderError, type Capability, type ChatResult, type Usage } from './types.ts'

export const INSTRUMENTATION_NAME = 'generation-studio'

/** `gen_ai.operation.name` for each capability (the convention's well-known values). */
const OPERATION: Record<Capability, string> = {
	chat: 'chat',
	title: 'chat',
	vision: 'chat',
	image: 'generate_content',
	imageEdit: 'generate_content',
	upscale: 'generate_content',
	video: 'generate_content',
	speech: 'generate_content',
	music: 'generate_content',
	transcribe: 'generate_content',
}

/** `gen_ai.output.type` where the convention has a value for it. */
const OUTPUT_TYPE: Partial<Record<Capability, string>> = {
	chat: 'text',
	title: 'text',
	vision: 'text',
	transcribe: 'text',
	image: 'image',
	imageEdit: 'image',
	upscale: 'image',
	speech: 'speech',
}

export type Instruments = {
	duration: Histogram
	tokens: Histogram
	cost: Counter
}

/** Create after the telemetry SDK has started: the metrics API has no proxy for instruments made earlier. */
export function createInstruments(): Instruments {
	const meter = metrics.getMeter(INSTRUMENTATION_NAME)
	return {
		duration: meter.createHistogram('gen_ai.client.operation.duration', {
			description: 'Duration of AI provider calls',
			unit: 's',
			advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320] },
		}),
		tokens: meter.createHistogram('gen_ai.client.token.usage', {
			description: 'Tokens used by AI provider calls',
			unit: '{token}',
			advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576] },
		}),
		cost: meter.createCounter('generation_studio.provider.cost', {
			description: 'Cost of AI provider calls, in USD micro-units (list prices from the models catalogue)',
			unit: '{microUSD}',
		}),
	}
}

export type Call = { capability: Capability; model: ModelInfo }

function baseAttributes(call: Call): Attributes {
	return {
		'gen_ai.operation.name': OPERATION[call.capability],
		'gen_ai.provider.name': call.model.provider,
		'gen_ai.request.model': call.model.vendorModel,
	}
}

function startSpan(call: Call): Span {
	const tracer = trace.getTracer(INSTRUMENTATION_NAME)
	const outputType = OUTPUT_TYPE[call.capability]
	return tracer.startSpan(`${OPERATION[call.capability]} ${call.model.vendorModel}`, {
		kind: SpanKind.CLIENT,
		attributes: {
			...baseAttributes(call),
			...(outputType ? { 'gen_ai.output.type': outputType } : {}),
			'generation_studio.capability': call.capability,
			'generation_studio.model_id': call.model.id,
		},
	})
}

function finish(instruments: Instruments, call: Call, span: Span, started: number, usage: Usage | undefined): number {
	const attributes = baseAttributes(call)
	const costMicros = usage ? computeCostMicros(call.model, usage) : 0
	if (usage) {
		if (usage.inputTokens !== undefined) {
			span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens)
			instruments.tokens.record(usage.inputTokens, { ...attributes, 'gen_ai.token.type': 'input' })
		}
		if (usage.outputTokens !== undefined) {
			span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens)
			instruments.tokens.record(usage.outputTokens, { ...attributes, 'gen_ai.token.type': 'output' })
		}
		if (usage.units !== undefined) {
			span.setAttribute('generation_studio.usage.units', usage.units)
			span.setAttribute('generation_studio.usage.unit', usage.unit)
		}
		if (usage.estimated) span.setAttribute('generation_studio.usage.estimated', true)
		span.setAttribute('generation_studio.cost_micros', costMicros)
		if (costMicros > 0) instruments.cost.add(costMicros, attributes)
	}
	instruments.duration.record((performance.now() - started) / 1000, attributes)
	span.end()
	return costMicros
}

/**
 * One log line per failed provider call, whoever called it (chat, a generation, a title): the vendor's status, our
 * error kind and, through the logger, the trace id. A call stopped on purpose is not a failure worth a warning.
 */
function logFailure(call: Call, type: string, error: unknown, seconds: number) {
	const fields = {
		provider: call.model.provider,
		model: call.model.vendorModel,
		capability: call.capability,
		error_kind: type,
		...(isProviderError(error) && error.status !== undefined ? { provider_status: error.status } : {}),
		...(isProviderError(error) ? { retryable: error.retryable } : {}),
		reason: error instanceof Error ? error.message : String(error),
		duration_ms: Math.round(seconds * 1000),
	}
	if (type === 'canceled') logger.info('provider call canceled', fields)
	else logger.warn('provider call failed', fields)
}

function fail(instruments: Instruments, call: Call, span: Span, started: number, error: unknown) {
	const type = isProviderError(error) ? error.code : error instanceof Error ? error.name : 'error'
	// Inside the call's span, so the line carries its trace and span ids.
	context.with(trace.setSpan(context.active(), span), () =>
		logFailure(call, type, error, (performance.now() - started) / 1000),
	)
	span.setAttribute('error.type', type)
	if (error instanceof Error) span.recordException(error)
	span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
	instruments.duration.record((performance.now() - started) / 1000, { ...baseAttributes(call), 'error.type': type })
	span.end()
}

/**
 * The cost of a call that finished after it returned (a prediction completed by webhook or by polling), counted
 * once by whoever completed it, with the same attributes as a call priced on the spot.
 */
export function recordLateCost(instruments: Instruments, call: Call, costMicros: number) {
	if (costMicros > 0) instruments.cost.add(costMicros, baseAttributes(call))
}

/** Results without usage (a prediction that will finish later) cost nothing yet. */
function usageOf(result: object): Usage | undefined {
	if (!('usage' in result)) return undefined
	const usage = result.usage
	return usage && typeof usage === 'object' && 'unit' in usage ? (usage as Usage) : undefined
}

/** Runs one provider call inside its span (so the HTTP client span is its child) and prices the result. */
export async function traced<T extends object>(
	instruments: Instruments,
	call: Call,
	run: () => Promise<T>,
): Promise<T & { costMicros: number }> {
	const span = startSpan(call)
	const started = performance.now()
	let result: T
	try {
		result = await context.with(trace.setSpan(context.active(), span), run)
	} catch (error) {
		fail(instruments, call, span, started, error)
		throw error
	}
	const costMicros = finish(instruments, call, span, started, usageOf(result))
	return { ...result, costMicros }
}

export type PricedChatResult = ChatResult & { costMicros: number }

export interface PricedChatStream extends AsyncIterable<string> {
	/** Known once the iteration has ended normally; null before. */
	readonly result: PricedChatResult | null
}

/**
 * Wraps a stream so its span covers the whole reply, from the first read to the last chunk, and records
 * the time to the first chunk as a span event. Stopping early (a `break`) ends the span as canceled.
 */
export function tracedStream(
	instruments: Instruments,
	call: Call,
	stream: AsyncIterable<string> & { readonly result: ChatResult | null },
): PricedChatStream {
	let priced: PricedChatResult | null = null
	return {
		get result() {
			return priced
		},
		[Symbol.asyncIterator](): AsyncIterator<string> {
			const span = startSpan(call)
			const ctx = trace.setSpan(context.active(), span)
			const started = performance.now()
			let first = true
			let ended = false
			const iterator = context.with(ctx, () => stream[Symbol.asyncIterator]())
			return {
				async next() {
					let step: IteratorResult<string>
					try {
						step = await context.with(ctx, () => iterator.next())
					} catch (error) {
						if (!ended) fail(instruments, call, span, started, error)
						ended = true
						throw error
					}
					if (step.done) {
						if (!ended) {
							const result = stream.result
							if (result) span.setAttribute('gen_ai.response.finish_reasons', [result.finishReason])
							const costMicros = finish(instruments, call, span, started, result?.usage)
							if (result) priced = { ...result, costMicros }
						}
						ended = true
						return step
					}
					if (first) {
						first = false
						span.addEvent('gen_ai.first_chunk', {
							'generation_studio.time_to_first_chunk_s': (performance.now() - started) / 1000,
						})
					}
					return step
				},
				async return() {
					if (!ended) {
						ended = true
						span.setAttribute('generation_studio.stopped_early', true)
						span.end()
					}
					await context.with(ctx, () => iterator.return?.())
					return { done: true, value: undefined }
				},
			}
		},
	}
}
