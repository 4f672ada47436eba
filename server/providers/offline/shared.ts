/** What every offline output shares: the label that says it is a demo, its deterministic seed bytes, cancellation. */
import { createHash } from 'node:crypto'
import { ProviderError } from '../types.ts'

export const OFFLINE_LABEL = 'Generation Studio offline demo output: no AI provider was called'

/** The same parts give the same bytes: the offline outputs depend on the prompt and seed, never on chance. */
export function hashOf(...parts: Array<string | number | Uint8Array | undefined>): Uint8Array {
	const h = createHash('sha256')
	for (const part of parts) {
		h.update(part === undefined ? '\u0000-' : part instanceof Uint8Array ? part : String(part))
		h.update('\u0000')
	}
	return new Uint8Array(h.digest())
}

export function checkSignal(signal: AbortSignal | undefined) {
	if (signal?.aborted) throw new ProviderError('canceled', 'The request was canceled.', { provider: 'offline' })
}
