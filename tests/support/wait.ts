/**
 * Waiting for a condition instead of sleeping: a test waits exactly as long as the thing it expects takes, and
 * says what it was waiting for when that never happens.
 */

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

/**
 * Calls `probe` until it returns something truthy (returned), or throws after `timeoutMs` naming `what` (and, with
 * `detail`, what was seen last: a status, a process's output). A probe that throws stops the wait with its error.
 */
export async function waitFor<T>(
	what: string,
	probe: () => T | Promise<T>,
	options: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {},
): Promise<Truthy<T>> {
	const deadline = Date.now() + (options.timeoutMs ?? 15_000)
	for (;;) {
		const value = await probe()
		if (value) return value as Truthy<T>
		if (Date.now() > deadline)
			throw new Error(`timed out waiting for ${what}${options.detail ? `: ${options.detail()}` : ''}`)
		await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 50))
	}
}

/** The first item of an async stream that matches, or an error if the stream ends without one. */
export async function firstOf<T>(what: string, items: AsyncIterable<T>, match: (item: T) => boolean): Promise<T> {
	for await (const item of items) if (match(item)) return item
	throw new Error(`the stream ended without ${what}`)
}

/**
 * Checks that `probe` stays truthy for `forMs`, probing every `intervalMs`, and throws naming `what` as soon as it
 * does not. For "nothing else happens": it fails at the first sign of the thing, not after a fixed sleep.
 */
export async function holdsFor(
	what: string,
	probe: () => unknown,
	options: { forMs: number; intervalMs?: number },
): Promise<void> {
	const until = Date.now() + options.forMs
	for (;;) {
		if (!(await probe())) throw new Error(`no longer true: ${what}`)
		if (Date.now() >= until) return
		await new Promise(resolve => setTimeout(resolve, Math.min(options.intervalMs ?? 50, until - Date.now())))
	}
}
