/**
 * The library page: a filter form (GET, so every view is a link), kind chips, and one POST form around the grid so
 * the checkboxes, the stars and the bulk buttons work without JavaScript. With it, a star flips in place.
 */
import { Link, useFetcher, useLocation } from '@remix-run/react'
import type { ReactNode } from 'react'
import { shortTime, StatusBadge } from '#app/components/generation-output.tsx'
import {
	AudioLines,
	ChevronRight,
	Clapperboard,
	Download,
	FileText,
	ImageIcon,
	Paperclip,
	Search,
	Star,
	Trash2,
	Workflow,
} from '#app/components/icons/index.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import type { LibraryQuery } from '#server/domain/library/schema.ts'
import type { SoundCredit } from '#server/domain/sounds/schema.ts'

export type LibraryTile = {
	type: 'generation' | 'attachment' | 'transcript'
	id: string
	kind: string
	status: string
	model: string | null
	title: string
	favorite: boolean
	source: string
	createdAt: string | Date
	thumbnailUrl: string | null
	duration: number | null
	fileCount: number
	fileUrl: string | null
	waveform: readonly number[] | null
	excerpt: string | null
	credit: SoundCredit | null
}

const KINDS = [
	{ value: '', label: 'Everything' },
	{ value: 'image', label: 'Images' },
	{ value: 'video', label: 'Video' },
	{ value: 'audio', label: 'Audio' },
	{ value: 'transcript', label: 'Transcripts' },
	{ value: 'file', label: 'Files' },
] as const

const KIND_ICONS: Record<string, typeof ImageIcon> = {
	image: ImageIcon,
	video: Clapperboard,
	audio: AudioLines,
	transcript: FileText,
	text: FileText,
	file: Paperclip,
}

const SOURCE_LABELS: Record<string, string> = { studio: 'Studio', chat: 'Chat', workflow: 'Workflow' }

const KIND_LABELS: Record<string, string> = {
	image: 'Image',
	video: 'Video',
	audio: 'Audio',
	text: 'Text',
	transcript: 'Transcript',
	file: 'File',
}

/** The current filters as a query string, with some changed (an empty value removes it), the cursor dropped. */
function withParams(query: LibraryQuery, change: Record<string, string | undefined>): string {
	const params = new URLSearchParams()
	const all = { ...query, cursor: undefined, ...change }
	for (const [key, value] of Object.entries(all)) {
		if (value === undefined || value === '' || (key === 'sort' && value === 'newest')) continue
		params.set(key, String(value))
	}
	const text = params.toString()
	return text ? `?${text}` : '/library'
}

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
	const location = useLocation()
	const filtered = Boolean(
		query.kind || query.status || query.model || query.source || query.favorites || query.from || query.to || query.q,
	)
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

			<nav aria-label="Filter by kind" className="-mx-1 flex gap-1 overflow-x-auto px-1 text-sm">
				{KINDS.map(k => {
					const current = (query.kind ?? '') === k.value
					return (
						<Link
							key={k.value}
							to={withParams(query, { kind: k.value })}
							aria-current={current ? 'page' : undefined}
							className={`whitespace-nowrap rounded-full border px-3 py-1 no-underline hover:no-underline ${
								current
									? 'border-accent bg-accent-soft font-semibold text-fg'
									: 'border-line text-fg-muted hover:border-line-strong hover:text-fg'
							}`}
						>
							{k.label}
						</Link>
					)
				})}
			</nav>

			<FilterForm query={query} models={models} filtered={filtered} />

			{items.length === 0 ? (
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
			) : (
				// A plain form: the zip is a download the browser saves, not a page Remix would fetch.
				<form method="post" action={`/library${location.search}`} className="space-y-4" data-library-bulk="">
					<div className="sticky top-0 z-10 flex items-center gap-2 rounded-xl border border-line bg-surface/95 p-2 backdrop-blur">
						<p className="px-2 text-sm text-fg-muted max-sm:sr-only">With the selected items:</p>
						<button
							type="submit"
							name="intent"
							value="download"
							formAction="/library/download"
							className="btn-secondary px-3 py-1.5 text-sm"
						>
							<Download aria-hidden="true" size={16} />
							Download zip
						</button>
						<button type="submit" name="intent" value="delete" className="btn-danger px-3 py-1.5">
							<Trash2 aria-hidden="true" size={16} />
							Delete
						</button>
					</div>
					<ul className="grid grid-cols-2 gap-3 sm:grid-cols-[repeat(auto-fill,minmax(13rem,1fr))] sm:gap-4">
						{items.map(item => (
							<Tile key={`${item.type}:${item.id}`} item={item} />
						))}
					</ul>
				</form>
			)}

			{next || query.cursor ? (
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
			) : null}
		</section>
	)
}

function FilterForm({ query, models, filtered }: { query: LibraryQuery; models: string[]; filtered: boolean }) {
	const select = (name: string, label: string, value: string | undefined, options: Array<[string, string]>) => (
		<label className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
			{label}
			<select name={name} defaultValue={value ?? ''} className="field py-1.5 text-sm">
				{options.map(([v, l]) => (
					<option key={v} value={v}>
						{l}
					</option>
				))}
			</select>
		</label>
	)
	return (
		<form
			method="get"
			action="/library"
			role="search"
			className="space-y-3 rounded-xl border border-line bg-surface p-3"
		>
			{query.kind ? <input type="hidden" name="kind" value={query.kind} /> : null}
			<div className="flex gap-2">
				<label className="relative flex-1">
					<span className="sr-only">Search prompts and names</span>
					<Search
						aria-hidden="true"
						size={16}
						className="pointer-events-none absolute left-3 top-1/2 -translate-y-1/2 text-fg-muted"
					/>
					<input
						type="search"
						name="q"
						defaultValue={query.q ?? ''}
						placeholder="Search prompts and file names"
						className="field pl-9"
					/>
				</label>
				<button type="submit" className="btn">
					Apply
				</button>
			</div>
			<details
				open={Boolean(
					query.status ||
						query.model ||
						query.source ||
						query.from ||
						query.to ||
						query.favorites ||
						query.sort === 'oldest',
				)}
			>
				<summary className="cursor-pointer text-sm text-fg-muted">More filters</summary>
				<div className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
					{select('status', 'Status', query.status, [
						['', 'Any'],
						['succeeded', 'Done'],
						['queued', 'Queued'],
						['running', 'Generating'],
						['failed', 'Failed'],
						['canceled', 'Canceled'],
					])}
					{select('model', 'Model', query.model, [['', 'Any'], ...models.map((m): [string, string] => [m, m])])}
					{select('source', 'Made in', query.source, [
						['', 'Anywhere'],
						['studio', 'Studios'],
						['chat', 'Chat'],
						['workflow', 'Workflows'],
					])}
					<label className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
						From
						<input type="date" name="from" defaultValue={query.from ?? ''} className="field py-1.5 text-sm" />
					</label>
					<label className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
						To
						<input type="date" name="to" defaultValue={query.to ?? ''} className="field py-1.5 text-sm" />
					</label>
					{select('sort', 'Sort', query.sort, [
						['newest', 'Newest first'],
						['oldest', 'Oldest first'],
					])}
				</div>
				<div className="mt-3 flex flex-wrap items-center gap-4">
					<label className="flex items-center gap-2 text-sm">
						<input type="checkbox" name="favorites" value="1" defaultChecked={query.favorites === '1'} />
						Favourites only
					</label>
					{filtered ? (
						<Link to="/library" className="text-sm">
							Clear filters
						</Link>
					) : null}
				</div>
			</details>
		</form>
	)
}

function Tile({ item }: { item: LibraryTile }) {
	const ref = `${item.type}:${item.id}`
	const href = `/library/${item.type}/${item.id}`
	const Icon = KIND_ICONS[item.kind] ?? Paperclip
	const fetcher = useFetcher()
	const pending = fetcher.formData?.get('favorite')
	const favorite = typeof pending === 'string' ? pending.endsWith(':1') : item.favorite
	const checkboxId = `select-${item.id}`
	return (
		<li
			className="group relative flex flex-col overflow-hidden rounded-xl border border-line bg-surface has-[:checked]:border-accent has-[:checked]:ring-2 has-[:checked]:ring-accent/40"
			data-library-item={ref}
			data-favorite={favorite ? 'true' : 'false'}
			{...(item.type === 'generation' ? { 'data-generation-status': item.status } : {})}
		>
			<div className="relative aspect-square bg-raised">
				{item.thumbnailUrl ? (
					<img src={item.thumbnailUrl} alt="" loading="lazy" decoding="async" className="h-full w-full object-cover" />
				) : item.waveform ? (
					<div className="flex h-full w-full flex-col justify-center gap-2 px-3 pt-10">
						<WaveformPreview peaks={item.waveform} {...(item.duration ? { duration: item.duration } : {})} />
					</div>
				) : item.excerpt ? (
					<p className="line-clamp-6 h-full w-full overflow-hidden whitespace-pre-line p-3 pt-12 text-xs leading-relaxed text-fg-muted sm:line-clamp-[8]">
						{item.excerpt}
					</p>
				) : (
					<div className="flex h-full w-full flex-col items-center justify-center gap-2 text-fg-muted">
						<Icon aria-hidden="true" size={32} strokeWidth={1.5} />
						{item.duration ? <span className="text-xs tabular-nums">{Math.round(item.duration)} s</span> : null}
					</div>
				)}
				<label
					htmlFor={checkboxId}
					className="absolute left-2 top-2 flex h-8 w-8 cursor-pointer items-center justify-center rounded-md bg-surface/90 shadow-sm"
				>
					<input id={checkboxId} type="checkbox" name={`item:${ref}`} value="1" className="h-4 w-4" />
					<span className="sr-only">Select {item.title || 'this item'}</span>
				</label>
				<button
					type="submit"
					name="favorite"
					value={`${ref}:${favorite ? '0' : '1'}`}
					aria-pressed={favorite}
					aria-label={favorite ? 'Remove from favourites' : 'Add to favourites'}
					className={`absolute right-2 top-2 flex h-8 w-8 items-center justify-center rounded-md bg-surface/90 shadow-sm ${
						favorite ? 'text-warning' : 'text-fg-muted hover:text-fg'
					}`}
					onClick={event => {
						event.preventDefault()
						fetcher.submit(
							{ favorite: `${ref}:${favorite ? '0' : '1'}` },
							{ method: 'post', action: `/library${window.location.search}` },
						)
					}}
				>
					<Star aria-hidden="true" size={16} fill={favorite ? 'currentColor' : 'none'} />
				</button>
			</div>
			<div className="flex flex-1 flex-col gap-1.5 p-3">
				<Link to={href} className="line-clamp-2 text-sm font-medium text-fg no-underline hover:underline">
					{item.title || 'Untitled'}
				</Link>
				{item.credit ? <SoundCreditLine credit={item.credit} /> : null}
				{item.kind === 'audio' && item.fileUrl ? (
					<audio src={item.fileUrl} controls preload="none" aria-label={item.title} className="h-9 w-full">
						<a href={item.fileUrl}>Listen</a>
					</audio>
				) : null}
				<Meta>
					{item.type === 'generation' && item.status !== 'succeeded' ? (
						<StatusBadge status={item.status as GenerationStatus} />
					) : null}
					<span>{KIND_LABELS[item.kind] ?? item.kind}</span>
					<span aria-hidden="true">·</span>
					<span className="inline-flex items-center gap-1">
						{item.source === 'workflow' ? <Workflow aria-hidden="true" size={12} /> : null}
						{SOURCE_LABELS[item.source] ?? item.source}
					</span>
					<span aria-hidden="true">·</span>
					<time dateTime={new Date(item.createdAt).toISOString()}>{shortTime(item.createdAt)}</time>
					{item.fileUrl ? (
						<a
							href={item.fileUrl}
							download
							className="ml-auto inline-flex items-center text-fg-muted hover:text-fg"
							aria-label={`Download ${item.title || 'this item'}`}
						>
							<Download aria-hidden="true" size={14} />
						</a>
					) : null}
				</Meta>
				{item.model ? (
					<p className="truncate text-xs text-fg-muted" title={item.model}>
						{item.model}
					</p>
				) : null}
			</div>
		</li>
	)
}

function Meta({ children }: { children: ReactNode }) {
	return <div className="mt-auto flex flex-wrap items-center gap-x-1.5 gap-y-1 text-xs text-fg-muted">{children}</div>
}
