/**
 * Telemetry, set up before anything else is loaded (`node --import ./build/telemetry.js`), so the
 * auto-instrumentations can hook http, pg, ioredis, undici and winston as they are required.
 *
 * With an OTLP endpoint (the standard OTEL_* variables) the SDK starts (server/telemetry-sdk.ts). Without one
 * nothing is instrumented at all: the SDK would cost CPU on every request for spans nobody reads. Only the
 * context and the W3C propagator are set up, so the request pipeline can hand out cheap trace ids that log
 * lines carry and jobs propagate (server/app.ts).
 */
import { context, propagation } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { loadConfig } from './config.ts'
import type { Config } from './config.ts'
import { registerTelemetry } from './telemetry-handle.ts'
import type * as Sdk from './telemetry-sdk.ts'

function settingsFromConfig(): Config['otel'] {
	try {
		return loadConfig().otel
	} catch {
		// server.ts reports configuration problems and exits; telemetry stays off until then.
		return {
			exporting: false,
			serviceName: 'generation-studio',
			protocol: 'http/protobuf',
			signals: { traces: null, metrics: null, logs: null },
			flushTimeoutMs: 0,
		}
	}
}

const otel = settingsFromConfig()

if (otel.exporting) {
	// Required here, not imported above: loading it is what would make the instrumentations cost anything.
	// eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/no-var-requires
	const { startSdk } = require('./telemetry-sdk.ts') as typeof Sdk
	const shutdown = startSdk(otel)
	registerTelemetry({ active: true, protocol: otel.protocol, signals: otel.signals, flush: shutdown })
} else {
	context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
	propagation.setGlobalPropagator(new W3CTraceContextPropagator())
	registerTelemetry({ active: false, protocol: otel.protocol, signals: otel.signals, flush: async () => {} })
}
