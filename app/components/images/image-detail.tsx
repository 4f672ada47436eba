/**
 * An image generation's page: the picture as large as the window allows (the others of the same run as a strip
 * under it, arrows to the next newer and older image), and beside it the prompt, every parameter, the cost and
 * time, the lineage both ways, and the actions: Vary, Upscale, Use these settings, Use as source, Edit (the canvas editor), Make a video, Download,
 * Delete. Every action is a link or a form; nothing needs JavaScript.
 */
import { Form, Link } from '@remix-run/react'
import { ShareForm } from '#app/components/share/share-form.tsx'
import {
	ArrowLeft,
	ChevronLeft,
	ChevronRight,
	Clapperboard,
	Download,
	ImagePlus,
	Maximize2,
	Pencil,
	RotateCcw,
	Shuffle,
	SlidersHorizontal,
	Trash2,
	X,
} from '#app/components/icons/index.tsx'
import type { ReactNode } from 'react'
import { IMAGE_SIZE_LABELS, RELATION_WORDS } from '#server/domain/generations/schema.ts'
import type { GenerationStatus, Relation } from '#server/domain/generations/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { PENDING, PendingState, StatusBadge, shortTime } from '../generation-output.tsx'
import { Thumb, aspectOf } from './thumb.tsx'
import type { GalleryItem, ImageModelView, ImageView, UpscalerView } from './types.ts'

export type ImageDetailProps = {
	generation: {
		id: string
		status: GenerationStatus
		prompt: string
		model: string
		error: string | null
		costMicros: number
		params: Record<string, unknown>
		createdAt: string | Date
		startedAt: string | Date | null
		completedAt: string | Date | null
		outputs: ImageView[]
	}
	selected: number
	parent: GalleryItem | null
	children: GalleryItem[]
	neighbours: { newer: string | null; older: string | null }
	upscalers: UpscalerView[]
	models: ImageModelView[]
	idempotencyKey: string
	refusal: string | null
}

function took(g: ImageDetailProps['generation']): string | null {
	if (!g.startedAt || !g.completedAt) return null
	const ms = new Date(g.completedAt).getTime() - new Date(g.startedAt).getTime()
	return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

function param(params: Record<string, unknown>, name: string): string | null {
	const value = params[name]
	return typeof value === 'string' || typeof value === 'number' ? String(value) : null
}

export function ImageDetail(props: ImageDetailProps) {
	const { generation: g, selected, neighbours } = props
	const pending = PENDING.includes(g.status)
	const output = g.outputs[selected] ?? g.outputs[0]
	const size = param(g.params, 'size')
	const aspect = output ? aspectOf(output) : size ? Number(size.split('x')[0]) / Number(size.split('x')[1]) : 1
	return (
		<article className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]" data-generation-status={g.status}>
			<div className="min-w-0 space-y-3">
				<nav aria-label="Browse images" className="flex items-center justify-between gap-2 text-sm">
					<Link to="/images" className="inline-flex min-h-10 items-center gap-1">
						<ArrowLeft aria-hidden="true" size={16} />
						Images
					</Link>
					<span className="flex gap-1">
						<NeighbourLink
							id={neighbours.newer}
							label="Newer image"
							icon={<ChevronLeft size={18} aria-hidden="true" />}
						/>
						<NeighbourLink
							id={neighbours.older}
							label="Older image"
							icon={<ChevronRight size={18} aria-hidden="true" />}
						/>
					</span>
				</nav>
				<figure className="flex min-h-64 items-center justify-center overflow-hidden rounded-xl border border-line bg-[repeating-conic-gradient(rgb(var(--raised))_0%_25%,rgb(var(--surface))_0%_50%)] bg-[length:24px_24px]">
					{output ? (
						<a href={output.url} className="block" title="Open the original">
							<img
								src={output.url}
								alt={g.prompt}
								width={output.width}
								height={output.height}
								className="max-h-[calc(100vh-10rem)] w-auto max-w-full object-contain"
								data-original=""
							/>
						</a>
					) : pending ? (
						<div className="w-full max-w-xl" style={{ aspectRatio: aspect }}>
							<PendingState status={g.status} since={g.startedAt ?? g.createdAt} className="h-full" />
						</div>
					) : (
						<div className="max-w-md p-8 text-center">
							<p role="alert" className="callout-danger">
								{g.status === 'failed' ? (g.error ?? 'This generation failed.') : 'This generation was canceled.'}
							</p>
						</div>
					)}
				</figure>
				{g.outputs.length > 1 ? (
					<ul aria-label="Images of this run" className="flex flex-wrap gap-2">
						{g.outputs.map((o, i) => (
							<li key={o.url}>
								<Link
									to={i === 0 ? '?' : `?image=${i}`}
									aria-current={i === selected ? 'true' : undefined}
									aria-label={`Image ${i + 1}`}
									className={`block overflow-hidden rounded-md border-2 ${i === selected ? 'border-accent' : 'border-transparent hover:border-line-strong'}`}
								>
									<Thumb output={o} alt="" sizes="80px" eager className="h-16 w-16 object-cover" />
								</Link>
							</li>
						))}
					</ul>
				) : null}
			</div>
			<aside
				className="space-y-5 [&_.btn-danger]:min-h-10 [&_.btn-secondary]:min-h-10 [&_.btn]:min-h-10"
				aria-label="Details and actions"
			>
				<header className="space-y-2">
					<div className="flex flex-wrap items-center gap-2">
						<span role="status">
							<StatusBadge status={g.status} />
						</span>
						{typeof g.params.relation === 'string' && g.params.relation in RELATION_WORDS ? (
							<span className="rounded-full border border-line px-2 py-0.5 text-xs text-fg-muted">
								{RELATION_WORDS[g.params.relation as Relation]}
							</span>
						) : null}
					</div>
					<h1 className="text-lg font-semibold leading-snug">{g.prompt}</h1>
					{param(g.params, 'negativePrompt') ? (
						<p className="text-sm text-fg-muted">
							<span className="font-medium text-fg-soft">Not:</span> {param(g.params, 'negativePrompt')}
						</p>
					) : null}
				</header>
				{props.refusal ? (
					<p role="alert" className="callout-danger">
						{props.refusal}
					</p>
				) : null}
				<Actions {...props} output={output} />
				{/* While it runs, Cancel is the one thing to do: it comes first; afterwards, last. */}
				{pending ? <Housekeeping status={g.status} /> : null}
				<Parameters {...props} />
				<Lineage parent={props.parent} items={props.children} />
				{pending ? null : <Housekeeping status={g.status} />}
			</aside>
		</article>
	)
}

function NeighbourLink({ id, label, icon }: { id: string | null; label: string; icon: ReactNode }) {
	return id ? (
		<Link to={`/generations/${id}`} className="icon-btn h-10 w-10" aria-label={label} title={label}>
			{icon}
		</Link>
	) : (
		<span className="icon-btn h-10 w-10 opacity-40" aria-hidden="true">
			{icon}
		</span>
	)
}

function Parameters({ generation: g, models }: ImageDetailProps) {
	const modelName = models.find(m => m.id === g.model)?.name ?? g.model
	const size = param(g.params, 'size')
	const seed = param(g.params, 'seed')
	const strength = param(g.params, 'strength')
	const rows: Array<[string, ReactNode]> = [
		[
			'Model',
			<span key="m" title={g.model}>
				{modelName}
			</span>,
		],
	]
	if (g.params.operation === 'upscale') {
		rows.push(['Scale', `${param(g.params, 'scale') ?? 2}×`])
	} else {
		rows.push(['Seed', seed ?? <span className="text-fg-muted">not taken by this model</span>])
		if (size)
			rows.push([
				'Size',
				`${IMAGE_SIZE_LABELS[size as keyof typeof IMAGE_SIZE_LABELS] ?? ''} · ${size.replace('x', ' × ')}`,
			])
		rows.push(['Images', param(g.params, 'n') ?? '1'])
		if (param(g.params, 'quality')) rows.push(['Quality', param(g.params, 'quality')])
		if (param(g.params, 'style')) rows.push(['Style', param(g.params, 'style')])
		if (strength) rows.push(['Strength', `${Math.round(Number(strength) * 100)}%`])
		// An inpaint names its mask (stored with the edit, in the owner's folder): what was sent reached the server.
		if (g.params.operation === 'edit' && param(g.params, 'maskKey')) rows.push(['Mask', 'White repainted, black kept'])
	}
	const output = g.outputs[0]
	if (output?.width && output.height) rows.push(['Pixels', `${output.width} × ${output.height}`])
	rows.push(['Cost', g.costMicros > 0 ? formatUsd(g.costMicros) : 'Free'])
	const time = took(g)
	if (time) rows.push(['Time taken', time])
	rows.push([
		'Created',
		<time key="t" dateTime={new Date(g.createdAt).toISOString()}>
			{shortTime(g.createdAt)}
		</time>,
	])
	return (
		<section aria-labelledby="parameters-title">
			<h2 id="parameters-title" className="text-sm font-semibold">
				Parameters
			</h2>
			<dl className="mt-2 grid grid-cols-[7rem_minmax(0,1fr)] gap-x-3 gap-y-1.5 rounded-lg border border-line bg-surface p-3 text-sm">
				{rows.map(([label, value]) => (
					<div key={label} className="contents" data-parameter={label}>
						<dt className="text-fg-muted">{label}</dt>
						<dd className="min-w-0 break-words tabular-nums">{value}</dd>
					</div>
				))}
			</dl>
		</section>
	)
}

function Actions({
	generation: g,
	selected,
	upscalers,
	models,
	idempotencyKey,
	output,
}: ImageDetailProps & { output: ImageView | undefined }) {
	const done = g.status === 'succeeded' && output !== undefined
	// An upscale, an inpainting or an image made in the editor has no settings to vary.
	const isUpscale = g.params.operation !== undefined && g.params.operation !== 'generate'
	const canStartFrom = models.some(m => m.inputImage)
	return (
		<section aria-labelledby="actions-title" className="space-y-3">
			<h2 id="actions-title" className="sr-only">
				Actions
			</h2>
			{done ? (
				<div className="grid grid-cols-2 gap-2">
					{!isUpscale ? (
						<Form method="post" className="contents">
							<input type="hidden" name="idempotencyKey" value={`${idempotencyKey}-vary`} />
							<button type="submit" name="intent" value="vary" className="btn">
								<Shuffle aria-hidden="true" size={16} />
								Vary
							</button>
						</Form>
					) : null}
					<Link
						to={`/generations/${g.id}/edit${selected ? `?image=${selected}` : ''}`}
						className={`btn-secondary ${isUpscale ? 'col-span-2' : ''}`}
					>
						<Pencil aria-hidden="true" size={16} />
						Edit
					</Link>
					<Link to={`/images?from=${g.id}`} className="btn-secondary col-span-2">
						<SlidersHorizontal aria-hidden="true" size={16} />
						Use these settings
					</Link>
					{canStartFrom ? (
						<Link to={`/images?source=${g.id}${selected ? `&image=${selected}` : ''}`} className="btn-secondary">
							<ImagePlus aria-hidden="true" size={16} />
							Use as source
						</Link>
					) : null}
					<Link to={`/video?source=${g.id}${selected ? `&image=${selected}` : ''}`} className="btn-secondary">
						<Clapperboard aria-hidden="true" size={16} />
						Make a video
					</Link>
					<a href={output.downloadUrl ?? output.url} download className="btn-secondary">
						<Download aria-hidden="true" size={16} />
						Download
					</a>
					<ShareForm kind="generation" targetId={g.id} returnTo={`/generations/${g.id}`} align="right" />
				</div>
			) : null}
			{done && upscalers.length > 0 ? (
				<Form method="post" className="space-y-2 rounded-lg border border-line p-3">
					<input type="hidden" name="output" value={String(selected)} />
					<input type="hidden" name="idempotencyKey" value={`${idempotencyKey}-upscale`} />
					<label htmlFor="upscale-model" className="block text-sm font-medium">
						Upscaler
					</label>
					<select id="upscale-model" name="model" className="field text-sm" defaultValue={upscalers[0]?.id}>
						{upscalers.map(u => (
							<option key={u.id} value={u.id}>
								{u.name} — {u.price}
							</option>
						))}
					</select>
					<div className="flex gap-2">
						<fieldset className="shrink-0">
							<legend className="sr-only">Scale</legend>
							<div className="flex gap-1">
								{[2, 4].map(s => (
									<label key={s} className="relative cursor-pointer">
										<input type="radio" name="scale" value={s} defaultChecked={s === 2} className="peer sr-only" />
										<span className="inline-flex h-10 items-center rounded-lg border border-line-strong px-3 text-sm peer-checked:border-accent peer-checked:bg-accent-soft peer-checked:font-semibold peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-accent">
											{s}×
										</span>
									</label>
								))}
							</div>
						</fieldset>
						<button type="submit" name="intent" value="upscale" className="btn-secondary flex-1">
							<Maximize2 aria-hidden="true" size={16} />
							Upscale{g.outputs.length > 1 ? ` image ${selected + 1}` : ''}
						</button>
					</div>
				</Form>
			) : null}
		</section>
	)
}

/** Running it again (or stopping it) and deleting it: kept apart, after everything else. */
function Housekeeping({ status }: { status: GenerationStatus }) {
	return (
		<Form method="post" className="flex flex-wrap gap-2 border-t border-line pt-4">
			{PENDING.includes(status) ? (
				<button type="submit" name="intent" value="cancel" className="btn-secondary">
					<X aria-hidden="true" size={16} />
					Cancel
				</button>
			) : (
				<button type="submit" name="intent" value="retry" className="btn-secondary">
					<RotateCcw aria-hidden="true" size={16} />
					Run again
				</button>
			)}
			<button type="submit" name="intent" value="delete" className="btn-danger">
				<Trash2 aria-hidden="true" size={16} />
				Delete
			</button>
		</Form>
	)
}

function Lineage({ parent, items }: { parent: GalleryItem | null; items: GalleryItem[] }) {
	if (!parent && items.length === 0) return null
	return (
		<section aria-labelledby="lineage-title" className="space-y-3">
			<h2 id="lineage-title" className="text-sm font-semibold">
				Lineage
			</h2>
			{parent ? (
				<div>
					<p className="mb-1.5 text-xs text-fg-muted">Made from</p>
					<LineageCard item={parent} />
				</div>
			) : null}
			{items.length > 0 ? (
				<div>
					<p className="mb-1.5 text-xs text-fg-muted">Made from this ({items.length})</p>
					<ul className="grid grid-cols-3 gap-2" aria-label="Made from this">
						{items.map(item => (
							<li key={item.id}>
								<LineageCard item={item} compact />
							</li>
						))}
					</ul>
				</div>
			) : null}
		</section>
	)
}

function LineageCard({ item, compact = false }: { item: GalleryItem; compact?: boolean }) {
	const output = item.outputs[0]
	return (
		<Link
			to={`/generations/${item.id}`}
			className={`group flex gap-2 rounded-lg border border-line bg-surface p-1.5 text-xs text-fg no-underline hover:border-line-strong hover:no-underline ${compact ? 'flex-col' : 'items-center'}`}
			data-lineage={item.id}
			data-generation-status={item.status}
		>
			<span
				className={`block shrink-0 overflow-hidden rounded-md bg-raised ${compact ? 'aspect-square w-full' : 'h-14 w-14'}`}
			>
				{output ? (
					<Thumb output={output} alt="" sizes="120px" className="h-full w-full object-cover" />
				) : (
					<span className="flex h-full items-center justify-center text-fg-muted">
						{PENDING.includes(item.status) ? '…' : '—'}
					</span>
				)}
			</span>
			<span className="min-w-0">
				<span className="block font-medium">{item.relation ? RELATION_WORDS[item.relation] : 'Original'}</span>
				{!compact ? <span className="line-clamp-2 text-fg-muted">{item.prompt}</span> : null}
			</span>
		</Link>
	)
}
