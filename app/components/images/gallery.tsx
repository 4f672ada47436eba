/**
 * The image gallery: every image as a tile in justified rows (each tile as wide as its aspect ratio asks, rows
 * filling the width, reading order newest first), so portraits and landscapes sit together uncropped. A running
 * generation is a tile per image it will make, with elapsed time; a failed one says why and offers Retry.
 * Works without JavaScript: tiles are links, Retry is a form, older pages are a link.
 */
import { Link, useRevalidator } from '@remix-run/react'
import { ImageIcon } from '#app/components/icons/index.tsx'
import { useEffect } from 'react'
import type { CSSProperties } from 'react'
import { RELATION_WORDS } from '#server/domain/generations/schema.ts'
import { PENDING, PendingState, RetryForm } from '../generation-output.tsx'
import { Thumb, aspectOf } from './thumb.tsx'
import type { GalleryItem } from './types.ts'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'

/** Tiles on the first screen load at once; the rest when they scroll near. */
const EAGER_TILES = 8

type Tile = { item: GalleryItem; index: number | null; aspect: number }

function tilesOf(items: GalleryItem[]): Tile[] {
	return items.flatMap((item): Tile[] => {
		if (item.status === 'succeeded' && item.outputs.length > 0) {
			return item.outputs.map((o, index) => ({ item, index, aspect: aspectOf(o, item.aspect) }))
		}
		const count = PENDING.includes(item.status) ? Math.max(1, item.n) : 1
		return Array.from({ length: count }, () => ({ item, index: null, aspect: item.aspect }))
	})
}

/** The tile's width at its row height (8.5rem on phones, 11rem above), for `sizes`. */
function sizesFor(aspect: number): string {
	return `(max-width: 767px) ${Math.round(aspect * 136)}px, ${Math.round(aspect * 176)}px`
}

export function Gallery({
	items,
	next,
	first,
	pending,
}: {
	items: GalleryItem[]
	next: string | null
	first: boolean
	pending: boolean
}) {
	const tiles = tilesOf(items)
	return (
		<section aria-labelledby="gallery-title" className="min-w-0">
			{pending ? (
				<RefreshWhilePending seconds={3}>
					<FollowPending id={items.find(i => PENDING.includes(i.status))?.id ?? null} />
				</RefreshWhilePending>
			) : null}
			<div className="flex items-baseline justify-between gap-3">
				<h2 id="gallery-title" className="text-lg font-semibold">
					{first ? 'Your images' : 'Older images'}
				</h2>
				<div className="flex gap-3 text-sm">
					{!first ? <Link to="/images">Newest</Link> : null}
					<Link to="/library?kind=image">In the library</Link>
				</div>
			</div>
			{tiles.length === 0 ? (
				<EmptyGallery />
			) : (
				<ul className="gallery mt-4 flex flex-wrap gap-2 [--row:8.5rem] md:[--row:11rem]" data-gallery="">
					{tiles.map((tile, i) => (
						<GalleryTile key={`${tile.item.id}-${tile.index ?? i}`} tile={tile} eager={i < EAGER_TILES} />
					))}
					{/* Takes the rest of the last row, so its tiles keep their size instead of stretching. */}
					<li aria-hidden="true" className="h-0 grow-[10] basis-0" />
				</ul>
			)}
			{next ? (
				<p className="mt-6 text-center">
					<Link to={`/images?${new URLSearchParams({ cursor: next })}`} className="btn-secondary" rel="next">
						Older images
					</Link>
				</p>
			) : null}
		</section>
	)
}

function GalleryTile({ tile, eager }: { tile: Tile; eager: boolean }) {
	const { item, index, aspect } = tile
	const href = `/generations/${item.id}${index ? `?image=${index}` : ''}`
	const output = index === null ? undefined : item.outputs[index]
	return (
		<li
			className="gallery-tile"
			style={{ '--a': Number(aspect.toFixed(3)) } as CSSProperties}
			data-generation-status={item.status}
			data-generation-id={item.id}
		>
			{output ? (
				<Link to={href} aria-label={`${item.prompt}${index ? ` (image ${index + 1})` : ''}`}>
					<Thumb output={output} alt="" sizes={sizesFor(aspect)} eager={eager} />
					<span className="gallery-caption">{item.prompt}</span>
				</Link>
			) : PENDING.includes(item.status) ? (
				<Link to={href} className="no-underline" aria-label={`${item.prompt} (in progress)`}>
					<PendingState status={item.status} since={item.startedAt ?? item.createdAt} className="h-full" />
				</Link>
			) : (
				<div className="flex h-full flex-col items-center justify-center gap-2 bg-danger-soft/60 p-3 text-center">
					<p className="line-clamp-3 text-xs text-danger">
						{item.status === 'failed' ? (item.error ?? 'This generation failed.') : 'Canceled.'}
					</p>
					<RetryForm
						href={`/generations/${item.id}`}
						buttonClassName="btn-secondary min-h-10 px-2.5 py-1 text-xs md:min-h-0"
					/>
					<Link to={href} className="text-xs">
						Details
					</Link>
				</div>
			)}
			{item.relation && output ? (
				<span className="pointer-events-none absolute left-1.5 top-1.5 rounded-md bg-black/60 px-1.5 py-0.5 text-[11px] font-medium text-white">
					{RELATION_WORDS[item.relation]}
				</span>
			) : null}
		</li>
	)
}

function EmptyGallery() {
	return (
		<div className="mt-4 flex min-h-72 flex-col items-center justify-center rounded-xl border border-dashed border-line-strong p-8 text-center">
			<ImageIcon aria-hidden="true" size={32} className="text-fg-muted" />
			<p className="mt-3 max-w-sm text-sm text-fg-muted">
				No images yet. Describe one on the left and press Generate — for example “a lighthouse on a cliff at dawn,
				watercolour”.
			</p>
		</div>
	)
}

/** With JavaScript: reload the gallery's data when a pending generation changes status. */
function FollowPending({ id }: { id: string | null }) {
	const { revalidate } = useRevalidator()
	useEffect(() => {
		if (!id) return
		const source = new EventSource(`/api/generations/${id}/events`)
		let first = true
		source.addEventListener('status', () => {
			// The first event is the status the page already shows.
			if (first) first = false
			else revalidate()
		})
		return () => source.close()
	}, [id, revalidate])
	return null
}
