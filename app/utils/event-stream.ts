/**
 * What every Server-Sent Events route shares: a stream ends when its client goes away or when the server starts
 * shutting down. In the second case it ends with a short retry hint, so EventSource reconnects promptly (to
 * another process behind the balancer, or to this one once it is back) instead of holding the drain open.
 */
import type { Lifecycle } from '#server/lifecycle.ts'

/** How soon a client reconnects after a stream ended because the server is shutting down. */
export const SHUTDOWN_RETRY_MS = 1_000

export function eventStreamSignal(request: Request, lifecycle: Lifecycle): AbortSignal {
	return AbortSignal.any([request.signal, lifecycle.signal])
}

/** The last thing a stream writes: a retry hint when the server is shutting down, nothing otherwise. */
export function closingHint(lifecycle: Lifecycle): string {
	return lifecycle.draining ? `retry: ${SHUTDOWN_RETRY_MS}\n\n` : ''
}
