/**
 * What an SSE client sees of a reply: the text so far, each delta, then the end. It follows the in-process
 * registry when the reply is written here, otherwise re-reads the row (another process, or a reply that
 * already ended) and switches to the live feed if the reply starts here meanwhile.
 */
import type { Db } from '#server/db/index.ts'
import { notFound, type Refusal } from '../refusal.ts'
import { eventsOf, type ReplyEvent } from './live.ts'
import type { Replies } from './replies.ts'
import { loadConversation, loadMessage, type Message } from './store.ts'
import { sleep } from '#server/sleep.ts'
import type { Actor } from '../actor.ts'

export function createFollow(deps: {
	db: Db
	replies: Pick<Replies, 'live' | 'settleStale'>
	/** How often a client following a reply written by another process re-reads the row. */
	pollIntervalMs: number
}) {
	const { db, pollIntervalMs } = deps
	const { live, settleStale } = deps.replies

	async function follow(
		actor: Actor,
		conversationId: string,
		messageId: string | undefined,
		signal: AbortSignal,
	): Promise<AsyncIterable<ReplyEvent> | Refusal> {
		// A reply being written in this process knows whose it is: its owner follows it without a database round,
		// so the stream opens while the first tokens are arriving instead of after a transaction.
		const writing = messageId ? live.get(messageId) : undefined
		if (writing?.owner && writing.owner.userId === actor.id && writing.owner.conversationId === conversationId) {
			return eventsOf(listener => writing.subscribe(listener), signal)
		}
		const target = await db.asUser(actor.id, async tx => {
			const conversation = await loadConversation(tx, conversationId)
			if (!conversation) return null
			if (messageId) return loadMessage(tx, conversation.id, messageId)
			if (!conversation.currentLeafId) return null
			return loadMessage(tx, conversation.id, conversation.currentLeafId)
		})
		if (!target || target.role !== 'assistant') return notFound('That reply')
		const reply = live.get(target.id)
		if (reply) return eventsOf(listener => reply.subscribe(listener), signal)
		return pollRow(actor, target, signal)
	}

	async function* pollRow(actor: Actor, first: Message, signal: AbortSignal): AsyncGenerator<ReplyEvent> {
		let current: Message | null = first
		let sent: string | null = null
		while (current && !signal.aborted) {
			if (sent === null || !current.content.startsWith(sent)) {
				yield { type: 'snapshot', messageId: current.id, text: current.content }
				sent = current.content
			} else if (current.content.length > sent.length) {
				yield { type: 'delta', text: current.content.slice(sent.length) }
				sent = current.content
			}
			if (current.status !== 'streaming') {
				yield { type: 'done', messageId: current.id, status: current.status, error: current.error }
				return
			}
			// It may have started here meanwhile (a retry on this process): switch to the live feed.
			const here = live.get(current.id)
			if (here) {
				let skipped = false
				for await (const event of eventsOf(listener => here.subscribe(listener), signal)) {
					if (!skipped && event.type === 'snapshot') {
						skipped = true
						if (event.text.startsWith(sent)) {
							if (event.text.length > sent.length) yield { type: 'delta', text: event.text.slice(sent.length) }
							continue
						}
					}
					yield event
				}
				return
			}
			await sleep(pollIntervalMs, signal)
			if (signal.aborted) return
			const id: string = current.id
			const conversationId: string = current.conversationId
			current = await db.asUser(actor.id, async tx => {
				const row = await loadMessage(tx, conversationId, id)
				if (row) await settleStale(tx, [row])
				return row
			})
		}
		if (!current && !signal.aborted) {
			yield { type: 'done', messageId: first.id, status: 'error', error: 'This reply was deleted.' }
		}
	}

	return { follow }
}
