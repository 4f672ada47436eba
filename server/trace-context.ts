/**
 * Traces that outlive a request. Work that finishes later, in another request (a provider's webhook), keeps the
 * context of the trace that started it and continues that trace: its span is a child of the stored context and
 * links to the request that delivered it, and that request's span links back. Without the telemetry SDK these
 * are cheap no-ops apart from reading the current ids.
 */
import { context, propagation, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api'

const tracer = trace.getTracer('generation-studio')

/** The current trace context as a W3C traceparent, to store beside work that will finish later. */
export function captureTraceContext(): string | null {
	const carrier: Record<string, string> = {}
	propagation.inject(context.active(), carrier)
	return carrier.traceparent ?? null
}

/**
 * Runs `fn` in a span that continues the stored trace when there is one and it is not the current trace. The
 * span links to the current span (the request that brought the news) and the current span links to it. `fn`
 * may say that the work failed without throwing (the failure was recorded): the span then has an ERROR status.
 */
export async function continueTrace<T>(
	stored: string | null,
	name: string,
	attributes: Attributes,
	fn: (work: { failed(reason: string): void }) => Promise<T>,
): Promise<T> {
	const current = trace.getActiveSpan()
	const currentContext = current?.spanContext()
	const origin = stored ? propagation.extract(context.active(), { traceparent: stored }) : null
	const originSpan = origin ? trace.getSpanContext(origin) : undefined
	const sameTrace = !originSpan || originSpan.traceId === currentContext?.traceId
	const links: Link[] = !sameTrace && currentContext ? [{ context: currentContext }] : []
	const parent = !sameTrace && origin ? origin : context.active()
	return tracer.startActiveSpan(name, { attributes, links }, parent, async span => {
		if (!sameTrace && current) current.addLink({ context: span.spanContext() })
		const work = { failed: (reason: string) => span.setStatus({ code: SpanStatusCode.ERROR, message: reason }) }
		return endingSpan(span, () => fn(work))
	})
}

/** Runs `fn`, then ends `span`; a throw is recorded on the span (status ERROR) and thrown on. */
export async function endingSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
	try {
		return await fn()
	} catch (error) {
		span.recordException(error instanceof Error ? error : new Error(String(error)))
		span.setStatus({ code: SpanStatusCode.ERROR })
		throw error
	} finally {
		span.end()
	}
}
