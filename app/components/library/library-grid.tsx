/**
 * The library's grid: one POST form around every tile, so the checkboxes, the stars and the bulk buttons work
 * without JavaScript. With it, the form listens once for the whole grid: a star posts through a fetcher (a key per
 * item) and flips in place; a tile's title is an in-app link (`APP_LINK`), which the shell's one listener navigates.
 * The tiles themselves hold no hooks and no handlers; a page of 48 of them is a large share of the page's render.
 */
import { useFetchers, useLocation, useSubmit } from '@remix-run/react'
import { APP_LINK } from '#app/components/app-links.tsx'
import type { MouseEvent } from 'react'
import { IntentButton } from '#app/components/forms.tsx'
import { shortTime, StatusBadge } from '#app/components/generation-output.tsx'
import {
	AudioLines,
	Clapperboard,
	Download,
	FileText,
	ImageIcon,
	Paperclip,
	spriteHref,
	Star,
	Trash2,
	Workflow,
	type IconComponent,
} from '#app/components/icons/index.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import type { SoundCredit } from '#server/domain/sounds/schema.ts'

/** What a tile shows (the loader sends nothing more). */
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
	fileUrl: string | null
	waveform: readonly number[] | null
	excerpt: string | null
	credit: SoundCredit | null
}

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

/**
 * A decorative icon of the sprite, its drawing attributes (stroke, fill) in the stylesheet (`.library-tile svg`) rather
 * than on each of a page's 96 tile icons.
 */
function TileIcon({ icon, size }: { icon: IconComponent; size: number }) {
	return (
		<svg width={size} height={size} aria-hidden="true">
			<use href={`${spriteHref}#${icon.iconName}`} />
		</svg>
	)
}

export function LibraryGrid({ items }: { items: LibraryTile[] }) {
	const location = useLocation()
	const submit = useSubmit()
	// Stars on their way: `<type>:<uuid>` → the state asked for, shown until the list is read again.
	const pending = new Map<string, boolean>()
	for (const fetcher of useFetchers()) {
		const value = fetcher.formData?.get('favorite')
		if (typeof value === 'string') pending.set(value.slice(0, -2), value.endsWith(':1'))
	}
	function onClick(event: MouseEvent<HTMLFormElement>) {
		if (event.defaultPrevented || !(event.target instanceof Element)) return
		const star = event.target.closest<HTMLButtonElement>('button[name="favorite"]')
		if (star) {
			event.preventDefault()
			submit(
				{ favorite: star.value },
				{
					method: 'post',
					action: `/library${window.location.search}`,
					navigate: false,
					fetcherKey: `library-favorite:${star.value.slice(0, -2)}`,
				},
			)
			return
		}
	}
	return (
		// A plain form: the zip is a download the browser saves, not a page Remix would fetch.
		// eslint-disable-next-line jsx-a11y/click-events-have-key-events, jsx-a11y/no-noninteractive-element-interactions -- the clicks it handles are its buttons' and links' own (Enter and Space click them too)
		<form
			method="post"
			action={`/library${location.search}`}
			className="space-y-4"
			data-library-bulk=""
			onClick={onClick}
		>
			<div className="sticky top-0 z-10 flex items-center gap-2 rounded-xl border border-line bg-surface/95 p-2 backdrop-blur">
				<p className="px-2 text-sm text-fg-muted max-sm:sr-only">With the selected items:</p>
				<IntentButton
					intent="download"
					formAction="/library/download"
					className="btn-secondary px-3 py-1.5 text-sm"
					icon={Download}
				>
					Download zip
				</IntentButton>
				<IntentButton intent="delete" className="btn-danger px-3 py-1.5" icon={Trash2}>
					Delete
				</IntentButton>
			</div>
			<ul className="grid grid-cols-2 gap-3 sm:grid-cols-[repeat(auto-fill,minmax(13rem,1fr))] sm:gap-4">
				{items.map(item => {
					const ref = `${item.type}:${item.id}`
					return <Tile key={ref} item={item} favorite={pending.get(ref) ?? item.favorite} />
				})}
			</ul>
		</form>
	)
}

/** What fills a tile's square: a picture, a waveform, the start of a text, or the kind's icon. */
function Preview({ item }: { item: LibraryTile }) {
	if (item.thumbnailUrl) return <img src={item.thumbnailUrl} alt="" loading="lazy" decoding="async" />
	if (item.waveform)
		return (
			<div className="flex h-full w-full flex-col justify-center gap-2 px-3 pt-10">
				<WaveformPreview peaks={item.waveform} {...(item.duration ? { duration: item.duration } : {})} />
			</div>
		)
	if (item.excerpt)
		return (
			<p className="line-clamp-6 h-full w-full overflow-hidden whitespace-pre-line p-3 pt-12 text-xs leading-relaxed text-fg-muted sm:line-clamp-[8]">
				{item.excerpt}
			</p>
		)
	const Icon = KIND_ICONS[item.kind] ?? Paperclip
	return (
		<div className="flex h-full w-full flex-col items-center justify-center gap-2 text-fg-muted">
			<Icon aria-hidden="true" size={32} strokeWidth={1.5} />
			{item.duration ? <span className="text-xs tabular-nums">{Math.round(item.duration)} s</span> : null}
		</div>
	)
}

function Tile({ item, favorite }: { item: LibraryTile; favorite: boolean }) {
	const ref = `${item.type}:${item.id}`
	const checkboxId = `select-${item.id}`
	const name = item.title || 'this item'
	return (
		<li
			className="library-tile"
			data-library-item={ref}
			data-favorite={favorite ? 'true' : 'false'}
			data-generation-status={item.type === 'generation' ? item.status : undefined}
		>
			<div className="library-media">
				<Preview item={item} />
				<label htmlFor={checkboxId} className="library-pick">
					<input id={checkboxId} type="checkbox" name={`item:${ref}`} value="1" />
					<span className="sr-only">{`Select ${name}`}</span>
				</label>
				<button
					type="submit"
					name="favorite"
					value={`${ref}:${favorite ? '0' : '1'}`}
					aria-pressed={favorite}
					aria-label={favorite ? 'Remove from favourites' : 'Add to favourites'}
					className="library-star"
				>
					<TileIcon icon={Star} size={16} />
				</button>
			</div>
			<div className="library-body">
				<a {...APP_LINK} href={`/library/${item.type}/${item.id}`} className="library-title">
					{item.title || 'Untitled'}
				</a>
				{item.credit ? <SoundCreditLine credit={item.credit} /> : null}
				{item.kind === 'audio' && item.fileUrl ? (
					<audio src={item.fileUrl} controls preload="none" aria-label={item.title} className="h-9 w-full">
						<a href={item.fileUrl}>Listen</a>
					</audio>
				) : null}
				<div className="library-facts">
					{item.type === 'generation' && item.status !== 'succeeded' ? (
						<StatusBadge status={item.status as GenerationStatus} />
					) : null}
					{/* The dots between the facts are the stylesheet's. */}
					<span className="library-fact">{KIND_LABELS[item.kind] ?? item.kind}</span>
					{item.source === 'workflow' ? (
						<span className="library-fact inline-flex items-center gap-1">
							<TileIcon icon={Workflow} size={12} />
							Workflow
						</span>
					) : (
						<span className="library-fact">{SOURCE_LABELS[item.source] ?? item.source}</span>
					)}
					<time dateTime={new Date(item.createdAt).toISOString()}>{shortTime(item.createdAt)}</time>
					{item.fileUrl ? (
						<a href={item.fileUrl} download aria-label={`Download ${name}`}>
							<TileIcon icon={Download} size={14} />
						</a>
					) : null}
				</div>
				{item.model ? (
					<p className="library-model" title={item.model}>
						{item.model}
					</p>
				) : null}
			</div>
		</li>
	)
}
