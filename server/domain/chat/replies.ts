/**
 * The reply runner: one provider call per reply, in this process. Each text delta goes at once to the
 * in-process registry (./live.ts), which every SSE client of the reply follows; the row is updated at a modest
 * cadence so a reload, or a client served by another process, sees the partial text. The end — complete,
 * stopped (the text so far is kept), or error (with a message a person can act on) — is written with the
 * reply's usage and cost in one transaction, and queues the chat's title when it still has the default one.
 */
import type { Tx } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import { estimateTokens } from '#server/providers/deadline.ts'
import { isProviderError, type Usage } from '#server/providers/types.ts'
import { sleep } from '#server/sleep.ts'
import { failureMessage } from '../provider-failures.ts'
import { recordUsage } from '../usage/index.ts'
import { buildRequest, type ReplyJob } from './context.ts'
import { createLiveReplies, type LiveReply, type MessageStatus } from './live.ts'
import { DEFAULT_TITLE, type Message } from './store.ts'
import type { TitleData } from './titles.ts'
import type { DomainDeps } from '../deps.ts'

export type RepliesDeps = DomainDeps & {
	/** How often a streaming reply's text is written to its row (a reload shows at most this much less). */
	flushIntervalMs: number
	/** A streaming row untouched for this long, with no writer in this process, was cut off (a crash). */
	staleAfterMs: number
}

type Outcome = {
	text: string
	status: MessageStatus
	error: string | null
	usage: Usage | null
	costMicros: number
	model: ModelInfo | null
}

export function createReplies(deps: RepliesDeps) {
	const { db, jobs, providers, flushIntervalMs, staleAfterMs } = deps
	const live = createLiveReplies()
	/** Reply runs of this process, so a stop can wait for the text to be saved and shutdown can drain them. */
	const running = new Map<string, Promise<void>>()

	/** Marks replies cut off by a crash (no writer here, row untouched for a while) as failed, so they can be retried. */
	async function settleStale(tx: Tx, messages: Message[]): Promise<void> {
		const cutoff = Date.now() - staleAfterMs
		for (const m of messages) {
			if (m.status !== 'streaming' || live.get(m.id) || m.updatedAt.getTime() > cutoff) continue
			const message = 'This reply was interrupted before it finished. Retry it.'
			const { rowCount } = await tx.query(
				`update public.messages set status = 'error', error = $2 where id = $1 and status = 'streaming'`,
				[m.id, message],
			)
			if (rowCount > 0) Object.assign(m, { status: 'error', error: message })
		}
	}

	/** Starts writing a stored, empty reply; the promise settles when its end is saved. */
	function start(job: ReplyJob): Promise<void> {
		const reply = live.open(job.replyId, { userId: job.userId, conversationId: job.conversationId })
		const run = runReply(job, reply)
			.catch((error: unknown) => {
				logger.error('chat reply runner failed', { error, messageId: job.replyId })
			})
			.finally(() => {
				live.close(reply)
				running.delete(job.replyId)
			})
		running.set(job.replyId, run)
		return run
	}

	async function runReply(job: ReplyJob, reply: LiveReply): Promise<void> {
		let saved = ''
		let lastWrite = Date.now()
		let writing: Promise<void> | null = null
		const write = () => {
			if (writing) return
			const text = reply.text
			writing = db
				.asUser(job.userId, tx =>
					tx.query(`update public.messages set content = $2 where id = $1 and status = 'streaming'`, [
						job.replyId,
						text,
					]),
				)
				.then(({ rowCount }) => {
					saved = text
					lastWrite = Date.now()
					// Stopped from another process, or deleted: stop paying for it.
					if (rowCount === 0) reply.abort('stopped')
				})
				.catch((error: unknown) => {
					logger.warn('could not save a streaming reply', { error, messageId: job.replyId })
				})
				.finally(() => {
					writing = null
				})
		}
		// Modest cadence: the text when it changed, otherwise a heartbeat that tells other processes we are alive.
		const timer = setInterval(() => {
			if (reply.text !== saved || Date.now() - lastWrite > staleAfterMs / 3) write()
		}, flushIntervalMs)
		timer.unref()

		let status: MessageStatus = 'complete'
		let error: string | null = null
		let usage: Usage | null = null
		let costMicros = 0
		let requestChars = 0
		let called = false
		const model = providers.model(job.modelId)
		try {
			if (!model) throw new Error(`model ${job.modelId} left the catalogue`)
			const request = await buildRequest(deps, job, model)
			requestChars = request.messages.reduce((n, m) => n + m.content.length, 0)
			called = true
			const stream = providers.chat(model.id).stream(request, reply.signal)
			for await (const delta of stream) reply.push(delta)
			const result = stream.result
			if (result) {
				usage = result.usage
				costMicros = result.costMicros
				if (result.text && result.text !== reply.text) reply.text = result.text
				if (result.finishReason === 'length') error = 'The reply reached the model’s length limit and was cut short.'
				if (result.finishReason === 'content_filter') error = 'The provider’s content filter cut this reply short.'
			}
		} catch (caught) {
			if (reply.reason === 'stopped') status = 'stopped'
			else {
				status = 'error'
				error =
					reply.reason === 'shutdown'
						? 'The server restarted while writing this reply. Retry it.'
						: failureMessage(caught, 'reply')
				if (!isProviderError(caught)) logger.error('chat reply failed', { error: caught, messageId: job.replyId })
			}
			// A cut-off reply was still paid for: estimate what it used (providers report usage only at the end).
			if (called && model && reply.text.length > 0) {
				usage = {
					unit: 'tokens',
					inputTokens: Math.ceil(requestChars / 4),
					outputTokens: estimateTokens(reply.text),
					estimated: true,
				}
				costMicros = computeCostMicros(model, usage)
			}
		} finally {
			clearInterval(timer)
			await writing
		}
		await finishReply(job, { text: reply.text, status, error, usage, costMicros, model: model ?? null })
		reply.finish(status, error)
	}

	async function finishReply(job: ReplyJob, outcome: Outcome) {
		const titleQueued = await db.asUser(job.userId, async tx => {
			const { rowCount } = await tx.query(
				`update public.messages
				 set content = $2, status = $3, error = $4, input_tokens = $5, output_tokens = $6, cost_micros = $7
				 where id = $1 and status in ('streaming', 'stopped')`,
				[
					job.replyId,
					outcome.text,
					outcome.status,
					outcome.error,
					outcome.usage?.inputTokens ?? null,
					outcome.usage?.outputTokens ?? null,
					Math.max(0, Math.round(outcome.costMicros)),
				],
			)
			if (outcome.usage && outcome.model) {
				await recordUsage(tx, {
					userId: job.userId,
					provider: outcome.model.provider,
					model: outcome.model.id,
					capability: 'chat',
					usage: outcome.usage,
					costMicros: outcome.costMicros,
					// The ledger outlives the message; a reply deleted mid-stream is recorded without it.
					messageId: rowCount > 0 ? job.replyId : null,
				})
			}
			if (rowCount > 0 && outcome.status === 'complete') {
				const { rows } = await tx.query<{ title: string }>('select title from public.conversations where id = $1', [
					job.conversationId,
				])
				if (rows[0]?.title === DEFAULT_TITLE) {
					await jobs.enqueue<TitleData>(
						tx,
						'chat.title',
						{ conversationId: job.conversationId, userId: job.userId },
						{ singletonKey: job.conversationId },
					)
					return true
				}
			}
			return false
		})
		// After the commit: a worker in this process picks the job up now rather than at its next poll.
		if (titleQueued) jobs.wake('chat.title')
	}

	/** Aborts a reply written here; waits (a few seconds at most) for its final text to be saved. */
	async function stop(messageId: string): Promise<void> {
		const reply = live.get(messageId)
		const run = running.get(messageId)
		if (reply) reply.abort('stopped')
		if (run) await Promise.race([run, sleep(5000)])
	}

	return {
		live,
		start,
		stop,
		settleStale,
		/** True while a reply is being written in this process. */
		isLive: (messageId: string) => live.get(messageId) !== undefined,
		/** Waits for this process's reply runs (tests, benches, and shutdown after aborting them). */
		async settled() {
			await Promise.allSettled([...running.values()])
		},
		/** Shutdown: replies still being written keep their text and are marked so they can be retried. */
		async close() {
			for (const reply of live.all()) reply.abort('shutdown')
			await Promise.race([Promise.allSettled([...running.values()]), sleep(5000)])
		},
	}
}

export type Replies = ReturnType<typeof createReplies>
