/**
 * The list of a person's chats: pinned first, newest next, paginated by an opaque cursor, searchable over titles
 * and message bodies. Takes an open transaction (normally `db.asUser`), as ./store.ts does.
 */
import type { Tx } from '#server/db/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { Conversation } from './store.ts'

export type ConversationSummary = Pick<
	Conversation,
	'id' | 'title' | 'model' | 'pinned' | 'createdAt' | 'updatedAt'
> & {
	/** With a search: the matching passage of a message, `\uE000`/`\uE001` around the matched words. */
	snippet: string | null
}

export const HIGHLIGHT_START = '\uE000'
export const HIGHLIGHT_END = '\uE001'

type Cursor = { pinned: boolean; updatedAt: string; id: string }

type ListRow = {
	id: string
	title: string
	model: string | null
	pinned: boolean
	created_at: Date
	updated_at: Date
	updated_text: string
	snippet: string | null
}
const LIST_COLUMNS = 'c.id, c.title, c.model, c.pinned, c.created_at, c.updated_at, c.updated_at::text as updated_text'

export function encodeCursor(cursor: Cursor): string {
	return Buffer.from(JSON.stringify([cursor.pinned, cursor.updatedAt, cursor.id])).toString('base64url')
}

export function decodeCursor(value: string | undefined | null): Cursor | null {
	if (!value) return null
	try {
		const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
		if (!Array.isArray(parsed) || parsed.length !== 3) return null
		const [pinned, updatedAt, id] = parsed as unknown[]
		if (typeof pinned !== 'boolean' || typeof updatedAt !== 'string' || !isUuid(id)) return null
		if (Number.isNaN(Date.parse(updatedAt))) return null
		return { pinned, updatedAt, id }
	} catch {
		return null
	}
}

/**
 * Pinned first, then the most recently active; keyset pagination on (pinned, updated_at, id), with the
 * timestamp carried as Postgres text so no microseconds are lost between pages. A search matches titles and
 * message bodies (Postgres full-text search, `websearch_to_tsquery`: quotes, `or`, `-word` work).
 */
export async function listConversations(
	tx: Tx,
	options: { query: string | null; cursor: Cursor | null; limit: number },
): Promise<{ items: ConversationSummary[]; next: Cursor | null }> {
	const query = options.query?.trim() || null
	const keyset = [options.cursor?.pinned ?? null, options.cursor?.updatedAt ?? null, options.cursor?.id ?? null]
	// The list without a search, on every chat page, is a statement of its own: the search's form of it costs
	// two to three times as much to run, even with nothing to search for.
	const { rows } = query
		? await tx.query<ListRow>(
				`with q as (select websearch_to_tsquery('english', $1::text) as tsq)
				select ${LIST_COLUMNS}, (
						select ts_headline('english', m.content, q.tsq, $5)
						from public.messages m where m.conversation_id = c.id and m.search @@ q.tsq
						order by m.created_at desc limit 1
					) as snippet
				from public.conversations c cross join q
				where c.deleted_at is null and (c.search @@ q.tsq
						or exists (select 1 from public.messages m where m.conversation_id = c.id and m.search @@ q.tsq))
					and ($2::boolean is null or (c.pinned, c.updated_at, c.id) < ($2::boolean, $3::timestamptz, $4::uuid))
				order by c.pinned desc, c.updated_at desc, c.id desc
				limit $6`,
				[
					query,
					...keyset,
					`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_END}, MaxWords=24, MinWords=10, MaxFragments=1`,
					options.limit + 1,
				],
			)
		: await tx.query<ListRow>(
				`select ${LIST_COLUMNS}, null::text as snippet
				from public.conversations c
				where c.deleted_at is null
					and ($1::boolean is null or (c.pinned, c.updated_at, c.id) < ($1::boolean, $2::timestamptz, $3::uuid))
				order by c.pinned desc, c.updated_at desc, c.id desc
				limit $4`,
				[...keyset, options.limit + 1],
			)
	const more = rows.length > options.limit
	const page = more ? rows.slice(0, options.limit) : rows
	const last = page[page.length - 1]
	return {
		items: page.map(r => ({
			id: r.id,
			title: r.title,
			model: r.model,
			pinned: r.pinned,
			createdAt: r.created_at,
			updatedAt: r.updated_at,
			snippet: r.snippet,
		})),
		next: more && last ? { pinned: last.pinned, updatedAt: last.updated_text, id: last.id } : null,
	}
}
