/**
 * Conversations: the chat list, one chat's settings (title, model, system prompt, pin), and deleting a chat
 * (undoable for a while, then purged with its files: ../undo/index.ts). The models a chat can use are chosen here too, since creating and changing a chat checks them.
 */
import type { Db, Tx } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Storage } from '#server/storage/index.ts'
import { isUuid } from '#server/uuid.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { schedulePurge, windowOpen, windowPassed } from '../undo/index.ts'
import { CONVERSATION_COLUMNS, DEFAULT_TITLE, loadConversation, toConversation, type Conversation } from './store.ts'
import { decodeCursor, encodeCursor, listConversations } from './list.ts'
import type { Actor } from '../actor.ts'
import { resolveModel as resolveModelOf } from '../models/resolve.ts'

export type StoredFile = { bucket: 'media' | 'attachments'; key: string }

export function createConversations(deps: { db: Db; jobs: Jobs; providers: ProviderRegistry; storage: Storage }) {
	const { db, jobs, providers, storage } = deps

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
				 where id = $1 and deleted_at is null returning ${CONVERSATION_COLUMNS}`,
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
			tx.query('update public.conversations set pinned = $2 where id = $1 and deleted_at is null', [
				isUuid(id) ? id : null,
				pinned,
			]),
		)
		return rowCount > 0 ? true : notFound('That chat')
	}

	/** Deletes a chat, undoably: it leaves every list and page now and is purged when the undo window is over. */
	async function remove(actor: Actor, id: string): Promise<true | Refusal> {
		const marked = await db.asUser(actor.id, async tx => {
			if (!isUuid(id)) return false
			const { rowCount } = await tx.query(
				'update public.conversations set deleted_at = now() where id = $1 and deleted_at is null',
				[id],
			)
			if (rowCount === 0) return false
			await schedulePurge(jobs, tx, 'conversation', id)
			return true
		})
		return marked ? true : notFound('That chat')
	}

	/** Undo of `remove`, while the window is open. */
	async function restore(actor: Actor, id: string): Promise<true | Refusal> {
		const { rowCount } = await db.asUser(actor.id, tx =>
			tx.query(`update public.conversations set deleted_at = null where id = $1 and ${windowOpen('deleted_at')}`, [
				isUuid(id) ? id : null,
			]),
		)
		return rowCount > 0 ? true : refuse(409, 'too_late', 'It is too late to undo: the chat has been deleted for good.')
	}

	/** The purge job's part (privileged: it runs for whoever deleted): the chat, its messages and their files. */
	async function purge(id: string): Promise<void> {
		const files = await db.privileged(async tx => {
			if (!isUuid(id)) return []
			const { rowCount } = await tx.query(
				`select 1 from public.conversations where id = $1 and ${windowPassed('deleted_at')} for update`,
				[id],
			)
			if (rowCount === 0) return []
			return await destroy(tx, id)
		})
		await removeFiles(files)
	}

	/** Deletes a chat now, without undo: a chat created for a message that was refused leaves nothing behind. */
	async function discard(actor: Actor, id: string): Promise<void> {
		const files = await db.asUser(actor.id, async tx => (isUuid(id) ? await destroy(tx, id) : []))
		await removeFiles(files)
	}

	async function destroy(tx: Tx, id: string): Promise<StoredFile[]> {
		// Attachments outlive their message by design (set null); a deleted chat takes its files with it.
		const { rows } = await tx.query<StoredFile>(
			`delete from public.attachments a using public.messages m
			 where a.message_id = m.id and m.conversation_id = $1 returning a.bucket, a.key`,
			[id],
		)
		// A reply still being written into the chat stops at its next write (its row is gone).
		await tx.query('delete from public.conversations where id = $1', [id])
		return rows
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

	return {
		models,
		defaultModel,
		resolveModel,
		list,
		get,
		create,
		update,
		rename,
		setPinned,
		remove,
		restore,
		purge,
		discard,
		removeFiles,
	}
}

export type Conversations = ReturnType<typeof createConversations>
