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
import type { Readable } from 'node:stream'
import type { ChatExport } from '#app/schemas/chat.ts'
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { createMarkdownRenderer, type MarkdownRenderer } from '#server/markdown/index.ts'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import { estimateTokens } from '#server/providers/deadline.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError, type BinaryInput, type ChatMessage, type Usage } from '#server/providers/types.ts'
import { UploadRefusedError, sniff, type Storage, type StoredObject } from '#server/storage/index.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget, recordUsage } from '../usage/index.ts'
import { exportFilename, planImport, toExportJson, toExportMarkdown } from './exchange.ts'
import { createLiveReplies, eventsOf, type LiveReply, type MessageStatus, type ReplyEvent } from './live.ts'
import {
	CONVERSATION_COLUMNS,
	DEFAULT_TITLE,
	MESSAGE_COLUMNS,
	attachmentsOf,
	decodeCursor,
	encodeCursor,
	insertAttachment,
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

export type { Conversation, ConversationSummary, Message, MessageRole, SiblingInfo } from './store.ts'
export type { MessageStatus, ReplyEvent } from './live.ts'
export { DEFAULT_TITLE, HIGHLIGHT_END, HIGHLIGHT_START } from './store.ts'

export type Actor = { id: string }

/** A file from a form or an API body, before it is checked and stored. */
export type UploadedFile = { name: string; type: string; data: Uint8Array }

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

/** Enough of a long conversation for any current model; older turns are left out of the request. */
const MAX_CONTEXT_CHARS = 120_000
const MAX_CONTEXT_IMAGES = 4
const MAX_DOCUMENT_CHARS = 20_000
const MAX_FILES = 4
/** What the budget check assumes a reply costs before it is written. */
const ESTIMATED_OUTPUT_TOKENS = 800
const SIGNED_URL_SECONDS = 3600

const sleep = (ms: number, signal?: AbortSignal) =>
	new Promise<void>(resolve => {
		const timer = setTimeout(done, ms)
		signal?.addEventListener('abort', done, { once: true })
		function done() {
			clearTimeout(timer)
			signal?.removeEventListener('abort', done)
			resolve()
		}
	})

/** A failure message a person can act on, never a stack trace or a vendor's internals. */
function failureMessage(error: unknown): string {
	if (isProviderError(error)) return error.message
	return 'The reply failed on our side. Retry it; if it keeps failing, tell an administrator.'
}

/** A provider's "no" as a refusal for calls made inside a request (titles, analysis). */
function providerRefusal(error: unknown): Refusal {
	if (!isProviderError(error)) throw error
	switch (error.code) {
		case 'rate_limited':
			return refuse(429, 'provider_rate_limited', error.message, {
				headers: error.retryAfterSeconds !== undefined ? { 'Retry-After': String(error.retryAfterSeconds) } : {},
			})
		case 'invalid_request':
			return refuse(400, 'provider_refused', error.message)
		case 'content_refused':
			return refuse(422, 'content_refused', error.message)
		default:
			return refuse(503, 'provider_unavailable', error.message)
	}
}

function attachmentKind(contentType: string): AttachmentView['kind'] {
	if (contentType.startsWith('image/')) return 'image'
	if (contentType.startsWith('video/')) return 'video'
	if (contentType.startsWith('audio/')) return 'audio'
	return 'document'
}

async function readAll(body: Readable): Promise<Uint8Array> {
	const chunks: Buffer[] = []
	for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
	return new Uint8Array(Buffer.concat(chunks))
}

type ReplyJob = { replyId: string; conversationId: string; userId: string; modelId: string }
type TitleData = { conversationId: string; userId: string; traceparent?: string }

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

	function resolveModel(
		modelId: string | null | undefined,
		capability: 'chat' | 'title' | 'vision' = 'chat',
	): ModelInfo | Refusal {
		let model: ModelInfo | undefined
		try {
			model = modelId ? providers.model(modelId) : providers.defaultModel(capability)
		} catch (error) {
			return providerRefusal(error)
		}
		const field = { fields: { model: ['Pick a model from the list.'] } }
		if (!model) return refuse(400, 'invalid_model', `There is no model called ${modelId}. Pick another one.`, field)
		const usable = providers.list().find(m => m.id === model.id)?.available ?? false
		if (!model.capabilities.includes(capability)) {
			return refuse(
				400,
				'invalid_model',
				`${model.displayName} cannot ${capability === 'vision' ? 'look at images' : 'chat'}; pick another model.`,
				field,
			)
		}
		if (!usable)
			return refuse(
				400,
				'model_unavailable',
				`${model.displayName} is not available on this server; pick another model.`,
				field,
			)
		return model
	}

	function estimateMicros(model: ModelInfo, inputChars: number): number {
		return computeCostMicros(model, {
			unit: 'tokens',
			inputTokens: Math.ceil(inputChars / 4),
			outputTokens: ESTIMATED_OUTPUT_TOKENS,
		})
	}

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
					return refuse(error.reason === 'type_not_allowed' ? 422 : 400, `upload_${error.reason}`, message, {
						fields: { attachments: [message] },
					})
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
				for (const file of stored) {
					await insertAttachment(tx, actor.id, user.id, {
						bucket: file.bucket,
						key: file.key,
						contentType: file.contentType,
						size: file.size,
						name: file.filename ?? '',
					})
				}
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
			const request = await buildRequest(job, model)
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

	/** The branch above the reply, newest turns kept within the context budget, with its attachments. */
	async function buildRequest(job: ReplyJob, model: ModelInfo): Promise<{ messages: ChatMessage[] }> {
		const { conversation, branch, files } = await db.asUser(job.userId, async tx => {
			const conversation = await loadConversation(tx, job.conversationId)
			const self = await loadMessage(tx, job.conversationId, job.replyId)
			if (!conversation || !self?.parentId) throw new Error('the reply or its chat is gone')
			const { messages } = await loadBranch(tx, job.conversationId, self.parentId, 100_000)
			let used = 0
			const kept: Message[] = []
			for (const m of [...messages].reverse()) {
				if (m.role === 'assistant' && (m.status === 'error' || m.status === 'streaming')) continue
				if (kept.length > 0 && used + m.content.length > MAX_CONTEXT_CHARS) break
				used += m.content.length
				kept.unshift(m)
			}
			const files = await attachmentsOf(
				tx,
				kept.filter(m => m.role === 'user').map(m => m.id),
			)
			return { conversation, branch: kept, files }
		})
		const vision = model.capabilities.includes('vision')
		const imageIds = new Set(
			files
				.filter(f => f.contentType.startsWith('image/'))
				.slice(-MAX_CONTEXT_IMAGES)
				.map(f => f.id),
		)
		const messages: ChatMessage[] = []
		if (conversation.systemPrompt) messages.push({ role: 'system', content: conversation.systemPrompt })
		for (const m of branch) {
			let content = m.content
			const images: BinaryInput[] = []
			for (const file of files.filter(f => f.messageId === m.id)) {
				const label = file.name || 'file'
				if (file.contentType.startsWith('image/')) {
					if (vision && imageIds.has(file.id)) {
						const stored = await storage.get(file.bucket, file.key)
						images.push({ data: await readAll(stored.body), contentType: file.contentType, filename: label })
					} else content += `\n\n[Attached image “${label}” is not shown to this model.]`
				} else if (file.contentType.startsWith('text/') || file.contentType === 'application/json') {
					const stored = await storage.get(file.bucket, file.key)
					const text = new TextDecoder().decode(await readAll(stored.body))
					const cut = text.length > MAX_DOCUMENT_CHARS ? `${text.slice(0, MAX_DOCUMENT_CHARS)}\n[…cut]` : text
					content += `\n\nAttached file “${label}”:\n\`\`\`\n${cut}\n\`\`\``
				} else {
					content += `\n\n[Attached file “${label}” (${file.contentType}) could not be read as text.]`
				}
			}
			messages.push({ role: m.role, content, ...(images.length > 0 ? { images } : {}) })
		}
		return { messages }
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
	// titles

	function titleModel(conversation: Conversation): ModelInfo | Refusal {
		const own = conversation.model ? providers.model(conversation.model) : undefined
		if (own && own.capabilities.includes('title') && providers.isConfigured(own.provider)) return own
		return resolveModel(null, 'title')
	}

	async function writeTitle(
		userId: string,
		conversationId: string,
		options: { onlyIfDefault: boolean },
	): Promise<{ title: string } | Refusal | null> {
		const start = await db.asUser(userId, async tx => {
			const conversation = await loadConversation(tx, conversationId)
			if (!conversation) return null
			const { rows } = await tx.query<{ role: string; content: string }>(
				`select role, content from public.messages where conversation_id = $1 and role in ('user', 'assistant')
				 and content <> '' order by created_at, case role when 'user' then 0 else 1 end, id limit 2`,
				[conversationId],
			)
			// The opening message first: a title says what was asked more than what was answered.
			return { conversation, text: rows.map(r => r.content).join('\n\n') }
		})
		if (!start) return notFound('That chat')
		if (options.onlyIfDefault && start.conversation.title !== DEFAULT_TITLE) return null
		if (!start.text) return refuse(409, 'nothing_to_title', 'Send a message first: there is nothing to name yet.')
		const model = titleModel(start.conversation)
		if ('refused' in model) return model
		const text = start.text.slice(0, 4000)
		const over = await db.asUser(userId, tx =>
			checkBudget(tx, userId, estimateMicros(model, text.length), deps.config.monthlyBudgetUsd),
		)
		if (over) return over
		let result: Awaited<ReturnType<ReturnType<ProviderRegistry['title']>['run']>>
		try {
			result = await providers.title(model.id).run({ text })
		} catch (error) {
			return providerRefusal(error)
		}
		const title = result.title.replace(/\s+/g, ' ').trim().slice(0, 200) || DEFAULT_TITLE
		const written = await db.asUser(userId, async tx => {
			const { rowCount } = await tx.query(
				`update public.conversations set title = $2 where id = $1${options.onlyIfDefault ? ' and title = $3' : ''}`,
				options.onlyIfDefault ? [conversationId, title, DEFAULT_TITLE] : [conversationId, title],
			)
			await recordUsage(tx, {
				userId,
				provider: model.provider,
				model: model.id,
				capability: 'title',
				usage: result.usage,
				costMicros: result.costMicros,
			})
			return rowCount > 0
		})
		return written ? { title } : null
	}

	/** `POST /api/title`: a new title now, replacing the current one. */
	async function generateTitle(actor: Actor, conversationId: string): Promise<{ title: string } | Refusal> {
		const result = await writeTitle(actor.id, conversationId, { onlyIfDefault: false })
		return result ?? notFound('That chat')
	}

	/** The `chat.title` worker: names a chat after its first exchange, unless someone named it meanwhile. */
	async function titleJob(job: Job<TitleData>): Promise<void> {
		const { conversationId, userId } = job.data
		if (!isUuid(conversationId) || !isUuid(userId)) return
		const result = await writeTitle(userId, conversationId, { onlyIfDefault: true })
		if (result && 'refused' in result && result.status !== 404 && result.status !== 402) {
			// Worth another attempt later (a rate limit, an outage); the job engine backs off.
			if (!job.isLastAttempt && (result.status === 429 || result.status === 503)) throw new Error(result.message)
			logger.warn('chat title not written', { conversationId, code: result.code })
		}
	}

	// -----------------------------------------------------------------------------------------------------------
	// analysis

	/** `POST /api/analysis`: one image (or a frame the browser took from a video), one question, a text answer. */
	async function analyse(
		actor: Actor,
		input: { image?: UploadedFile; attachmentId?: string | undefined; question: string; model?: string | undefined },
	): Promise<{ text: string; model: string; costMicros: number; usage: Usage } | Refusal> {
		let data: Uint8Array
		if (input.image) data = input.image.data
		else if (input.attachmentId) {
			const row = await db.asUser(actor.id, async tx => {
				if (!isUuid(input.attachmentId)) return null
				const { rows } = await tx.query<{ bucket: 'media' | 'attachments'; key: string }>(
					'select bucket, key from public.attachments where id = $1',
					[input.attachmentId],
				)
				return rows[0] ?? null
			})
			if (!row) return notFound('That attachment')
			data = await readAll((await storage.get(row.bucket, row.key)).body)
		} else {
			return refuse(400, 'missing_image', 'Send an image as the `file` field, or name an attachment.', {
				fields: { file: ['Choose an image.'] },
			})
		}
		if (data.length === 0)
			return refuse(400, 'empty_file', 'That file is empty.', { fields: { file: ['Empty file.'] } })
		if (data.length > 20 * 1024 * 1024) {
			return refuse(400, 'too_large', 'Images can be at most 20 MB.', { fields: { file: ['At most 20 MB.'] } })
		}
		const type = sniff(data.subarray(0, 8192), { filename: input.image?.name ?? null })
		if (type.kind !== 'image' || !type.inline) {
			const message =
				type.kind === 'video'
					? 'Send one frame of the video as an image (PNG, JPEG or WebP); videos are not analysed whole.'
					: 'That file is not an image (PNG, JPEG, GIF, WebP or AVIF).'
			return refuse(422, 'not_an_image', message, { fields: { file: [message] } })
		}
		const model = resolveModel(input.model ?? null, 'vision')
		if ('refused' in model) return model
		const over = await db.asUser(actor.id, tx =>
			checkBudget(tx, actor.id, estimateMicros(model, input.question.length + 3000), deps.config.monthlyBudgetUsd),
		)
		if (over) return over
		let result: Awaited<ReturnType<ReturnType<ProviderRegistry['vision']>['run']>>
		try {
			result = await providers
				.vision(model.id)
				.run({ image: { data, contentType: type.mime }, question: input.question })
		} catch (error) {
			return providerRefusal(error)
		}
		await db.asUser(actor.id, tx =>
			recordUsage(tx, {
				userId: actor.id,
				provider: model.provider,
				model: model.id,
				capability: 'vision',
				usage: result.usage,
				costMicros: result.costMicros,
			}),
		)
		return { text: result.text, model: model.id, costMicros: result.costMicros, usage: result.usage }
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
		generateTitle,
		titleJob,
		analyse,
		exportConversation,
		importConversation,
		/** True while a reply is being written in this process. */
		isLive: (messageId: string) => live.get(messageId) !== undefined,
		/** Waits for this process's reply runs (tests, benches, and shutdown after aborting them). */
		async settled() {
			await Promise.allSettled([...running.values()])
		},
		async startWorkers() {
			await jobs.work<TitleData>('chat.title', titleJob, { batchSize: 2 })
		},
		/** Shutdown: replies still being written keep their text and are marked so they can be retried. */
		async close() {
			for (const reply of live.all()) reply.abort('shutdown')
			await Promise.race([Promise.allSettled([...running.values()]), sleep(5000)])
		},
	}
}

export type Chat = ReturnType<typeof createChat>
