/**
 * The library (docs/decisions/026-library.md): every item a user owns in one list, with favourites, bulk delete
 * (generations undoably, through their own module; transcripts and chat files at once), a zip of chosen items
 * streamed as it is made, and each item's lineage.
 *
 * Parts: ./items.ts (the list: filters, search, order, cursor, count), ./lineage.ts, ./archive.ts (the zip),
 * ./schema.ts (inputs, safe for the browser bundle). Everything as the user (`db.asUser`).
 */
import type { Readable } from 'node:stream'
import type { Db } from '#server/db/index.ts'
import { windowedExpiry, type Storage } from '#server/storage/index.ts'
import type { Actor } from '../actor.ts'
import type { Generations } from '../generations/index.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import type { TranscriptSegment } from '#server/providers/types.ts'
import type { Transcripts } from '../transcripts/index.ts'
import { archiveEntries, zipStream } from './archive.ts'
import { createItems, loadItems, type LibraryItem, type LibraryPage } from './items.ts'
import { loadLineage, type Lineage } from './lineage.ts'
import { MAX_BULK_ITEMS, type ItemRef } from './schema.ts'

export type { LibraryItem, LibraryPage } from './items.ts'
export type { Lineage, LineageLink } from './lineage.ts'

export type ViewableItem = Omit<LibraryItem, 'files'> & {
	/** A small picture for the tile (an image's smallest thumbnail, or the image attached), when there is one. */
	thumbnailUrl: string | null
	/** The first file itself (played or opened from the tile), when there is one. */
	fileUrl: string | null
	contentType: string | null
	duration: number | null
	/** A sound's waveform preview (loudness 0..255 per point), stored when the file was. */
	waveform: number[] | null
	fileCount: number
}

/** An item as a tile of the list shows it. */
export type ListedItem = Omit<ViewableItem, 'contentType' | 'fileCount'>

export type LibraryDeps = {
	db: Db
	storage: Storage
	generations: Pick<Generations, 'remove' | 'restore'>
	transcripts: Pick<Transcripts, 'remove'>
}

function tooMany(): Refusal {
	const message = `Choose at most ${MAX_BULK_ITEMS} items at a time.`
	return refuse(400, 'too_many_items', message, { fields: { items: [message] } })
}

function noneChosen(): Refusal {
	const message = 'Choose at least one item.'
	return refuse(400, 'no_items', message, { fields: { items: [message] } })
}

export function createLibrary(deps: LibraryDeps) {
	const { db, storage } = deps
	const items = createItems(deps)

	async function viewable(list: readonly LibraryItem[]): Promise<ViewableItem[]> {
		// On a window boundary, so a page rendered twice names the same URLs.
		const expiresInSeconds = windowedExpiry(3600)
		return Promise.all(
			list.map(async ({ files, ...item }) => {
				const first = files[0]
				const thumb = first?.thumbnails?.[0]
				const sign = (bucket: 'media' | 'attachments', key: string) =>
					storage.signedUrl(bucket, key, { expiresInSeconds })
				const fileUrl = first ? await sign(first.bucket, first.key) : null
				const thumbnailUrl = thumb
					? await sign(first.bucket, thumb.key)
					: first?.contentType.startsWith('image/')
						? fileUrl
						: null
				return {
					...item,
					thumbnailUrl,
					fileUrl,
					contentType: first?.contentType ?? null,
					duration: first?.duration ?? null,
					waveform: first?.waveform?.preview ?? null,
					fileCount: files.length,
				}
			}),
		)
	}

	/**
	 * A page of the list with URLs for its tiles, and the count of everything that matches. Only what a tile shows:
	 * the page's data is serialised into every render.
	 */
	async function list(
		actor: Actor,
		query: Parameters<typeof items.page>[1],
		limit?: number,
	): Promise<Omit<LibraryPage, 'items'> & { items: ListedItem[] }> {
		const page = await items.page(actor, query, limit)
		const shown = await viewable(page.items)
		return { ...page, items: shown.map(({ contentType, fileCount, ...tile }) => tile) }
	}

	/** One item with its files' URLs and its lineage. */
	async function detail(
		actor: Actor,
		ref: ItemRef,
	): Promise<{ item: ViewableItem; lineage: Lineage; files: string[] } | Refusal> {
		const found = await db.asUser(actor.id, async tx => {
			const [item] = await loadItems(tx, [ref])
			return item ? { item, lineage: await loadLineage(tx, ref) } : null
		})
		if (!found) return notFound('That item')
		const [item] = await viewable([found.item])
		const files = await Promise.all(
			found.item.files.map(f => storage.signedUrl(f.bucket, f.key, { expiresInSeconds: 3600 })),
		)
		return item ? { item, lineage: found.lineage, files } : notFound('That item')
	}

	/** Marks or unmarks one item as a favourite. */
	async function setFavorite(actor: Actor, ref: ItemRef, favorite: boolean): Promise<true | Refusal> {
		const table = { generation: 'generations', attachment: 'attachments', transcript: 'transcripts' }[ref.type]
		const live = ref.type === 'generation' ? ' and deleted_at is null' : ''
		const { rowCount } = await db.asUser(actor.id, tx =>
			tx.query(`update public.${table} set favorite = $2 where id = $1${live}`, [ref.id, favorite]),
		)
		return rowCount > 0 ? true : notFound('That item')
	}

	/**
	 * Deletes the chosen items: generations undoably (their module marks them and schedules the purge), transcripts
	 * and chat files at once. Returns the generations' ids, for the Undo, and how many were deleted.
	 */
	async function remove(
		actor: Actor,
		refs: readonly ItemRef[],
	): Promise<{ deleted: number; undoable: string[] } | Refusal> {
		if (refs.length === 0) return noneChosen()
		if (refs.length > MAX_BULK_ITEMS) return tooMany()
		const undoable: string[] = []
		let deleted = 0
		for (const ref of refs) {
			if (ref.type === 'generation') {
				if ((await deps.generations.remove(actor, ref.id)) === true) {
					undoable.push(ref.id)
					deleted++
				}
			} else if (ref.type === 'transcript') {
				if ((await deps.transcripts.remove(actor, ref.id)) === true) deleted++
			} else {
				const gone = await db.asUser(actor.id, async tx => {
					const { rows } = await tx.query<{ bucket: 'media' | 'attachments'; key: string }>(
						'delete from public.attachments where id = $1 returning bucket, key',
						[ref.id],
					)
					return rows[0] ?? null
				})
				if (gone) {
					deleted++
					await storage.remove(gone.bucket, [gone.key]).catch(() => undefined)
				}
			}
		}
		return deleted > 0 ? { deleted, undoable } : notFound('Those items')
	}

	/** Undo of `remove` for its generations, while the window is open; how many came back. */
	async function restore(actor: Actor, ids: readonly string[]): Promise<number | Refusal> {
		let restored = 0
		for (const id of ids.slice(0, MAX_BULK_ITEMS)) if ((await deps.generations.restore(actor, id)) === true) restored++
		return restored > 0
			? restored
			: refuse(409, 'too_late', 'It is too late to undo: the items have been deleted for good.')
	}

	/** The chosen items as a zip stream, or a refusal when none of them is the user's. */
	async function archive(
		actor: Actor,
		refs: readonly ItemRef[],
	): Promise<{ stream: Readable; files: number } | Refusal> {
		if (refs.length === 0) return noneChosen()
		if (refs.length > MAX_BULK_ITEMS) return tooMany()
		const chosen = await db.asUser(actor.id, async tx => {
			const found = await loadItems(tx, refs)
			const ids = found.filter(i => i.type === 'transcript').map(i => i.id)
			const { rows } =
				ids.length > 0
					? await tx.query<{ id: string; segments: TranscriptSegment[] }>(
							'select id, segments from public.transcripts where id = any($1::uuid[])',
							[ids],
						)
					: { rows: [] }
			return { found, segments: new Map(rows.map(r => [r.id, r.segments])) }
		})
		if (chosen.found.length === 0) return notFound('Those items')
		const entries = archiveEntries(chosen.found, chosen.segments)
		if (entries.length === 0) return refuse(409, 'no_files', 'None of the chosen items has a file yet.')
		return { stream: zipStream(storage, entries), files: entries.length }
	}

	return { list, models: items.models, detail, setFavorite, remove, restore, archive }
}

export type Library = ReturnType<typeof createLibrary>
