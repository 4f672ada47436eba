/**
 * The one way a route answers with Server-Sent Events. The framing (`event:`/`data:` lines, comments, the
 * reconnect hint) is written here, every write is guarded (a client that went away makes `enqueue` throw),
 * and the stream ends when its client goes away or when the server starts shutting down — in the second case
 * with a short retry hint, so EventSource reconnects promptly (to another process behind the balancer, or to
 * this one once it is back) instead of holding the drain open.
 */
import type { Lifecycle } from '#server/lifecycle.ts'

/** How soon a client reconnects after a stream ended because the server is shutting down. */
export const SHUTDOWN_RETRY_MS = 1_000

export type EventSink = {
	/** One event; `data` is sent as it is (one line), so callers pass text or `JSON.stringify(...)`. */
	event(type: string, data: string): void
	/** A comment line: ignored by EventSource, but it keeps proxies from closing a quiet stream. */
	comment(text: string): void
}

export function eventStreamSignal(request: Request, lifecycle: Lifecycle): AbortSignal {
	return AbortSignal.any([request.signal, lifecycle.signal])
}

/** The last thing a stream writes: a retry hint when the server is shutting down, nothing otherwise. */
export function closingHint(lifecycle: Lifecycle): string {
	return lifecycle.draining ? `retry: ${SHUTDOWN_RETRY_MS}\n\n` : ''
}

/**
 * An SSE response. `write` sends the events and returns when the stream is over; `signal` aborts when the client
 * leaves or the server drains. `retryMs` tells EventSource how soon to reconnect after a drop; `keepAliveMs`
 * adds a comment line at that interval.
 */
export function eventStreamResponse(
	request: Request,
	lifecycle: Lifecycle,
	options: { retryMs: number; keepAliveMs?: number },
	write: (sink: EventSink, signal: AbortSignal) => Promise<void>,
): Response {
	const signal = eventStreamSignal(request, lifecycle)
	const encoder = new TextEncoder()
	let timer: ReturnType<typeof setInterval> | undefined
	const body = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (text: string) => {
				try {
					controller.enqueue(encoder.encode(text))
				} catch {
					// The client went away; `signal` ends the writer.
				}
			}
			const sink: EventSink = {
				event: (type, data) => send(`event: ${type}\ndata: ${data}\n\n`),
				comment: text => send(`: ${text}\n\n`),
			}
			send(`retry: ${options.retryMs}\n\n`)
			if (options.keepAliveMs) timer = setInterval(() => sink.comment('keep-alive'), options.keepAliveMs)
			try {
				await write(sink, signal)
			} finally {
				clearInterval(timer)
				const hint = closingHint(lifecycle)
				if (hint && !request.signal.aborted) send(hint)
				try {
					controller.close()
				} catch {
					// Already closed by a cancel.
				}
			}
		},
		cancel() {
			clearInterval(timer)
		},
	})
	return new Response(body, {
		headers: {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-cache, no-transform',
			'X-Accel-Buffering': 'no',
		},
	})
}
