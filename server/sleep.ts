/**
 * The one timer wait. It resolves after `ms`, or at once when `signal` aborts — it never rejects, so a caller
 * that must stop on abort says so after it (`signal.throwIfAborted()`), and a shutdown race reads plainly
 * (`Promise.race([work, sleep(5000)])`).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise(resolve => {
		if (signal?.aborted) return resolve()
		const timer = setTimeout(done, ms)
		signal?.addEventListener('abort', done, { once: true })
		function done() {
			clearTimeout(timer)
			signal?.removeEventListener('abort', done)
			resolve()
		}
	})
}
