/**
 * OpenTelemetry, started before anything else is loaded (`node --import ./build/telemetry.js`), so the
 * auto-instrumentations can hook http, express, pg, ioredis, undici and winston as they are required.
 *
 * Spans and trace ids always exist (logs carry them); they leave the process only when an OTLP endpoint is
 * configured through the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...), which the SDK reads itself. Otherwise it is silent.
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node'
import { NodeSDK, tracing } from '@opentelemetry/sdk-node'
import { loadConfig } from './config.ts'
import { registerTelemetryShutdown } from './telemetry-handle.ts'

function exportingFromConfig(): { exporting: boolean; serviceName: string } {
	try {
		return loadConfig().otel
	} catch {
		// server.ts reports configuration problems and exits; telemetry just stays local until then.
		return { exporting: false, serviceName: 'generation-studio' }
	}
}

const otel = exportingFromConfig()

const instrumentations = getNodeAutoInstrumentations({
	// Noisy and of little use to an SRE: every file read and DNS lookup would become a span.
	'@opentelemetry/instrumentation-fs': { enabled: false },
	'@opentelemetry/instrumentation-dns': { enabled: false },
	'@opentelemetry/instrumentation-net': { enabled: false },
	// Provider calls get our own GenAI CLIENT spans (server/providers), one per call, not two.
	'@opentelemetry/instrumentation-openai': { enabled: false },
	// One span per middleware would cost more than the request itself; the HTTP server span and the
	// Remix loader/action spans (server/remix-tracing.ts) say what an SRE needs.
	'@opentelemetry/instrumentation-express': { enabled: false },
	'@opentelemetry/instrumentation-http': {
		// Static assets and probes would drown the traces that matter.
		ignoreIncomingRequestHook: req => {
			const url = req.url ?? ''
			return url.startsWith('/build/') || url === '/healthz' || url === '/favicon.ico'
		},
	},
	'@opentelemetry/instrumentation-winston': { disableLogSending: !otel.exporting },
})

export const sdk = new NodeSDK({
	serviceName: otel.serviceName,
	instrumentations: [instrumentations],
	// Without an endpoint nothing would read the spans, so none are recorded: the sampler still hands out trace and
	// span ids (logs carry them, jobs propagate them), but spans cost next to nothing on the request path.
	...(otel.exporting
		? {}
		: {
				sampler: new tracing.AlwaysOffSampler(),
				spanProcessors: [new tracing.NoopSpanProcessor()],
				metricReaders: [],
				logRecordProcessors: [],
			}),
})

sdk.start()
registerTelemetryShutdown(() => sdk.shutdown())
