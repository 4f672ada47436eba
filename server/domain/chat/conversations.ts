/**
 * Conversations: the chat list, one chat's settings (title, model, system prompt, pin), and deleting a chat
 * with its files. The models a chat can use are chosen here too, since creating and changing a chat checks them.
 */
import type { Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Storage } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import { notFound, type Refusal } from '../refusal.ts'
import {
	CONVERSATION_COLUMNS,
	DEFAULT_TITLE,
	decodeCursor,
	encodeCursor,
	listConversations,
	loadConversation,
	toConversation,
	type Conversation,
} from './store.ts'
import type { Actor } from '../actor.ts'
import { resolveModel as resolveModelOf } from '../models/resolve.ts'

export type StoredFile = { bucket: 'media' | 'attachments'; key: string }

export function createConversations(deps: { db: Db; providers: ProviderRegistry; storage: Storage }) {
	const { db, providers, storage } = deps

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
			const { rows } = await tx.query<StoredFile>(
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

	/** Best effort: a file left behind is logged, never a reason to fail what the person asked for. */
	async function removeFiles(files: readonly StoredFile[]) {
		const byBucket = new Map<StoredFile['bucket'], string[]>()
		for (const f of files) byBucket.set(f.bucket, [...(byBucket.get(f.bucket) ?? []), f.key])
		for (const [bucket, keys] of byBucket) {
			await storage
				.remove(bucket, keys)
				.catch((error: unknown) => logger.warn('could not remove chat files', { error }))
		}
	}

	return { models, defaultModel, resolveModel, list, get, create, update, rename, setPinned, remove, removeFiles }
}

export type Conversations = ReturnType<typeof createConversations>
