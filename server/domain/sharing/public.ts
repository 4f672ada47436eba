/**
 * The visitor's side of a share link: the page's content read as role `anon` through the share policies (never
 * privileged code), the view counter, and "Make a copy" for signed-in visitors. Every request asks the database
 * whether the link is still live (and counts the visit) in one statement, so a revoked or expired link is a 404
 * at once, on every process; only the content behind a live link is kept for a few seconds.
 */
import { createHash } from 'node:crypto'
import { isbot } from 'isbot'
import { setShareSlug, type Db } from '#server/db/index.ts'
import type { MarkdownRenderer } from '#server/markdown/index.ts'
import type { Storage } from '#server/storage/index.ts'
import type { Actor } from '../actor.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { createContentBuilder, type SharedContent } from './content.ts'
import { readRows } from './rows.ts'
import { SLUG_PATTERN } from './schema.ts'

export type { SharedContent, SharedGeneration, SharedMedia, SharedMessage } from './content.ts'

export type Visitor = { ip: string; userAgent: string }

/** A person is counted again after this long; a crawler (by its user agent) is counted once. */
export const VIEW_WINDOW_SECONDS = 30 * 60
/** How long the content behind a live link is kept in memory. */
export const CONTENT_TTL_MS = 10_000
const CACHE_ENTRIES = 500

export type PublicSharesDeps = {
	db: Db
	storage: Storage
	markdown: MarkdownRenderer
	/** Keys the visitor hash, so the stored value cannot be turned back into an address. */
	visitorSecret: string
	workflows: { create(actor: Actor, name: string, definition: unknown): Promise<{ id: string } | Refusal> }
	now?: () => number
}

export function createPublicShares(deps: PublicSharesDeps) {
	const { db, storage, markdown } = deps
	const now = deps.now ?? Date.now
	const cache = new Map<string, { content: SharedContent; expires: number }>()

	function visitorKey(slug: string, visitor: Visitor | null): string | null {
		if (!visitor) return null
		const hash = (...parts: string[]) =>
			createHash('sha256')
				.update([deps.visitorSecret, slug, ...parts].join('\u0000'))
				.digest('base64url')
				.slice(0, 32)
		// A crawler is one visitor however many addresses it comes from: counted once, by its user agent.
		return isbot(visitor.userAgent) ? `bot:${hash(visitor.userAgent)}` : `v:${hash(visitor.ip, visitor.userAgent)}`
	}

	function windowFor(key: string | null): number | null {
		return key?.startsWith('bot:') ? null : VIEW_WINDOW_SECONDS
	}

	const build = createContentBuilder({ storage, markdown, now })

	/**
	 * The content of a live link, or null (unknown, revoked or expired: the page answers 404 for all three).
	 * `visitor` counts the visit (null reads without counting: the API, a copy).
	 */
	async function view(slug: string, visitor: Visitor | null): Promise<SharedContent | null> {
		if (!SLUG_PATTERN.test(slug)) return null
		const key = visitorKey(slug, visitor)
		const cached = cache.get(slug)
		const fresh = cached && cached.expires > now() ? cached.content : null
		const rows = await db.asAnon(async tx => {
			await setShareSlug(tx, slug)
			const { rows: live } = await tx.query<{ live: boolean }>('select public.record_share_view($1, $2) as live', [
				key,
				windowFor(key),
			])
			if (!live[0]?.live) return 'gone' as const
			return fresh ? null : await readRows(tx)
		})
		if (rows === 'gone') {
			cache.delete(slug)
			return null
		}
		if (fresh) return fresh
		if (!rows) return null
		const content = await build(rows)
		if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '')
		cache.set(slug, { content, expires: now() + CONTENT_TTL_MS })
		return content
	}

	/** Forgets the content kept for a link (its owner revoked it here; other processes ask the database anyway). */
	function forget(slug: string): void {
		cache.delete(slug)
	}

	/** Copies a shared conversation (its shown messages) or workflow (its definition) into `actor`'s account. */
	async function copy(
		actor: Actor,
		slug: string,
	): Promise<{ kind: 'conversation' | 'workflow'; id: string } | Refusal> {
		const content = await view(slug, null)
		if (!content) return notFound('That share link')
		if (content.workflow) {
			if (!content.workflow.definition) return refuse(422, 'not_copyable', 'This workflow can no longer be copied.')
			const made = await deps.workflows.create(actor, content.workflow.name, content.workflow.definition)
			return 'refused' in made ? made : { kind: 'workflow', id: made.id }
		}
		const conversation = content.conversation
		if (!conversation) return refuse(400, 'not_copyable', 'Only a conversation or a workflow can be copied.')
		const id = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ id: string }>(
				'insert into public.conversations (user_id, title, model) values ($1, $2, $3) returning id',
				[actor.id, conversation.title.slice(0, 500), conversation.model],
			)
			const conversationId = rows[0]?.id ?? ''
			let parent: string | null = null
			for (const message of conversation.messages) {
				const inserted: { rows: Array<{ id: string }> } = await tx.query<{ id: string }>(
					`insert into public.messages (conversation_id, user_id, parent_id, role, content, model, status)
					 values ($1, $2, $3, $4, $5, $6, 'complete') returning id`,
					[conversationId, actor.id, parent, message.role, message.text, message.model],
				)
				parent = inserted.rows[0]?.id ?? null
			}
			await tx.query('update public.conversations set current_leaf_id = $2 where id = $1', [conversationId, parent])
			return conversationId
		})
		return { kind: 'conversation', id }
	}

	return { view, forget, copy }
}
