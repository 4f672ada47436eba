/**
 * The library's inputs, as valibot schemas (safe for the browser bundle): the list's GET parameters, an item's
 * reference (`generation:<uuid>`, `attachment:<uuid>`, `transcript:<uuid>`), and the bulk form, whose checkboxes
 * are named `item:<type>:<uuid>` (one field each: a form may not repeat a name).
 */
import * as v from 'valibot'
import { isUuid, UuidSchema } from '#server/uuid.ts'

export const ITEM_TYPES = ['generation', 'attachment', 'transcript'] as const
export type ItemType = (typeof ITEM_TYPES)[number]

export const LIBRARY_KINDS = ['image', 'video', 'audio', 'text', 'transcript', 'file'] as const
export type LibraryKind = (typeof LIBRARY_KINDS)[number]

export const LIBRARY_STATUSES = ['queued', 'running', 'processing', 'succeeded', 'failed', 'canceled'] as const
export type LibraryStatus = (typeof LIBRARY_STATUSES)[number]

export const LIBRARY_SOURCES = ['studio', 'chat', 'workflow'] as const
export type LibrarySource = (typeof LIBRARY_SOURCES)[number]

export const LIBRARY_SORTS = ['newest', 'oldest'] as const
export type LibrarySort = (typeof LIBRARY_SORTS)[number]

/** At most this many items in one bulk action (a page holds fewer). */
export const MAX_BULK_ITEMS = 100

export type ItemRef = { type: ItemType; id: string }

export function parseRef(text: string): ItemRef | null {
	const [type, id, extra] = text.split(':')
	if (extra !== undefined || !type || !id || !isUuid(id)) return null
	return (ITEM_TYPES as readonly string[]).includes(type) ? { type: type as ItemType, id: id.toLowerCase() } : null
}

export const refText = (ref: ItemRef) => `${ref.type}:${ref.id}`

const DATE_MESSAGE = 'Dates are days such as 2026-01-31, between the years 1970 and 9999.'
const Day = v.pipe(
	v.string(),
	v.isoDate(DATE_MESSAGE),
	v.check(value => {
		const year = Number(value.slice(0, 4))
		return year >= 1970 && year <= 9999
	}, DATE_MESSAGE),
)

export const LibraryQuerySchema = v.pipe(
	v.object({
		kind: v.optional(v.picklist(LIBRARY_KINDS, 'Show images, video, audio, text, transcripts or files.')),
		status: v.optional(v.picklist(LIBRARY_STATUSES, 'Pick a status from the list.')),
		model: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'A model id is at most 200 characters.'))),
		source: v.optional(v.picklist(LIBRARY_SOURCES, 'Show items from the studios, chat or workflows.')),
		favorites: v.optional(v.picklist(['1'], 'Favourites is on (1) or left out.')),
		from: v.optional(Day),
		to: v.optional(Day),
		q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'Search for at most 200 characters.'))),
		sort: v.optional(v.picklist(LIBRARY_SORTS, 'Sort by newest or oldest.'), 'newest'),
		cursor: v.optional(
			v.pipe(v.string(), v.regex(/^\d{1,17}_[0-9a-f-]{36}$/, 'This page link is broken: start again.')),
		),
	}),
	v.check(q => !q.from || !q.to || q.from <= q.to, 'The first day must not be after the last.'),
)
export type LibraryQuery = v.InferOutput<typeof LibraryQuerySchema>

/** The bulk form: which button was pressed, and every checked `item:<type>:<uuid>` field. */
export function selectedRefs(fields: Record<string, string>): ItemRef[] {
	const refs: ItemRef[] = []
	for (const name of Object.keys(fields)) {
		if (!name.startsWith('item:')) continue
		const ref = parseRef(name.slice('item:'.length))
		if (ref) refs.push(ref)
	}
	return refs
}

export const BulkIntentSchema = v.object({
	intent: v.picklist(['delete', 'download', 'restore', 'favorite'], 'Unknown action.'),
})

/** Undo of a bulk delete: the generations' ids, comma-separated (the others cannot be undone). */
export const RestoreSchema = v.object({
	intent: v.literal('restore'),
	ids: v.pipe(
		v.string(),
		v.transform(s => s.split(',')),
		v.array(UuidSchema),
		v.maxLength(MAX_BULK_ITEMS),
	),
})

/** A star: `<type>:<uuid>:1` marks the item as a favourite, `…:0` unmarks it. */
export const FavoriteSchema = v.object({
	favorite: v.pipe(
		v.string(),
		v.check(s => /:[01]$/.test(s) && parseRef(s.slice(0, -2)) !== null, 'Unknown item.'),
	),
})
