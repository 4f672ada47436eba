/**
 * One logger for the whole server. JSON lines in production (for a log pipeline), readable lines in
 * development; every line carries the active trace and span ids and the request id, so a log line
 * leads to its trace. Secrets are scrubbed by key name before anything is written.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { trace, isSpanContextValid } from '@opentelemetry/api'
import winston from 'winston'

type RequestScope = {
	requestId: string
	userId?: string
	/** `METHOD /route/:pattern`, once the route is known (server/remix-tracing.ts). */
	route?: string
}

/**
 * Carries the request id (and, once known, the user id) through everything a request awaits. One per process:
 * server modules are bundled twice (the server entry and the Remix build), and both copies must see the scope.
 */
const SCOPE_KEY = Symbol.for('generation-studio.request-scope')
const processGlobals = globalThis as typeof globalThis & { [SCOPE_KEY]?: AsyncLocalStorage<RequestScope> }
export const requestScope: AsyncLocalStorage<RequestScope> = (processGlobals[SCOPE_KEY] ??=
	new AsyncLocalStorage<RequestScope>())

const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|service[-_]?role/i

function scrub(value: unknown, depth = 0): unknown {
	if (depth > 4 || value === null || typeof value !== 'object') return value
	if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
	if (Array.isArray(value)) return value.map(v => scrub(v, depth + 1))
	const out: Record<string, unknown> = {}
	for (const [k, v] of Object.entries(value)) {
		out[k] = SECRET_FIELD.test(k) ? '[redacted]' : scrub(v, depth + 1)
	}
	return out
}

const context = winston.format(info => {
	const span = trace.getActiveSpan()
	const spanContext = span?.spanContext()
	if (spanContext && isSpanContextValid(spanContext)) {
		info.trace_id = spanContext.traceId
		info.span_id = spanContext.spanId
	}
	const scope = requestScope.getStore()
	if (scope) {
		info.request_id ??= scope.requestId
		if (scope.userId) info.user_id ??= scope.userId
	}
	for (const key of Object.keys(info)) {
		if (key === 'level' || key === 'message') continue
		info[key] = SECRET_FIELD.test(key) ? '[redacted]' : scrub(info[key])
	}
	return info
})

/**
 * A failure that repeats (every request during a database outage) is written once with its stack, then counted:
 * a warn or error line carrying an `error` is dropped when the same message with the same error was written less
 * than REPEAT_WINDOW_MS ago, and one line says how many were dropped once the window is over.
 */
const REPEAT_WINDOW_MS = 30_000
type Repeat = { level: string; message: string; error: string; since: number; count: number }
const repeats = new Map<string, Repeat>()
let repeatTimer: NodeJS.Timeout | null = null
const REPEAT_SUMMARY = Symbol('repeat summary')

function errorText(error: unknown): string {
	if (error instanceof Error) return `${error.name}: ${error.message}`
	if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message)
	return String(error)
}

function flushRepeats(all = false) {
	const now = Date.now()
	for (const [key, repeat] of repeats) {
		if (!all && now - repeat.since < REPEAT_WINDOW_MS) continue
		repeats.delete(key)
		if (repeat.count > 0) {
			logger.log({
				level: repeat.level,
				message: `${repeat.message} (repeated)`,
				error: repeat.error,
				repeated: repeat.count,
				window_seconds: Math.round((now - repeat.since) / 1000),
				[REPEAT_SUMMARY]: true,
			})
		}
	}
	if (repeats.size === 0 && repeatTimer) {
		clearInterval(repeatTimer)
		repeatTimer = null
	}
}

const onceThenCount = winston.format(info => {
	if ((info.level !== 'error' && info.level !== 'warn') || info.error === undefined || info[REPEAT_SUMMARY]) return info
	const message = String(info.message)
	const error = errorText(info.error)
	const key = `${info.level}\u0000${message}\u0000${error}`
	const seen = repeats.get(key)
	if (seen) {
		seen.count++
		return false
	}
	repeats.set(key, { level: info.level, message, error, since: Date.now(), count: 0 })
	repeatTimer ??= setInterval(() => flushRepeats(), REPEAT_WINDOW_MS / 3).unref()
	return info
})

/**
 * The last RECENT_ERRORS_MAX error-level lines (when, which route, the message), for the admin status page's
 * counts by route. Bounded, in memory, per process; on the process global like the request scope, since server
 * modules are bundled twice.
 */
const RECENT_ERRORS_MAX = 1000
type ErrorEvent = { at: number; route: string; message: string }
const ERRORS_KEY = Symbol.for('generation-studio.recent-errors')
const errorGlobals = globalThis as typeof globalThis & { [ERRORS_KEY]?: { events: ErrorEvent[]; next: number } }
const recentErrors = (errorGlobals[ERRORS_KEY] ??= { events: [], next: 0 })

const tallyErrors = winston.format(info => {
	if (info.level !== 'error' || info[REPEAT_SUMMARY]) return info
	const scoped = requestScope.getStore()?.route
	const route = scoped ?? (typeof info.route === 'string' ? info.route : 'background (jobs, start-up)')
	const event = { at: Date.now(), route: route.slice(0, 200), message: String(info.message).slice(0, 300) }
	if (recentErrors.events.length < RECENT_ERRORS_MAX) recentErrors.events.push(event)
	else recentErrors.events[recentErrors.next] = event
	recentErrors.next = (recentErrors.next + 1) % RECENT_ERRORS_MAX
	return info
})

export type ErrorCount = { route: string; count: number; lastAt: Date; lastMessage: string }

/** Error-level lines of this process since `since`, counted by route, the busiest first. */
export function recentErrorCounts(since: Date): ErrorCount[] {
	const from = since.getTime()
	const byRoute = new Map<string, ErrorCount>()
	for (const event of recentErrors.events) {
		if (event.at < from) continue
		const seen = byRoute.get(event.route)
		if (!seen) {
			byRoute.set(event.route, { route: event.route, count: 1, lastAt: new Date(event.at), lastMessage: event.message })
		} else {
			seen.count++
			if (event.at >= seen.lastAt.getTime()) {
				seen.lastAt = new Date(event.at)
				seen.lastMessage = event.message
			}
		}
	}
	return [...byRoute.values()].sort((a, b) => b.count - a.count || b.lastAt.getTime() - a.lastAt.getTime())
}

const readable = winston.format.printf(info => {
	const { level, message, timestamp, ...rest } = info
	const extra = Object.entries(rest)
		.filter(([k]) => typeof k === 'string')
		.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
		.join(' ')
	return `${String(timestamp)} ${level} ${String(message)}${extra ? ` ${extra}` : ''}`
})

export type Logger = winston.Logger
export type LoggerOptions = { level: string; json: boolean; silent?: boolean }

function winstonOptions(options: LoggerOptions): winston.LoggerOptions {
	return {
		level: options.level,
		silent: options.silent ?? false,
		format: winston.format.combine(tallyErrors(), onceThenCount(), winston.format.timestamp(), context()),
		// stderr keeps stdout free for tools that pipe the process's output. The rendering belongs to this transport
		// alone: the OTLP log transport (added by the winston instrumentation when logs are exported) must see the
		// plain level, not one wrapped in colour codes.
		transports: [
			new winston.transports.Console({
				stderrLevels: ['error', 'warn', 'info', 'http', 'debug'],
				format: options.json ? winston.format.json() : winston.format.combine(winston.format.colorize(), readable),
			}),
		],
	}
}

/**
 * The process-wide logger. `server.ts` sets it from the config at start-up (`configureLogger`); modules
 * import this one instance so there is never a second logger.
 */
export const logger: Logger = winston.createLogger(winstonOptions({ level: 'info', json: false }))

export function configureLogger(options: LoggerOptions) {
	logger.configure(winstonOptions(options))
}

/** Writes the counts of repeated failures now (shutdown, tests). */
export function flushRepeatedFailures() {
	flushRepeats(true)
}
