/**
 * Chat: conversations as trees of messages, one branch on screen at a time, replies streamed from any chat
 * model. The same functions serve the pages (with or without JavaScript), the SSE stream and the API routes.
 *
 * Where each part lives:
 * - ./conversations.ts  the chat list, a chat's settings, deleting a chat and its files, the model pickers
 * - ./thread.ts         the thread on screen (one branch, windowed, with siblings and attachments)
 * - ./sending.ts        send / edit / regenerate / stop: messages stored, budget checked, reply started
 * - ./replies.ts        the reply runner: provider stream, partial text saved, the end written with its cost
 * - ./follow.ts         what an SSE client follows: the live registry here, the row from another process
 * - ./transfer.ts       export and import (the file formats are in ./exchange.ts)
 * - ./titles.ts, ./analysis.ts   titles and image analysis
 * - ./store.ts (rows and queries), ./context.ts (what a reply is asked with), ./live.ts (in-process registry)
 *
 * Users act through `db.asUser` everywhere, the title worker included (the job carries the owner's id), so
 * row-level security applies to every query here.
 */
import { createMarkdownRenderer, type MarkdownRenderer } from '#server/markdown/index.ts'
import { createAnalysis } from './analysis.ts'
import { createConversations } from './conversations.ts'
import { createFollow } from './follow.ts'
import { createReplies } from './replies.ts'
import { createSending } from './sending.ts'
import { createThreadReader } from './thread.ts'
import { createTitles, TitleDataSchema } from './titles.ts'
import { createTransfer } from './transfer.ts'
import type { DomainDeps } from '../deps.ts'

export type { Actor } from '../actor.ts'
export type { UploadedFile } from './support.ts'
export type { Conversation, Message, MessageRole, SiblingInfo } from './store.ts'
export type { ConversationSummary } from './list.ts'
export type { MessageStatus, ReplyEvent } from './live.ts'
export type { AttachmentView, MessageView, Thread } from './thread.ts'
export { DEFAULT_TITLE } from './store.ts'
export { HIGHLIGHT_END, HIGHLIGHT_START } from './list.ts'

export type ChatDeps = DomainDeps & {
	markdown?: MarkdownRenderer
	/** How often a streaming reply's text is written to its row (a reload shows at most this much less). */
	flushIntervalMs?: number
	/** A streaming row untouched for this long, with no writer in this process, was cut off (a crash). */
	staleAfterMs?: number
	/** How often a client following a reply written by another process re-reads the row. */
	pollIntervalMs?: number
	/**
	 * Messages shown per page of a branch (default 20, two screens or more; "Show earlier messages" pages back).
	 * The server renders only this window, so a long branch costs no more to open than a short one.
	 */
	windowSize?: number
}

export function createChat(deps: ChatDeps) {
	const { db, jobs, storage } = deps
	const replies = createReplies({
		...deps,
		flushIntervalMs: deps.flushIntervalMs ?? 750,
		staleAfterMs: deps.staleAfterMs ?? 45_000,
	})
	const conversations = createConversations(deps)
	const { thread } = createThreadReader({
		db,
		storage,
		markdown: deps.markdown ?? createMarkdownRenderer(),
		windowSize: deps.windowSize ?? 20,
		settleStale: replies.settleStale,
	})
	const sending = createSending({ ...deps, conversations, replies })
	const { follow } = createFollow({ db, replies, pollIntervalMs: deps.pollIntervalMs ?? 400 })
	const transfer = createTransfer({ ...deps, defaultModel: conversations.defaultModel })
	const titles = createTitles(deps)
	const analysis = createAnalysis(deps)

	return {
		models: conversations.models,
		defaultModel: conversations.defaultModel,
		list: conversations.list,
		get: conversations.get,
		create: conversations.create,
		start: sending.start,
		update: conversations.update,
		rename: conversations.rename,
		setPinned: conversations.setPinned,
		remove: conversations.remove,
		restore: conversations.restore,
		/** The purge job's part, once the undo window of a deleted chat is over. */
		purge: conversations.purge,
		thread,
		send: sending.send,
		edit: sending.edit,
		regenerate: sending.regenerate,
		stop: sending.stop,
		follow,
		/** `POST /api/title`: a new title now, replacing the current one. */
		generateTitle: titles.generate,
		titleJob: titles.job,
		analyse: analysis.analyse,
		exportConversation: transfer.exportConversation,
		importConversation: transfer.importConversation,
		/** True while a reply is being written in this process. */
		isLive: replies.isLive,
		/** Waits for this process's reply runs (tests, benches, and shutdown after aborting them). */
		settled: replies.settled,
		async startWorkers() {
			await jobs.work('chat.title', titles.job, { data: TitleDataSchema, batchSize: 2 })
		},
		/** Shutdown: replies still being written keep their text and are marked so they can be retried. */
		close: replies.close,
	}
}

export type Chat = ReturnType<typeof createChat>
