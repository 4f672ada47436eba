/**
 * The telemetry SDK is started by a separate entry (`--import ./build/telemetry.js`) so it loads before
 * everything it instruments; it leaves its shutdown function here, under a process-wide symbol, for the
 * server's graceful shutdown to flush spans.
 */
const KEY = Symbol.for('generation-studio.telemetry.shutdown')

type Holder = { [KEY]?: () => Promise<void> }

export function registerTelemetryShutdown(fn: () => Promise<void>) {
	;(globalThis as Holder)[KEY] = fn
}

export async function shutdownTelemetry() {
	await (globalThis as Holder)[KEY]?.()
}
