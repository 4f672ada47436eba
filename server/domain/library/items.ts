/**
 * The library's read model: every item a user owns as one list — generations of every kind (mixdowns and workflow
 * outputs among them), chat attachments and transcripts — filtered, searched (Postgres full text, the `search`
 * columns and their GIN indexes), sorted and paged with a (created_at, id) cursor, so two items made in the same
 * microsecond are neither skipped nor shown twice. All as the user (`db.asUser`): row-level security applies.
 */
import type { Db, Tx } from '#server/db/index.ts'
import type { Actor } from '../actor.ts'
import type { GenerationOutput } from '../generations/rows.ts'
import { creditOf, type SoundCredit } from '../sounds/schema.ts'
import type { ItemRef, ItemType, LibraryKind, LibraryQuery, LibrarySource } from './schema.ts'

/** One row of the list: what a tile shows, and where its files are. */
export type LibraryItem = {
	type: ItemType
	id: string
	kind: LibraryKind
	status: string
	model: string | null
	title: string
	favorite: boolean
	source: LibrarySource
	createdAt: Date
	/** The start of a text result (a chat or workflow node's answer), to show on its tile. */
	excerpt: string | null
	/** Where a sound imported from elsewhere came from (licence, attribution). */
	credit: SoundCredit | null
	/** A generation's stored outputs; an attachment's or a transcript's one file. */
	files: Array<
		Pick<GenerationOutput, 'bucket' | 'key' | 'contentType' | 'size' | 'thumbnails' | 'duration' | 'waveform'>
	>
}

/** A row of the list's query: the tile's plain fields as they are, the rest in their columns' names. */
export type ItemRow = Pick<
	LibraryItem,
	'type' | 'id' | 'kind' | 'status' | 'model' | 'title' | 'favorite' | 'source'
> & {
	created_at: Date
	micros: string
	outputs: GenerationOutput[] | null
	bucket: 'media' | 'attachments' | null
	key: string | null
	content_type: string | null
	size: number | string | null
	/** The start of a generation's text result, from its params. */
	excerpt: string | null
	/** A library sound's credit, from its params (checked by `creditOf`). */
	credit: unknown
}

const fileKind = (
	column: string,
) => `case when ${column} like 'image/%' then 'image' when ${column} like 'video/%' then 'video'
	when ${column} like 'audio/%' then 'audio' when ${column} like 'text/%' then 'text' else 'file' end`

/**
 * Every item as one relation. Each branch keeps its own table's indexes: the planner pushes the filters and the
 * cursor into each one, and merges three index scans in (created_at, id) order for a page.
 */
export const ITEMS = `(select * from (
	select 'generation'::text as type, g.id, g.user_id, g.kind, g.status, g.model, g.prompt as title, g.favorite,
		g.search, g.created_at, g.outputs, null::text as bucket, null::text as key, null::text as content_type,
		null::bigint as size,
		left(g.params->>'text', 280) as excerpt, g.params->'credit' as credit, g.deleted_at
	from public.generations g
	union all
	select 'attachment', a.id, a.user_id, ${fileKind('a.content_type')}, 'succeeded', null, a.name, a.favorite,
		a.search, a.created_at, null, a.bucket, a.key, a.content_type, a.size, null::text, null::jsonb,
		null::timestamptz
	from public.attachments a
	union all
	select 'transcript', t.id, t.user_id, 'transcript', t.status, t.model, t.name, t.favorite,
		t.search, t.created_at, null, t.bucket, t.key, t.content_type, t.size, null::text, null::jsonb,
		null::timestamptz
	from public.transcripts t
) every_item where deleted_at is null) items`

const MICROS = `(extract(epoch from created_at) * 1000000)::bigint::text`

/** Whether a generation came out of a workflow run (a node run points at it): asked only of the rows shown. */
const fromWorkflow = (alias: string) =>
	`exists (select 1 from public.workflow_node_runs n where n.generation_id = ${alias}.id)`

/** Where an item was made: derived for the rows read, never for the whole list. */
const source = (alias: string) => `case when ${alias}.type = 'attachment' then 'chat'
	when ${alias}.type = 'generation' and ${fromWorkflow(alias)} then 'workflow' else 'studio' end`

const SOURCE_FILTER: Record<LibrarySource, string> = {
	chat: `type = 'attachment'`,
	workflow: `type = 'generation' and ${fromWorkflow('items')}`,
	studio: `(type = 'transcript' or (type = 'generation' and not ${fromWorkflow('items')}))`,
}

export function toItem(row: ItemRow): LibraryItem {
	const files: LibraryItem['files'] =
		row.type === 'generation'
			? (row.outputs ?? [])
			: row.bucket && row.key
				? [{ bucket: row.bucket, key: row.key, contentType: row.content_type ?? '', size: Number(row.size ?? 0) }]
				: []
	return {
		type: row.type,
		id: row.id,
		kind: row.kind,
		status: row.status,
		model: row.model,
		title: row.title,
		favorite: row.favorite,
		source: row.source,
		createdAt: row.created_at,
		excerpt: row.excerpt,
		// Only a sound from the library has one: the others skip the check.
		credit: row.credit ? creditOf({ credit: row.credit }) : null,
		files,
	}
}

/** The WHERE clause of a query (without the cursor) and its parameters, numbered from `$2` ($1 is the owner). */
function filters(query: Omit<LibraryQuery, 'sort' | 'cursor'>) {
	const where = ['user_id = $1']
	const values: unknown[] = []
	const add = (sql: (p: string) => string, value: unknown) => {
		values.push(value)
		where.push(sql(`$${values.length + 1}`))
	}
	if (query.kind) add(p => `kind = ${p}`, query.kind)
	if (query.status) add(p => `status = ${p}`, query.status)
	if (query.model) add(p => `model = ${p}`, query.model)
	if (query.source) where.push(SOURCE_FILTER[query.source])
	if (query.favorites) where.push('favorite')
	// Whole days in UTC, the last one included.
	if (query.from) add(p => `created_at >= ${p}::date::timestamptz`, query.from)
	if (query.to) add(p => `created_at < (${p}::date + 1)::timestamptz`, query.to)
	if (query.q) add(p => `search @@ websearch_to_tsquery('english', ${p})`, query.q)
	return { where, values }
}

/**
 * The count of a view from `library_counts` (kept by triggers: one row per type, kind and model with its live items
 * and favourites), when every filter of the view is one of those columns; null when the items must be counted.
 * Exact either way: the triggers change the counts in the transaction that changes the items.
 */
function countsQuery(query: Omit<LibraryQuery, 'sort' | 'cursor'>): { sql: string; values: unknown[] } | null {
	if (query.status || query.from || query.to || query.q) return null
	if (query.source && query.source !== 'chat') return null
	const where = ['user_id = $1']
	const values: unknown[] = []
	if (query.kind) {
		values.push(query.kind)
		where.push(`kind = $${values.length + 1}`)
	}
	if (query.model) {
		values.push(query.model)
		where.push(`model = $${values.length + 1}`)
	}
	if (query.source === 'chat') where.push(`type = 'attachment'`)
	const sum = query.favorites ? 'favorites' : 'items'
	return { sql: `select coalesce(sum(${sum}), 0) as n from public.library_counts where ${where.join(' and ')}`, values }
}

/** `<microseconds>_<uuid>`: the last item of a page, where the next one starts. */
export const encodeCursor = (row: Pick<ItemRow, 'micros' | 'id'>) => `${row.micros}_${row.id}`

function decodeCursor(text: string | undefined): { micros: string; id: string } | null {
	const match = text ? /^(\d{1,17})_([0-9a-f-]{36})$/.exec(text) : null
	return match?.[1] && match[2] ? { micros: match[1], id: match[2] } : null
}

/** A page, the count of everything that matches, and the models of all the user's items (the filter's choices). */
export type LibraryPage = { items: LibraryItem[]; next: string | null; count: number; models: string[] }

/** The models the user's (`$1`) items were made with, from the kept counts. */
const MODELS = `select distinct model from public.library_counts
	where user_id = $1 and type in ('generation', 'transcript') and items > 0
	order by model limit 200`

async function readModels(tx: Tx, userId: string): Promise<string[]> {
	const { rows } = await tx.query<{ model: string }>(MODELS, [userId])
	return rows.map(r => r.model)
}

export function createItems(deps: { db: Db }) {
	const { db } = deps

	/** One page in the chosen order after the cursor, and how many items match the filters in all. */
	async function page(actor: Actor, query: LibraryQuery, limit = 48): Promise<LibraryPage> {
		const size = Math.min(Math.max(limit, 1), 200)
		const { where, values } = filters(query)
		const cursor = decodeCursor(query.cursor)
		const newest = query.sort !== 'oldest'
		const pageWhere = [...where]
		const pageValues = [...values]
		if (cursor) {
			pageValues.push(cursor.micros, cursor.id)
			const at = `'epoch'::timestamptz + $${pageValues.length}::bigint * interval '1 microsecond'`
			pageWhere.push(`(created_at, id) ${newest ? '<' : '>'} (${at}, $${pageValues.length + 1}::uuid)`)
		}
		const order = newest ? 'created_at desc, id desc' : 'created_at, id'
		return db.asUser(actor.id, async tx => {
			const rows = await tx.query<ItemRow>(
				`select type, id, kind, status, model, title, favorite, ${source('page')} as source, created_at, micros, outputs,
					bucket, key, content_type, size, excerpt, credit
				 from (
					select type, id, kind, status, model, title, favorite, created_at, ${MICROS} as micros, outputs,
						bucket, key, content_type, size, excerpt, credit
					from ${ITEMS} where ${pageWhere.join(' and ')} order by ${order} limit ${size + 1}
				 ) page order by ${order}`,
				[actor.id, ...pageValues],
			)
			// The count and the model choices in one statement, in the same transaction: one BEGIN, role and COMMIT and
			// two statements for the page's reads.
			const fromCounts = countsQuery(query)
			const count = fromCounts ?? {
				sql: `select count(*) as n from ${ITEMS} where ${where.join(' and ')}`,
				values,
			}
			const totals = await tx.query<{ n: number | string; models: string[] | null }>(
				`select (${count.sql}) as n, array(${MODELS}) as models`,
				[actor.id, ...count.values],
			)
			const items = rows.rows.slice(0, size)
			const last = items.at(-1)
			return {
				items: items.map(toItem),
				next: rows.rows.length > size && last ? encodeCursor(last) : null,
				count: Number(totals.rows[0]?.n ?? 0),
				models: totals.rows[0]?.models ?? [],
			}
		})
	}

	/** The models the user's items were made with, for the filter's choices (from the maintained counts). */
	async function models(actor: Actor): Promise<string[]> {
		return db.asUser(actor.id, tx => readModels(tx, actor.id))
	}

	return { page, models }
}

/** Items by reference, in the order asked (the ones that do not exist, or are not the user's, left out). */
export async function loadItems(tx: Tx, refs: readonly ItemRef[]): Promise<LibraryItem[]> {
	if (refs.length === 0) return []
	const { rows } = await tx.query<ItemRow>(
		`select type, id, kind, status, model, title, favorite, ${source('items')} as source, created_at, ${MICROS} as micros,
			outputs, bucket, key, content_type, size, excerpt, credit
		 from ${ITEMS} where (type, id) in (select * from unnest($1::text[], $2::uuid[]))`,
		[refs.map(r => r.type), refs.map(r => r.id)],
	)
	const byRef = new Map(rows.map(r => [`${r.type}:${r.id}`, toItem(r)]))
	return refs.flatMap(r => byRef.get(`${r.type}:${r.id}`) ?? [])
}
