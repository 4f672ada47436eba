/**
 * The process's own life: whether it is shutting down. Long-lived work that would otherwise hold a shutdown
 * open until its deadline listens to `signal` and ends early and cleanly: event streams end with a retry hint,
 * so the browser reconnects (to another process behind the balancer, or to this one once it is back).
 */
export type Lifecycle = {
	/** Aborted when the process starts shutting down. */
	readonly signal: AbortSignal
	readonly draining: boolean
	/** Starts the shutdown: fires `signal` once. */
	drain(): void
}

export function createLifecycle(): Lifecycle {
	const controller = new AbortController()
	return {
		signal: controller.signal,
		get draining() {
			return controller.signal.aborted
		},
		drain() {
			if (!controller.signal.aborted) controller.abort(new Error('the server is shutting down'))
		},
	}
}
