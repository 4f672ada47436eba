/**
 * The telemetry SDK is started by a separate entry (`--import ./build/telemetry.js`) so it loads before
 * everything it instruments. It leaves what it started here, under a process-wide symbol (the two entries are
 * separate bundles), for the server to report at start-up and to flush at shutdown.
 */
import crypto from 'node:crypto'
import { TraceFlags, type SpanContext } from '@opentelemetry/api'
import type { TelemetrySignal } from './config.ts'

const KEY = Symbol.for('generation-studio.telemetry')

export type TelemetryState = {
	/** True when the SDK and its instrumentations run (some signal is exported). */
	active: boolean
	protocol: string
	signals: Record<TelemetrySignal, string | null>
	flush: () => Promise<void>
}

type Holder = { [KEY]?: TelemetryState }

export function registerTelemetry(state: TelemetryState) {
	;(globalThis as Holder)[KEY] = state
}

function state(): TelemetryState | undefined {
	return (globalThis as Holder)[KEY]
}

/** Whether spans and metrics are recorded at all: code that would do extra work only for them asks first. */
export function telemetryActive(): boolean {
	return state()?.active ?? false
}

/** One line for the start-up log: which signals leave the process, and where to. */
export function describeTelemetry(): { message: string; exported: Partial<Record<TelemetrySignal, string>> } {
	const current = state()
	if (!current?.active) {
		return {
			message: 'telemetry: off (no OTLP endpoint); log lines carry trace ids, nothing is exported',
			exported: {},
		}
	}
	const exported: Partial<Record<TelemetrySignal, string>> = {}
	for (const [signal, target] of Object.entries(current.signals) as Array<[TelemetrySignal, string | null]>) {
		if (target) exported[signal] = target
	}
	const parts = (['traces', 'metrics', 'logs'] as const).map(s => `${s} ${exported[s] ? `-> ${exported[s]}` : 'off'}`)
	return { message: `telemetry: exporting over OTLP (${current.protocol}): ${parts.join(', ')}`, exported }
}

export type FlushOutcome = 'off' | 'flushed' | 'timed-out' | { failed: string }

/**
 * Sends what is still buffered and stops the SDK, giving up after `timeoutMs` (an unreachable collector would
 * otherwise hold shutdown for its retries). Never throws: telemetry never decides how the process exits.
 */
export async function shutdownTelemetry(timeoutMs: number): Promise<FlushOutcome> {
	const current = state()
	if (!current?.active) return 'off'
	let timer: NodeJS.Timeout | undefined
	const timedOut = new Promise<'timed-out'>(resolve => {
		timer = setTimeout(() => resolve('timed-out'), timeoutMs)
	})
	try {
		return await Promise.race([current.flush().then(() => 'flushed' as const), timedOut])
	} catch (error) {
		return { failed: error instanceof Error ? error.message : String(error) }
	} finally {
		clearTimeout(timer)
	}
}

/**
 * A trace context of our own for a request when no SDK runs: random ids, never sampled. Log lines carry its trace
 * id and jobs propagate it, at the cost of 24 random bytes.
 */
export function localSpanContext(): SpanContext {
	const bytes = crypto.randomBytes(24).toString('hex')
	return { traceId: bytes.slice(0, 32), spanId: bytes.slice(32), traceFlags: TraceFlags.NONE }
}
