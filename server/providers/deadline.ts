/**
 * Small helpers shared by the adapters: one abort signal that combines the caller's cancel with our own
 * time limit (so the two can be told apart afterwards), abortable sleeps, and `Retry-After` parsing.
 */
import { ProviderError, type Capability, type ProviderName } from './types.ts'

export type Timeouts = Partial<Record<Capability | 'default', number>>

/** Milliseconds. For chat it is the longest silence allowed between streamed chunks. */
export const DEFAULT_TIMEOUTS: Required<Timeouts> = {
	default: 60_000,
	chat: 60_000,
	title: 20_000,
	vision: 60_000,
	image: 180_000,
	imageEdit: 180_000,
	upscale: 180_000,
	video: 60_000,
	speech: 60_000,
	music: 60_000,
	transcribe: 120_000,
}

export function timeoutFor(timeouts: Timeouts | undefined, capability: Capability | 'default'): number {
	return timeouts?.[capability] ?? timeouts?.default ?? DEFAULT_TIMEOUTS[capability]
}

/**
 * The caller's signal plus a time limit. `arm()` restarts the clock, so a stream can be limited on silence
 * between chunks rather than on its total length; `pause()` stops it while the consumer is busy.
 */
export class Deadline {
	readonly signal: AbortSignal
	private readonly controller = new AbortController()
	private timer: ReturnType<typeof setTimeout> | undefined
	private expired = false
	private readonly onParentAbort = () => this.controller.abort(this.parent?.reason)

	constructor(
		private readonly parent: AbortSignal | undefined,
		readonly ms: number,
	) {
		this.signal = this.controller.signal
		if (parent?.aborted) this.controller.abort(parent.reason)
		else parent?.addEventListener('abort', this.onParentAbort, { once: true })
		this.arm()
	}

	arm() {
		this.pause()
		if (this.controller.signal.aborted) return
		this.timer = setTimeout(() => {
			this.expired = true
			this.controller.abort(new DOMException('The provider took too long to answer', 'TimeoutError'))
		}, this.ms)
	}

	pause() {
		if (this.timer !== undefined) clearTimeout(this.timer)
		this.timer = undefined
	}

	dispose() {
		this.pause()
		this.parent?.removeEventListener('abort', this.onParentAbort)
	}

	get timedOut() {
		return this.expired
	}

	/** Why the signal fired, as our error; null when it has not fired. */
	abortError(provider: ProviderName, what: string): ProviderError | null {
		if (this.expired) {
			return new ProviderError(
				'timed_out',
				`${what} did not answer within ${formatSeconds(this.ms)}. Try again; if it keeps happening, try another model.`,
				{ provider },
			)
		}
		if (this.parent?.aborted || this.controller.signal.aborted) {
			return new ProviderError('canceled', `${what} was canceled.`, { provider })
		}
		return null
	}
}

function formatSeconds(ms: number) {
	return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} seconds`
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or OpenAI's `retry-after-ms`. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
	if (!headers) return undefined
	const ms = headers.get('retry-after-ms')
	if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.max(0, Math.ceil(Number(ms) / 1000))
	const value = headers.get('retry-after')?.trim()
	if (!value) return undefined
	if (/^\d+(\.\d+)?$/.test(value)) return Math.max(0, Math.ceil(Number(value)))
	const date = Date.parse(value)
	if (Number.isNaN(date)) return undefined
	return Math.max(0, Math.ceil((date - now) / 1000))
}

export function toBase64(data: Uint8Array): string {
	return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')
}

export function toDataUri(data: Uint8Array, contentType: string): string {
	return `data:${contentType};base64,${toBase64(data)}`
}

/** Vendor messages can be long or carry request echoes; keep what helps a person. */
export function shortMessage(message: string, max = 300): string {
	const oneLine = message.replace(/\s+/g, ' ').trim()
	return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4)
}
