/**
 * Replies being written in this process, by message id. The runner pushes each text delta here the moment the
 * provider yields it; every SSE client following the reply (the page that sent it, a reload, a second tab)
 * gets the text so far and then each delta, so a reload never loses or repeats a token. Streams running in
 * another process are followed by polling their row instead (see `follow` in ./index.ts).
 */

export type MessageStatus = 'complete' | 'streaming' | 'error' | 'stopped'

export type ReplyEvent =
	| { type: 'snapshot'; messageId: string; text: string }
	| { type: 'delta'; text: string }
	| { type: 'done'; messageId: string; status: MessageStatus; error: string | null }

/** Why a live reply was aborted: a person pressed stop, or the process is shutting down. */
export type AbortReason = 'stopped' | 'shutdown'

type Listener = (event: ReplyEvent) => void

export type ReplyOwner = { userId: string; conversationId: string }

export class LiveReply {
	text = ''
	readonly controller = new AbortController()
	reason: AbortReason | null = null
	private readonly listeners = new Set<Listener>()
	private ended: Extract<ReplyEvent, { type: 'done' }> | null = null
	readonly messageId: string
	/** Whose reply it is, so following it from this process needs no database round (see `follow`). */
	readonly owner: ReplyOwner | null

	constructor(messageId: string, owner: ReplyOwner | null = null) {
		this.messageId = messageId
		this.owner = owner
	}

	get signal(): AbortSignal {
		return this.controller.signal
	}

	push(delta: string) {
		this.text += delta
		const event: ReplyEvent = { type: 'delta', text: delta }
		for (const listener of this.listeners) listener(event)
	}

	abort(reason: AbortReason) {
		if (this.controller.signal.aborted) return
		this.reason = reason
		this.controller.abort(
			new DOMException(`The reply was ${reason === 'stopped' ? 'stopped' : 'interrupted'}.`, 'AbortError'),
		)
	}

	finish(status: MessageStatus, error: string | null) {
		if (this.ended) return
		this.ended = { type: 'done', messageId: this.messageId, status, error }
		for (const listener of this.listeners) listener(this.ended)
		this.listeners.clear()
	}

	/** The text so far, then every later event, synchronously in order; returns the unsubscribe function. */
	subscribe(listener: Listener): () => void {
		listener({ type: 'snapshot', messageId: this.messageId, text: this.text })
		if (this.ended) {
			listener(this.ended)
			return () => undefined
		}
		this.listeners.add(listener)
		return () => this.listeners.delete(listener)
	}
}

export type LiveReplies = ReturnType<typeof createLiveReplies>

export function createLiveReplies() {
	const replies = new Map<string, LiveReply>()
	return {
		open(messageId: string, owner: ReplyOwner | null = null): LiveReply {
			const reply = new LiveReply(messageId, owner)
			replies.set(messageId, reply)
			return reply
		},
		get(messageId: string): LiveReply | undefined {
			return replies.get(messageId)
		},
		close(reply: LiveReply) {
			if (replies.get(reply.messageId) === reply) replies.delete(reply.messageId)
		},
		all(): LiveReply[] {
			return [...replies.values()]
		},
	}
}

/**
 * A push-to-pull queue: listeners push events, one consumer awaits them in order. Ends on `done` or when the
 * signal aborts (the SSE client went away).
 */
export async function* eventsOf(
	subscribe: (listener: Listener) => () => void,
	signal: AbortSignal,
): AsyncGenerator<ReplyEvent> {
	const queue: ReplyEvent[] = []
	const waker: { wake: (() => void) | null } = { wake: null }
	const unsubscribe = subscribe(event => {
		queue.push(event)
		waker.wake?.()
	})
	const onAbort = () => waker.wake?.()
	signal.addEventListener('abort', onAbort)
	const next = () =>
		new Promise<void>(resolve => {
			waker.wake = resolve
		})
	try {
		while (!signal.aborted) {
			const event = queue.shift()
			if (event) {
				yield event
				if (event.type === 'done') return
				continue
			}
			await next()
			waker.wake = null
		}
	} finally {
		signal.removeEventListener('abort', onAbort)
		unsubscribe()
	}
}
