/**
 * The library page: a filter form (GET, so every view is a link), kind chips, the grid of tiles in one POST form
 * (./library-grid.tsx: checkboxes, stars and bulk buttons work without JavaScript) and links to the next page.
 */
import { Link } from '@remix-run/react'
import { ChevronRight } from '#app/components/icons/index.tsx'
import type { LibraryQuery } from '#server/domain/library/schema.ts'
import { FilterForm, isFiltered, KindChips, withParams } from './library-filters.tsx'
import { LibraryGrid, type LibraryTile } from './library-grid.tsx'

export type { LibraryTile } from './library-grid.tsx'

export function LibraryView({
	items,
	next,
	count,
	models,
	query,
}: {
	items: LibraryTile[]
	next: string | null
	count: number
	models: string[]
	query: LibraryQuery
}) {
	const filtered = isFiltered(query)
	return (
		<section className="space-y-5">
			<header className="flex flex-wrap items-end justify-between gap-3">
				<div>
					<h1 className="text-2xl font-semibold tracking-tight">Library</h1>
					<p className="mt-1 text-sm text-fg-muted">
						Everything you have made or uploaded, from the studios, chat and workflows.
					</p>
				</div>
				<p className="text-sm text-fg-muted" data-library-count={count}>
					{count === 1 ? '1 item' : `${count.toLocaleString('en')} items`}
					{filtered ? ' match' : ''}
				</p>
			</header>
			<KindChips query={query} />
			<FilterForm query={query} models={models} />
			{items.length === 0 ? <Empty filtered={filtered} /> : <LibraryGrid items={items} />}
			<Pages query={query} next={next} />
		</section>
	)
}

function Empty({ filtered }: { filtered: boolean }) {
	return (
		<div className="rounded-xl border border-dashed border-line-strong p-8 text-center text-fg-muted">
			{filtered ? (
				<>
					Nothing matches these filters. <Link to="/library">Show everything</Link>.
				</>
			) : (
				<>
					Nothing here yet. Make something in <Link to="/images">Images</Link>, <Link to="/video">Video</Link> or{' '}
					<Link to="/audio">Audio</Link> — “a lighthouse on a cliff at dawn” is a fine start.
				</>
			)}
		</div>
	)
}

/** First page and next page, keeping the filters. */
function Pages({ query, next }: { query: LibraryQuery; next: string | null }) {
	if (!next && !query.cursor) return null
	return (
		<nav aria-label="Pages" className="flex items-center justify-between gap-3">
			{query.cursor ? (
				<Link to={withParams(query, {})} className="btn-secondary">
					First page
				</Link>
			) : (
				<span />
			)}
			{next ? (
				<Link to={withParams(query, { cursor: next })} className="btn-secondary" rel="next">
					Next page
					<ChevronRight aria-hidden="true" size={16} />
				</Link>
			) : null}
		</nav>
	)
}
