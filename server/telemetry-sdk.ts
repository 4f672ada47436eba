/**
 * The OpenTelemetry SDK with the auto-instrumentations for http, pg, ioredis, undici and winston. Loaded by
 * server/telemetry.ts only when some signal is exported: the instrumentations hook every request, query and log
 * line, which is worth paying for only when something reads the result.
 *
 * The exporters are configured by the SDK from the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_METRIC_EXPORT_INTERVAL, ...); a signal with no endpoint
 * is switched off here.
 */
import type { IncomingMessage, RequestOptions } from 'node:http'
import { context } from '@opentelemetry/api'
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node'
import { isTracingSuppressed } from '@opentelemetry/core'
import { NodeSDK, tracing } from '@opentelemetry/sdk-node'
import type { Config } from './config.ts'

/** Probes, static assets and the icon: called all the time, and traces of them would drown the ones that matter. */
export function isUntracedPath(url: string): boolean {
	const path = url.split('?', 1)[0] ?? ''
	return path.startsWith('/build/') || path === '/healthz' || path === '/readyz' || path === '/favicon.ico'
}

/** The OTLP exporters' own requests: no span (they run with tracing suppressed) and no HTTP client metric either. */
function isExporterRequest(options: RequestOptions): boolean {
	if (isTracingSuppressed(context.active())) return true
	const headers = options.headers
	if (!headers || Array.isArray(headers)) return false
	const agent = (headers as Record<string, unknown>)['User-Agent'] ?? (headers as Record<string, unknown>)['user-agent']
	return typeof agent === 'string' && agent.includes('OTel-OTLP-Exporter')
}

export function startSdk(otel: Config['otel']): () => Promise<void> {
	const instrumentations = getNodeAutoInstrumentations({
		// Noisy and of little use to an SRE: every file read and DNS lookup would become a span.
		'@opentelemetry/instrumentation-fs': { enabled: false },
		'@opentelemetry/instrumentation-dns': { enabled: false },
		'@opentelemetry/instrumentation-net': { enabled: false },
		// Provider calls get our own GenAI CLIENT spans (server/providers), one per call, not two.
		'@opentelemetry/instrumentation-openai': { enabled: false },
		// One span per middleware would cost more than the request itself; the HTTP server span (named after the
		// Remix route) and the loader/action spans (server/remix-tracing.ts) say what an SRE needs.
		'@opentelemetry/instrumentation-express': { enabled: false },
		'@opentelemetry/instrumentation-http': {
			ignoreIncomingRequestHook: (req: IncomingMessage) => isUntracedPath(req.url ?? ''),
			ignoreOutgoingRequestHook: isExporterRequest,
		},
		// Log records go out through @opentelemetry/winston-transport, stamped with the active trace.
		'@opentelemetry/instrumentation-winston': { disableLogSending: !otel.signals.logs },
	})

	const sdk = new NodeSDK({
		serviceName: otel.serviceName,
		instrumentations: [instrumentations],
		// A signal without an endpoint is not collected. Without traces, spans are still made (never sampled), so
		// logs and jobs keep their trace ids.
		...(otel.signals.traces
			? {}
			: { sampler: new tracing.AlwaysOffSampler(), spanProcessors: [new tracing.NoopSpanProcessor()] }),
		...(otel.signals.metrics ? {} : { metricReaders: [] }),
		...(otel.signals.logs ? {} : { logRecordProcessors: [] }),
	})
	sdk.start()
	return () => sdk.shutdown()
}
