/**
 * Spans and the `db.client.operation.duration` metric for the embedded database, with the attributes the
 * node-postgres instrumentation gives Postgres queries (PGlite runs in-process, so nothing hooks it for us):
 * one CLIENT span per statement, `db.system.name`, `db.namespace`, `db.operation.name`, `db.query.text`.
 * Without the telemetry SDK this is a straight call.
 *
 * https://opentelemetry.io/docs/specs/semconv/database/database-spans/
 */
import {
	metrics,
	SpanKind,
	SpanStatusCode,
	trace,
	type Attributes,
	type Histogram,
	type Tracer,
} from '@opentelemetry/api'
import { telemetryActive } from '#server/telemetry-handle.ts'

/** PGlite has one database, named like Postgres's default one. */
const BASE: Attributes = { 'db.system.name': 'postgresql', 'db.namespace': 'postgres' }

let instruments: { tracer: Tracer; duration: Histogram } | null = null

/** Made on first use: by then the SDK has registered its providers (the metrics API does not proxy instruments). */
function getInstruments() {
	instruments ??= {
		tracer: trace.getTracer('generation-studio.pglite'),
		duration: metrics.getMeter('generation-studio.pglite').createHistogram('db.client.operation.duration', {
			description: 'Duration of database client operations.',
			unit: 's',
			advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10] },
		}),
	}
	return instruments
}

/** The statement's first word, upper-cased, as the Postgres instrumentation names it (`SELECT`, `WITH`, ...). */
export function operationName(sql: string): string {
	const word = /^\s*([^\s;(]+)/.exec(sql)?.[1] ?? ''
	return word.toUpperCase()
}

function errorType(error: unknown): string {
	if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
		return error.code
	return error instanceof Error ? error.name : 'error'
}

/** Runs one statement inside its span (a child of whatever is active: request, job or nothing). */
export async function tracedQuery<T>(sql: string, run: () => Promise<T>): Promise<T> {
	if (!telemetryActive()) return run()
	const { tracer, duration } = getInstruments()
	const operation = operationName(sql)
	const attributes: Attributes = { ...BASE, 'db.operation.name': operation }
	const span = tracer.startSpan(`pglite.query:${operation} postgres`, {
		kind: SpanKind.CLIENT,
		attributes: { ...attributes, 'db.query.text': sql },
	})
	const started = performance.now()
	try {
		return await run()
	} catch (error) {
		attributes['error.type'] = errorType(error)
		span.setAttribute('error.type', attributes['error.type'])
		span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
		throw error
	} finally {
		span.end()
		duration.record((performance.now() - started) / 1000, attributes)
	}
}
