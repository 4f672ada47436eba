import { Form, Link } from '@remix-run/react'
import { Ban, Check, CircleAlert, Clock, LoaderCircle, RotateCcw, X } from '#app/components/icons/index.tsx'
import { useEffect, useState } from 'react'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import type { GenerationOutput } from '#server/domain/generations/index.ts'
import { creditOf } from '#server/domain/sounds/schema.ts'
import { SoundCreditLine } from './audio/sound-credit.tsx'
import { WaveformPreview } from './audio/waveform-preview.tsx'
import { Thumb } from './images/thumb.tsx'

type Viewable = Pick<GenerationOutput, 'kind' | 'contentType' | 'width' | 'height' | 'duration'> & {
	waveform?: { preview: number[] } | undefined
	url: string
	thumbnails?: Array<{ url: string; width: number; height: number }> | undefined
}

/** A generated file as the browser shows it natively: no player library, works without JavaScript. */
export function GenerationOutputView({ output, label }: { output: Viewable; label: string }) {
	if (output.kind === 'image') {
		return (
			<img
				src={output.url}
				alt={label}
				className="h-auto w-full rounded-lg border border-line bg-raised"
				loading="lazy"
			/>
		)
	}
	if (output.kind === 'video') {
		return (
			<video
				src={output.url}
				// The first frame, stored when the video was (absent for older rows: the player shows its own).
				poster={output.thumbnails?.at(-1)?.url}
				width={output.width}
				height={output.height}
				controls
				playsInline
				preload="metadata"
				aria-label={label}
				className="w-full rounded-lg border border-line bg-black"
			>
				<a href={output.url}>Download the video</a>
			</video>
		)
	}
	if (output.kind === 'audio') {
		return (
			<div className="flex w-full flex-col gap-2">
				{output.waveform ? <WaveformPreview peaks={output.waveform.preview} duration={output.duration} /> : null}
				<audio src={output.url} controls preload="metadata" aria-label={label} className="w-full">
					<a href={output.url}>Download the audio</a>
				</audio>
			</div>
		)
	}
	return (
		<a href={output.url} className="btn-secondary">
			Download ({output.contentType})
		</a>
	)
}

export const STATUS_LABELS: Record<GenerationStatus, string> = {
	queued: 'Queued',
	running: 'Generating',
	processing: 'Provider working',
	succeeded: 'Done',
	failed: 'Failed',
	canceled: 'Canceled',
}

export const PENDING: readonly GenerationStatus[] = ['queued', 'running', 'processing']

/** The status as a small badge with an icon; the word is always there, colour only repeats it. */
export function StatusBadge({ status }: { status: GenerationStatus }) {
	const tone =
		status === 'succeeded'
			? 'border-success-line bg-success-soft text-success'
			: status === 'failed'
				? 'border-danger-line bg-danger-soft text-danger'
				: status === 'canceled'
					? 'border-line-strong bg-raised text-fg-muted'
					: 'border-accent/40 bg-accent-soft text-link'
	const Icon =
		status === 'succeeded'
			? Check
			: status === 'failed'
				? CircleAlert
				: status === 'canceled'
					? Ban
					: status === 'queued'
						? Clock
						: LoaderCircle
	return (
		<span
			className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium ${tone}`}
			data-status-badge={status}
		>
			<Icon
				aria-hidden="true"
				size={12}
				className={status === 'running' || status === 'processing' ? 'motion-safe:animate-spin' : ''}
			/>
			{STATUS_LABELS[status]}
		</span>
	)
}

/** "12 s", "2 min 5 s": no-break spaces, so a number never wraps away from its unit. */
function seconds(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000))
	return s < 60 ? `${s}\u00a0s` : `${Math.floor(s / 60)}\u00a0min ${s % 60}\u00a0s`
}

/**
 * Time since `since`, rendered by the server (a page without JavaScript refreshes itself, so it moves on each
 * load) and, with JavaScript, ticking every second.
 */
export function Elapsed({ since }: { since: string | Date }) {
	const start = new Date(since).getTime()
	const [now, setNow] = useState(() => Date.now())
	useEffect(() => {
		const timer = setInterval(() => setNow(Date.now()), 1000)
		return () => clearInterval(timer)
	}, [])
	return (
		// The server's clock and the browser's differ by the trip: the browser's figure wins.
		<span suppressHydrationWarning data-elapsed="" className="tabular-nums">
			{seconds(now - start)}
		</span>
	)
}

/** What a person sees while the work runs: an indeterminate bar (no provider here reports a percentage) and time. */
export function PendingState({
	status,
	since,
	className = '',
}: {
	status: GenerationStatus
	since: string | Date
	className?: string
}) {
	return (
		<div
			className={`flex flex-col items-center justify-center gap-3 bg-raised/60 p-4 text-center text-sm text-fg-soft ${className}`}
		>
			<span>
				{status === 'queued' ? 'Waiting for a worker' : 'Generating'} · <Elapsed since={since} />
			</span>
			<div className="progress-indeterminate max-w-[12rem]" role="progressbar" aria-label="Progress" />
		</div>
	)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** "1 Dec, 07:45 UTC": the same on the server and in every browser. */
export function shortTime(iso: string | Date): string {
	const d = new Date(iso)
	return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''}, ${d.toISOString().slice(11, 16)} UTC`
}

/** The small Cancel button of a pending card or row, named after the prompt it cancels. */
export function CancelForm({ href, prompt, className }: { href: string; prompt: string; className?: string }) {
	return (
		<Form method="post" action={href} className={className}>
			<button
				type="submit"
				name="intent"
				value="cancel"
				className="btn-secondary px-2 py-0.5 text-xs"
				aria-label={`Cancel “${prompt.slice(0, 60)}”`}
			>
				<X aria-hidden="true" size={12} />
				Cancel
			</button>
		</Form>
	)
}

/** The small Retry button of a failed card or row. */
export function RetryForm({
	href,
	buttonClassName = 'btn-secondary px-3 py-1 text-xs',
}: {
	href: string
	buttonClassName?: string
}) {
	return (
		<Form method="post" action={href}>
			<button type="submit" name="intent" value="retry" className={buttonClassName}>
				<RotateCcw aria-hidden="true" size={14} />
				Retry
			</button>
		</Form>
	)
}

export type CardGeneration = {
	id: string
	kind: string
	prompt: string
	status: GenerationStatus
	model: string
	error: string | null
	costMicros: number
	// Strings from a JSON loader, dates from one that returns plain objects (single fetch keeps them).
	createdAt: string | Date
	startedAt: string | Date | null
	completedAt: string | Date | null
	outputs: Viewable[]
	/** Where a library sound imported from elsewhere came from (licence, attribution); absent for our own. */
	params?: Record<string, unknown>
}

/** The grid of generation cards (studios, library, home): two columns on a phone, as many as fit above. */
export const CARD_GRID =
	'grid grid-cols-[repeat(auto-fill,minmax(9.5rem,1fr))] gap-3 sm:grid-cols-[repeat(auto-fill,minmax(13rem,1fr))] sm:gap-4'

/**
 * One generation in a grid (a studio's results, the library): its first output (image, player), or its pending
 * or failed state, then the prompt, status, model, time and cost. Pending and failed cards say so in words.
 */
export function GenerationCard({ generation: g }: { generation: CardGeneration }) {
	const first = g.outputs[0]
	const pending = PENDING.includes(g.status)
	const took = g.startedAt && g.completedAt ? new Date(g.completedAt).getTime() - new Date(g.startedAt).getTime() : null
	const href = `/generations/${g.id}`
	const frame = g.kind === 'audio' ? 'min-h-24' : g.kind === 'video' ? 'aspect-video' : 'aspect-square'
	const credit = g.params ? creditOf(g.params) : null
	return (
		<li
			className="flex flex-col overflow-hidden rounded-xl border border-line bg-surface"
			data-generation-status={g.status}
			data-generation-id={g.id}
		>
			{pending ? (
				<div className={`relative ${frame}`}>
					<PendingState status={g.status} since={g.startedAt ?? g.createdAt} className="h-full w-full" />
					<CancelForm href={href} prompt={g.prompt} className="absolute right-2 top-2" />
				</div>
			) : first?.kind === 'image' ? (
				<Link to={href} className="block bg-raised" tabIndex={-1} aria-hidden="true">
					<Thumb
						output={first}
						alt=""
						sizes="(max-width: 767px) 50vw, 16rem"
						className={`${frame} h-auto w-full object-cover`}
					/>
				</Link>
			) : first ? (
				<div className={`flex items-center bg-raised/60 p-3 ${g.kind === 'audio' ? 'min-h-24' : ''}`}>
					<GenerationOutputView output={first} label={g.prompt} />
				</div>
			) : g.status === 'failed' ? (
				<div className={`flex flex-col items-center justify-center gap-2 bg-danger-soft/60 p-4 text-center ${frame}`}>
					<p className="line-clamp-3 text-sm text-danger">{g.error ?? 'This generation failed.'}</p>
					<RetryForm href={href} />
				</div>
			) : (
				<div className={`flex items-center justify-center bg-raised/60 text-sm text-fg-muted ${frame}`}>No output</div>
			)}
			<div className="flex flex-1 flex-col gap-2 p-3">
				<Link to={href} className="line-clamp-2 text-sm font-medium text-fg no-underline hover:underline">
					{g.prompt}
				</Link>
				{credit ? <SoundCreditLine credit={credit} /> : null}
				<div className="mt-auto flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-fg-muted">
					<StatusBadge status={g.status} />
					<span className="truncate" title={g.model}>
						{g.model}
					</span>
				</div>
				{/* A no-break space before each dot: a line that wraps never starts with one. */}
				<p className="text-xs text-fg-muted">
					<time dateTime={new Date(g.createdAt).toISOString()}>{shortTime(g.createdAt)}</time>
					{took !== null ? `\u00a0· took ${seconds(took)}` : null}
					{g.status === 'succeeded' ? `\u00a0· ${formatUsd(g.costMicros)}` : null}
				</p>
			</div>
		</li>
	)
}
