/**
 * Sending, editing, regenerating and stopping. Each stores the user's message (and files) and an empty
 * assistant message with status `streaming` — budget checked first, one writer per chat, all in one
 * transaction — then hands the reply to the runner (./replies.ts).
 */
import type { Tx } from '#server/db/index.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import { UploadRefusedError, type StoredObject } from '#server/storage/index.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { checkBudget } from '../usage/index.ts'
import type { Conversations } from './conversations.ts'
import type { MessageStatus } from './live.ts'
import type { Replies } from './replies.ts'
import {
	insertAttachments,
	insertMessage,
	loadConversation,
	loadMessage,
	setCurrentLeaf,
	type Conversation,
} from './store.ts'
import type { Actor } from '../actor.ts'
import type { DomainDeps } from '../deps.ts'
import { estimateMicros, type UploadedFile } from './support.ts'

const MAX_FILES = 4

type Prepared = { conversation: Conversation; model: ModelInfo }

export function createSending(
	deps: Pick<DomainDeps, 'config' | 'db' | 'storage'> & { conversations: Conversations; replies: Replies },
) {
	const { db, storage, conversations, replies } = deps
	const { removeFiles } = conversations

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

	async function prepare(actor: Actor, conversationId: string): Promise<Prepared | Refusal> {
		const conversation = await conversations.get(actor, conversationId)
		if ('refused' in conversation) return conversation
		const model = conversations.resolveModel(conversation.model)
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
		const run = replies.start({
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
		const conversation = await conversations.create(actor, input)
		if ('refused' in conversation) return conversation
		if (!input.content) return { conversation, replyId: null }
		const sent = await send(actor, conversation.id, { content: input.content }, options)
		if ('refused' in sent) {
			// Nothing was said yet: leave no empty chat behind the refusal.
			await conversations.discard(actor, conversation.id)
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
		const run = replies.start({ replyId: created.replyId, conversationId, userId: actor.id, modelId: model.id })
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
		// Let the runner save the final text before the page reloads it.
		await replies.stop(message.id)
		const after = await db.asUser(actor.id, tx => loadMessage(tx, conversationId, messageId))
		return { status: after?.status ?? 'stopped' }
	}

	return { start, send, edit, regenerate, stop }
}
