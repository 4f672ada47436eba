/**
 * Chat: conversations as trees of messages, one branch on screen at a time, replies streamed from any chat
 * model. The same functions serve the pages (with or without JavaScript), the SSE stream and the API routes.
 *
 * A reply's life: `send`/`edit`/`regenerate` store the user's message and an empty assistant message with
 * status `streaming` (budget checked first, all in one transaction), then start the provider call in this
 * process. Each text delta goes at once to the in-process registry (./live.ts), which every SSE client of
 * the reply follows; the row is updated at a modest cadence so a reload, or a client served by another
 * process, sees the partial text. The end — complete, stopped (the text so far is kept), or error (with a
 * message a person can act on) — is written with the reply's usage and cost in one transaction.
 *
 * Users act through `db.asUser` everywhere, the title worker included (the job carries the owner's id), so
 * row-level security applies to every query here.
 */
import { randomUUID } from 'node:crypto'
import type { ChatExport } from '#app/schemas/chat.ts'
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { createMarkdownRenderer, type MarkdownRenderer } from '#server/markdown/index.ts'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import { estimateTokens } from '#server/providers/deadline.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError, type Usage } from '#server/providers/types.ts'
import { UploadRefusedError, type Storage, type StoredObject } from '#server/storage/index.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import { createAnalysis } from './analysis.ts'
import { buildRequest, type ReplyJob } from './context.ts'
import { exportFilename, planImport, toExportJson, toExportMarkdown } from './exchange.ts'
import { createLiveReplies, eventsOf, type LiveReply, type MessageStatus, type ReplyEvent } from './live.ts'
import {
	CONVERSATION_COLUMNS,
	DEFAULT_TITLE,
	MESSAGE_COLUMNS,
	attachmentsOf,
	decodeCursor,
	encodeCursor,
	insertAttachments,
	insertMessage,
	isUuid,
	latestLeafUnder,
	listConversations,
	loadBranch,
	loadConversation,
	loadMessage,
	newestLeaf,
	setCurrentLeaf,
	siblingsOf,
	toConversation,
	toMessage,
	type AttachmentRow,
	type Conversation,
	type Message,
	type SiblingInfo,
} from './store.ts'
import {
	estimateMicros,
	failureMessage,
	resolveModel as resolveModelOf,
	sleep,
	type Actor,
	type UploadedFile,
} from './support.ts'
import { createTitles, type TitleData } from './titles.ts'

export type { Actor, UploadedFile } from './support.ts'
export type { Conversation, ConversationSummary, Message, MessageRole, SiblingInfo } from './store.ts'
export type { MessageStatus, ReplyEvent } from './live.ts'
export { DEFAULT_TITLE, HIGHLIGHT_END, HIGHLIGHT_START } from './store.ts'

export type AttachmentView = Pick<AttachmentRow, 'id' | 'name' | 'contentType' | 'size'> & {
	kind: 'image' | 'video' | 'audio' | 'document'
	/** A signed URL that works without a session until it expires. */
	url: string
}

export type MessageView = Pick<
	Message,
	'id' | 'parentId' | 'role' | 'content' | 'model' | 'status' | 'error' | 'costMicros' | 'inputTokens' | 'outputTokens'
> & {
	createdAt: Date
	/** Sanitised HTML of an assistant reply (user messages are shown as the text they typed). */
	html: string | null
	siblings: SiblingInfo
	attachments: AttachmentView[]
}

export type Thread = {
	conversation: Conversation
	messages: MessageView[]
	/** The last message of the branch: new messages answer it. */
	leafId: string | null
	/** Pass as `before` to see the messages above the window; null at the top. */
	earlierBefore: string | null
	/** True when the window ends above the leaf (showing older history). */
	showingEarlier: boolean
	/** A reply on this branch that is still being written, to follow over the stream. */
	streamingId: string | null
}

export type ChatDeps = {
	config: Pick<Config, 'monthlyBudgetUsd'>
	db: Db
	jobs: Jobs
	providers: ProviderRegistry
	storage: Storage
	markdown?: MarkdownRenderer
	/** How often a streaming reply's text is written to its row (a reload shows at most this much less). */
	flushIntervalMs?: number
	/** A streaming row untouched for this long, with no writer in this process, was cut off (a crash). */
	staleAfterMs?: number
	/** How often a client following a reply written by another process re-reads the row. */
	pollIntervalMs?: number
	/** Messages shown per page of a branch. */
	windowSize?: number
}

const MAX_FILES = 4
const SIGNED_URL_SECONDS = 3600

function attachmentKind(contentType: string): AttachmentView['kind'] {
	if (contentType.startsWith('image/')) return 'image'
	if (contentType.startsWith('video/')) return 'video'
	if (contentType.startsWith('audio/')) return 'audio'
	return 'document'
}

export function createChat(deps: ChatDeps) {
	const { db, jobs, providers, storage } = deps
	const markdown = deps.markdown ?? createMarkdownRenderer()
	const flushIntervalMs = deps.flushIntervalMs ?? 750
	const staleAfterMs = deps.staleAfterMs ?? 45_000
	const pollIntervalMs = deps.pollIntervalMs ?? 400
	const windowSize = deps.windowSize ?? 50
	const live = createLiveReplies()
	/** Reply runs of this process, so a stop can wait for the text to be saved and shutdown can drain them. */
	const running = new Map<string, Promise<void>>()

	// -----------------------------------------------------------------------------------------------------------
	// models

	/** Chat-capable models that can be used on this server, for the pickers. */
	function models(): Array<{ id: string; name: string; vision: boolean }> {
		return providers
			.list()
			.filter(m => m.available && m.capabilities.includes('chat'))
			.map(m => ({ id: m.id, name: m.displayName, vision: m.capabilities.includes('vision') }))
	}

	function defaultModel(): string {
		return providers.defaultModel('chat').id
	}

	const resolveModel = (modelId: string | null | undefined) => resolveModelOf(providers, modelId, 'chat')
	const titles = createTitles(deps)
	const analysis = createAnalysis(deps)

	// -----------------------------------------------------------------------------------------------------------
	// conversations

	async function list(actor: Actor, options: { query?: string | null; cursor?: string | null; limit?: number } = {}) {
		const limit = Math.min(Math.max(options.limit ?? 30, 1), 100)
		const page = await db.asUser(actor.id, tx =>
			listConversations(tx, { query: options.query ?? null, cursor: decodeCursor(options.cursor), limit }),
		)
		return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null }
	}

	async function get(actor: Actor, id: string): Promise<Conversation | Refusal> {
		const conversation = await db.asUser(actor.id, tx => loadConversation(tx, id))
		return conversation ?? notFound('That chat')
	}

	async function create(
		actor: Actor,
		input: { model?: string | undefined; systemPrompt?: string | undefined; title?: string | undefined } = {},
	): Promise<Conversation | Refusal> {
		const model = resolveModel(input.model)
		if ('refused' in model) return model
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Parameters<typeof toConversation>[0]>(
				`insert into public.conversations (user_id, title, model, system_prompt) values ($1, $2, $3, $4)
				 returning ${CONVERSATION_COLUMNS}`,
				[actor.id, input.title?.trim() || DEFAULT_TITLE, model.id, input.systemPrompt?.trim() || null],
			)
			return toConversation(rows[0] as Parameters<typeof toConversation>[0])
		})
	}

	async function update(
		actor: Actor,
		id: string,
		changes: { title?: string | undefined; model?: string | undefined; systemPrompt?: string | null | undefined },
	): Promise<Conversation | Refusal> {
		if (changes.model !== undefined) {
			const model = resolveModel(changes.model)
			if ('refused' in model) return model
		}
		const conversation = await db.asUser(actor.id, async tx => {
			if (!isUuid(id)) return null
			const { rows } = await tx.query<Parameters<typeof toConversation>[0]>(
				`update public.conversations set
					title = coalesce($2, title),
					model = coalesce($3, model),
					system_prompt = case when $4 then $5 else system_prompt end
				 where id = $1 returning ${CONVERSATION_COLUMNS}`,
				[
					id,
					changes.title?.trim() || null,
					changes.model ?? null,
					changes.systemPrompt !== undefined,
					changes.systemPrompt?.trim() || null,
				],
			)
			return rows[0] ? toConversation(rows[0]) : null
		})
		return conversation ?? notFound('That chat')
	}

	const rename = (actor: Actor, id: string, title: string) => update(actor, id, { title })

	async function setPinned(actor: Actor, id: string, pinned: boolean): Promise<true | Refusal> {
		const { rowCount } = await db.asUser(actor.id, tx =>
			tx.query('update public.conversations set pinned = $2 where id = $1', [isUuid(id) ? id : null, pinned]),
		)
		return rowCount > 0 ? true : notFound('That chat')
	}

	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const files = await db.asUser(actor.id, async tx => {
			if (!isUuid(id)) return null
			// Attachments outlive their message by design (set null); a deleted chat takes its files with it.
			const { rows } = await tx.query<{ bucket: 'media' | 'attachments'; key: string }>(
				`delete from public.attachments a using public.messages m
				 where a.message_id = m.id and m.conversation_id = $1 returning a.bucket, a.key`,
				[id],
			)
			const deleted = await tx.query('delete from public.conversations where id = $1', [id])
			return deleted.rowCount > 0 ? rows : null
		})
		// A reply still being written into the deleted chat stops at its next write (its row is gone).
		if (!files) return notFound('That chat')
		await removeFiles(files)
		return true
	}

	async function removeFiles(files: ReadonlyArray<{ bucket: 'media' | 'attachments'; key: string }>) {
		const byBucket = new Map<'media' | 'attachments', string[]>()
		for (const f of files) byBucket.set(f.bucket, [...(byBucket.get(f.bucket) ?? []), f.key])
		for (const [bucket, keys] of byBucket) {
			await storage
				.remove(bucket, keys)
				.catch((error: unknown) => logger.warn('could not remove chat files', { error }))
		}
	}

	// -----------------------------------------------------------------------------------------------------------
	// the thread on screen

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

	async function thread(
		actor: Actor,
		id: string,
		options: { branch?: string | undefined; before?: string | undefined; window?: number } = {},
	): Promise<Thread | Refusal> {
		const limit = Math.max(1, Math.min(options.window ?? windowSize, 500))
		const loaded = await db.asUser(actor.id, async tx => {
			const conversation = await loadConversation(tx, id)
			if (!conversation) return null
			let leafId = conversation.currentLeafId
			if (options.branch) {
				const chosen = await latestLeafUnder(tx, conversation.id, options.branch)
				if (chosen && chosen !== leafId) {
					// Switching branch is remembered: the next visit opens where the person left off.
					await setCurrentLeaf(tx, conversation.id, chosen)
					conversation.currentLeafId = chosen
				}
				leafId = chosen ?? leafId
			}
			if (!leafId) {
				leafId = await newestLeaf(tx, conversation.id)
				if (leafId) await setCurrentLeaf(tx, conversation.id, leafId)
			}
			if (!leafId) {
				return {
					conversation,
					leafId: null,
					messages: [],
					more: false,
					siblings: new Map(),
					files: [],
					showingEarlier: false,
				}
			}
			let start = leafId
			let showingEarlier = false
			if (options.before) {
				const anchor = await loadMessage(tx, conversation.id, options.before)
				if (anchor?.parentId) {
					start = anchor.parentId
					showingEarlier = true
				}
			}
			const { messages, more } = await loadBranch(tx, conversation.id, start, limit)
			await settleStale(tx, messages)
			const siblings = await siblingsOf(tx, conversation.id, messages)
			const files = await attachmentsOf(
				tx,
				messages.filter(m => m.role === 'user').map(m => m.id),
			)
			return { conversation, leafId, messages, more, siblings, files, showingEarlier }
		})
		if (!loaded) return notFound('That chat')
		const urls = await Promise.all(
			loaded.files.map(async f => ({
				...f,
				url: await storage.signedUrl(f.bucket, f.key, { expiresInSeconds: SIGNED_URL_SECONDS }),
			})),
		)
		const messages: MessageView[] = loaded.messages.map(m => ({
			id: m.id,
			parentId: m.parentId,
			role: m.role,
			content: m.content,
			model: m.model,
			status: m.status,
			error: m.error,
			costMicros: m.costMicros,
			inputTokens: m.inputTokens,
			outputTokens: m.outputTokens,
			createdAt: m.createdAt,
			html: m.role === 'assistant' && m.content ? markdown.render(m.content) : null,
			siblings: loaded.siblings.get(m.id) ?? { index: 1, count: 1, previousId: null, nextId: null },
			attachments: urls
				.filter(f => f.messageId === m.id)
				.map(f => ({
					id: f.id,
					name: f.name,
					contentType: f.contentType,
					size: f.size,
					kind: attachmentKind(f.contentType),
					url: f.url,
				})),
		}))
		return {
			conversation: loaded.conversation,
			messages,
			leafId: loaded.leafId,
			earlierBefore: loaded.more ? (messages[0]?.id ?? null) : null,
			showingEarlier: loaded.showingEarlier,
			streamingId: [...messages].reverse().find(m => m.status === 'streaming')?.id ?? null,
		}
	}

	// -----------------------------------------------------------------------------------------------------------
	// sending, editing, regenerating

	/** Checks and stores uploads before the transaction (storage is I/O); the caller removes them if it fails. */
	async function storeFiles(actor: Actor, files: readonly UploadedFile[]): Promise<StoredObject[] | Refusal> {
		if (files.length > MAX_FILES) {
			return refuse(400, 'too_many_files', `Attach at most ${MAX_FILES} files to a message.`, {
				fields: { attachments: [`At most ${MAX_FILES} files.`] },
			})
		}
		const stored: StoredObject[] = []
		for (const file of files) {
			try {
				stored.push(
					await storage.put({
						bucket: 'attachments',
						userId: actor.id,
						data: file.data,
						contentType: file.type || null,
						filename: file.name || null,
					}),
				)
			} catch (error) {
				await removeFiles(stored)
				if (error instanceof UploadRefusedError) {
					const message = `${file.name || 'A file'}: ${error.message}`
					return refuse(
						error.reason === 'too_large' ? 413 : error.reason === 'empty' ? 400 : 415,
						`upload_${error.reason}`,
						message,
						{
							fields: { attachments: [message] },
						},
					)
				}
				throw error
			}
		}
		return stored
	}

	type Prepared = { conversation: Conversation; model: ModelInfo }

	async function prepare(actor: Actor, conversationId: string): Promise<Prepared | Refusal> {
		const conversation = await get(actor, conversationId)
		if ('refused' in conversation) return conversation
		const model = resolveModel(conversation.model)
		if ('refused' in model) {
			return refuse(model.status, model.code, `${model.message} Change the chat's model in its settings.`, {
				fields: { content: [model.message] },
			})
		}
		return { conversation, model }
	}

	/** The parent must be in this chat and not still being written (answering half a reply makes no sense). */
	async function checkParent(tx: Tx, conversationId: string, parentId: string | null): Promise<Refusal | null> {
		if (parentId === null) return null
		const parent = await loadMessage(tx, conversationId, parentId)
		if (!parent)
			return refuse(409, 'parent_missing', 'The message you are answering no longer exists. Reload the chat.')
		if (parent.status === 'streaming') {
			return refuse(
				409,
				'reply_in_progress',
				'Wait for the reply to finish, or stop it, before sending the next message.',
				{
					fields: { content: ['A reply is still being written.'] },
				},
			)
		}
		return null
	}

	/** User message (+ files) and an empty reply in one transaction, then the reply starts. */
	async function appendExchange(
		actor: Actor,
		prepared: Prepared,
		parentId: string | null | undefined,
		content: string,
		files: readonly UploadedFile[],
		wait: boolean,
	): Promise<{ userMessageId: string; replyId: string } | Refusal> {
		const { conversation, model } = prepared
		const stored = await storeFiles(actor, files)
		if ('refused' in stored) return stored
		if (stored.some(f => f.kind === 'image') && !model.capabilities.includes('vision')) {
			await removeFiles(stored)
			const message = `${model.displayName} cannot look at images. Remove the image or switch the chat to a model that can.`
			return refuse(400, 'model_cannot_see', message, { fields: { attachments: [message] } })
		}
		let created: { userMessageId: string; replyId: string } | Refusal
		try {
			created = await db.asUser(actor.id, async tx => {
				const fresh = await loadConversation(tx, conversation.id, { forUpdate: true })
				if (!fresh) return notFound('That chat')
				const parent = parentId === undefined ? fresh.currentLeafId : parentId
				const bad = await checkParent(tx, fresh.id, parent)
				if (bad) return bad
				const over = await checkBudget(
					tx,
					actor.id,
					estimateMicros(model, content.length + (fresh.systemPrompt?.length ?? 0)),
					deps.config.monthlyBudgetUsd,
				)
				if (over) return { ...over, fields: { content: [over.message] } }
				const user = await insertMessage(tx, {
					conversationId: fresh.id,
					userId: actor.id,
					parentId: parent,
					role: 'user',
					content,
					model: null,
					status: 'complete',
				})
				await insertAttachments(
					tx,
					actor.id,
					user.id,
					stored.map(file => ({
						bucket: file.bucket,
						key: file.key,
						contentType: file.contentType,
						size: file.size,
						name: file.filename ?? '',
					})),
				)
				const reply = await insertMessage(tx, {
					conversationId: fresh.id,
					userId: actor.id,
					parentId: user.id,
					role: 'assistant',
					content: '',
					model: model.id,
					status: 'streaming',
				})
				await setCurrentLeaf(tx, fresh.id, reply.id)
				return { userMessageId: user.id, replyId: reply.id }
			})
		} catch (error) {
			await removeFiles(stored)
			throw error
		}
		if ('refused' in created) {
			await removeFiles(stored)
			return created
		}
		const run = startReply({
			replyId: created.replyId,
			conversationId: conversation.id,
			userId: actor.id,
			modelId: model.id,
		})
		if (wait) await run
		return created
	}

	async function send(
		actor: Actor,
		conversationId: string,
		input: { content: string; parentId?: string | undefined; files?: readonly UploadedFile[] },
		options: { wait: boolean },
	) {
		const prepared = await prepare(actor, conversationId)
		if ('refused' in prepared) return prepared
		return appendExchange(actor, prepared, input.parentId, input.content, input.files ?? [], options.wait)
	}

	/** `/chat`: a new conversation, and its first message when one was written. */
	async function start(
		actor: Actor,
		input: { model?: string | undefined; systemPrompt?: string | undefined; content?: string | undefined },
		options: { wait: boolean },
	): Promise<{ conversation: Conversation; replyId: string | null } | Refusal> {
		const conversation = await create(actor, input)
		if ('refused' in conversation) return conversation
		if (!input.content) return { conversation, replyId: null }
		const sent = await send(actor, conversation.id, { content: input.content }, options)
		if ('refused' in sent) {
			// Nothing was said yet: leave no empty chat behind the refusal.
			await remove(actor, conversation.id)
			return sent
		}
		return { conversation, replyId: sent.replyId }
	}

	/** A new version of a user message: a sibling of it, with a fresh reply, on a new branch. */
	async function edit(
		actor: Actor,
		conversationId: string,
		messageId: string,
		content: string,
		options: { wait: boolean },
	) {
		const prepared = await prepare(actor, conversationId)
		if ('refused' in prepared) return prepared
		const original = await db.asUser(actor.id, tx => loadMessage(tx, conversationId, messageId))
		if (!original || original.role !== 'user') return notFound('That message')
		return appendExchange(actor, prepared, original.parentId, content, [], options.wait)
	}

	/**
	 * Another reply to the same message, as a sibling (a new branch). A reply that failed is replaced instead of
	 * kept: a failure is not a version anyone wants to page back to.
	 */
	async function regenerate(actor: Actor, conversationId: string, messageId: string, options: { wait: boolean }) {
		const prepared = await prepare(actor, conversationId)
		if ('refused' in prepared) return prepared
		const { model } = prepared
		const created = await db.asUser(actor.id, async tx => {
			// One writer at a time per chat, as for sending.
			if (!(await loadConversation(tx, conversationId, { forUpdate: true }))) return notFound('That chat')
			const target = await loadMessage(tx, conversationId, messageId)
			if (!target || target.role !== 'assistant' || !target.parentId) return notFound('That reply')
			if (target.status === 'streaming') return refuse(409, 'reply_in_progress', 'This reply is still being written.')
			const parent = await loadMessage(tx, conversationId, target.parentId)
			const over = await checkBudget(
				tx,
				actor.id,
				estimateMicros(model, parent?.content.length ?? 0),
				deps.config.monthlyBudgetUsd,
			)
			if (over) return over
			if (target.status === 'error') {
				const children = await tx.query('select 1 from public.messages where parent_id = $1 limit 1', [target.id])
				if (children.rowCount === 0) await tx.query('delete from public.messages where id = $1', [target.id])
			}
			const reply = await insertMessage(tx, {
				conversationId,
				userId: actor.id,
				parentId: target.parentId,
				role: 'assistant',
				content: '',
				model: model.id,
				status: 'streaming',
			})
			await setCurrentLeaf(tx, conversationId, reply.id)
			return { replyId: reply.id }
		})
		if ('refused' in created) return created
		const run = startReply({ replyId: created.replyId, conversationId, userId: actor.id, modelId: model.id })
		if (options.wait) await run
		return created
	}

	/**
	 * Stops a reply: the provider call is aborted and the text so far is kept (status `stopped`). A reply written
	 * by another process notices at its next write and stops itself.
	 */
	async function stop(
		actor: Actor,
		conversationId: string,
		messageId: string,
	): Promise<{ status: MessageStatus } | Refusal> {
		const message = await db.asUser(actor.id, async tx => {
			const found = await loadMessage(tx, conversationId, messageId)
			if (!found) return null
			if (found.status === 'streaming') {
				await tx.query(`update public.messages set status = 'stopped' where id = $1 and status = 'streaming'`, [
					found.id,
				])
			}
			return found
		})
		if (!message) return notFound('That reply')
		const reply = live.get(message.id)
		const run = running.get(message.id)
		if (reply) reply.abort('stopped')
		// Let the runner save the final text before the page reloads it.
		if (run) await Promise.race([run, sleep(5000)])
		const after = await db.asUser(actor.id, tx => loadMessage(tx, conversationId, messageId))
		return { status: after?.status ?? 'stopped' }
	}

	// -----------------------------------------------------------------------------------------------------------
	// the reply runner

	function startReply(job: ReplyJob): Promise<void> {
		const reply = live.open(job.replyId)
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
						: failureMessage(caught)
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

	async function finishReply(
		job: ReplyJob,
		outcome: {
			text: string
			status: MessageStatus
			error: string | null
			usage: Usage | null
			costMicros: number
			model: ModelInfo | null
		},
	) {
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

	/**
	 * What an SSE client sees: the text so far, each delta, then the end. Follows the in-process registry when
	 * the reply is written here, otherwise re-reads the row (another process, or a reply that already ended).
	 */
	async function follow(
		actor: Actor,
		conversationId: string,
		messageId: string | undefined,
		signal: AbortSignal,
	): Promise<AsyncIterable<ReplyEvent> | Refusal> {
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

	// -----------------------------------------------------------------------------------------------------------
	// export and import

	async function exportConversation(
		actor: Actor,
		id: string,
		format: 'markdown' | 'json',
	): Promise<{ filename: string; contentType: string; body: string } | Refusal> {
		const data = await db.asUser(actor.id, async tx => {
			const conversation = await loadConversation(tx, id)
			if (!conversation) return null
			let messages: Message[]
			if (format === 'json') {
				const { rows } = await tx.query<Parameters<typeof toMessage>[0]>(
					`select ${MESSAGE_COLUMNS} from public.messages where conversation_id = $1 order by created_at, id`,
					[conversation.id],
				)
				messages = rows.map(toMessage)
			} else {
				const leaf = conversation.currentLeafId ?? (await newestLeaf(tx, conversation.id))
				messages = leaf ? (await loadBranch(tx, conversation.id, leaf, 100_000)).messages : []
			}
			const files = await attachmentsOf(
				tx,
				messages.map(m => m.id),
			)
			return { conversation, messages, files }
		})
		if (!data) return notFound('That chat')
		const withFiles = data.messages.map(m => ({
			...m,
			attachments: data.files
				.filter(f => f.messageId === m.id)
				.map(f => ({ name: f.name, contentType: f.contentType, size: f.size })),
		}))
		if (format === 'json') {
			return {
				filename: exportFilename(data.conversation.title, 'json'),
				contentType: 'application/json; charset=utf-8',
				body: JSON.stringify(toExportJson(data.conversation, withFiles), null, 2),
			}
		}
		return {
			filename: exportFilename(data.conversation.title, 'md'),
			contentType: 'text/markdown; charset=utf-8',
			body: toExportMarkdown(data.conversation, withFiles),
		}
	}

	/** A JSON export as a new chat (new ids, every branch kept). Attachments are listed in exports, not carried. */
	async function importConversation(actor: Actor, data: ChatExport): Promise<Conversation | Refusal> {
		const plan = planImport(data, randomUUID)
		if (typeof plan === 'string') return refuse(400, 'invalid_import', plan, { fields: { file: [plan] } })
		const model =
			data.conversation.model && providers.model(data.conversation.model) ? data.conversation.model : defaultModel()
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Parameters<typeof toConversation>[0]>(
				`insert into public.conversations (user_id, title, model, system_prompt) values ($1, $2, $3, $4)
				 returning ${CONVERSATION_COLUMNS}`,
				[
					actor.id,
					data.conversation.title.trim().slice(0, 500) || DEFAULT_TITLE,
					model,
					data.conversation.systemPrompt || null,
				],
			)
			const conversation = toConversation(rows[0] as Parameters<typeof toConversation>[0])
			if (plan.rows.length > 0) {
				// One statement for the whole tree: parents and children land together, checked at its end.
				await tx.query(
					`insert into public.messages (id, conversation_id, user_id, parent_id, role, content, model, status, error, created_at)
					 select r.id, $1, $2, r.parent_id, r.role, r.content, r.model, r.status, r.error, r.created_at
					 from jsonb_to_recordset($3::jsonb) as r(id uuid, parent_id uuid, role text, content text, model text,
						status text, error text, created_at timestamptz)`,
					[conversation.id, actor.id, JSON.stringify(plan.rows)],
				)
				await setCurrentLeaf(tx, conversation.id, plan.currentLeafId)
				conversation.currentLeafId = plan.currentLeafId
			}
			return conversation
		})
	}

	// -----------------------------------------------------------------------------------------------------------
	// lifecycle

	return {
		models,
		defaultModel,
		list,
		get,
		create,
		start,
		update,
		rename,
		setPinned,
		remove,
		thread,
		send,
		edit,
		regenerate,
		stop,
		follow,
		/** `POST /api/title`: a new title now, replacing the current one. */
		generateTitle: titles.generate,
		titleJob: titles.job,
		analyse: analysis.analyse,
		exportConversation,
		importConversation,
		/** True while a reply is being written in this process. */
		isLive: (messageId: string) => live.get(messageId) !== undefined,
		/** Waits for this process's reply runs (tests, benches, and shutdown after aborting them). */
		async settled() {
			await Promise.allSettled([...running.values()])
		},
		async startWorkers() {
			await jobs.work<TitleData>('chat.title', titles.job, { batchSize: 2 })
		},
		/** Shutdown: replies still being written keep their text and are marked so they can be retried. */
		async close() {
			for (const reply of live.all()) reply.abort('shutdown')
			await Promise.race([Promise.allSettled([...running.values()]), sleep(5000)])
		},
	}
}

export type Chat = ReturnType<typeof createChat>
