/**
 * The audio studio's results as rows (a DAW's track list more than a gallery): a player, what was asked, the
 * kind, duration, waveform (peaks stored with the file), status and a download link; pending rows say how long so far and can be canceled, failed ones
 * say why and offer Retry. Native `<audio>` players: nothing to load, works without JavaScript.
 */
import { Link } from '@remix-run/react'
import { Download } from '#app/components/icons/index.tsx'
import { formatUsd } from '#server/domain/usage/money.ts'
import { creditOf } from '#server/domain/sounds/schema.ts'
import { SoundCreditLine } from './sound-credit.tsx'
import { WaveformPreview, formatDuration } from './waveform-preview.tsx'
import {
	CancelForm,
	PENDING,
	PendingState,
	RetryForm,
	StatusBadge,
	shortTime,
	type CardGeneration,
} from '../generation-output.tsx'

export type AudioResult = CardGeneration & {
	params: Record<string, unknown>
	outputs: Array<CardGeneration['outputs'][number] & { downloadUrl?: string }>
}

const KIND_WORDS: Record<string, string> = { speech: 'Speech', music: 'Music', effects: 'Sound effect' }

export function AudioResults({ results }: { results: AudioResult[] }) {
	return (
		<ul className="mt-4 divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface">
			{results.map(g => (
				<AudioRow key={g.id} generation={g} />
			))}
		</ul>
	)
}

function AudioRow({ generation: g }: { generation: AudioResult }) {
	const output = g.outputs[0]
	const href = `/generations/${g.id}`
	const mode = typeof g.params.mode === 'string' ? g.params.mode : 'speech'
	const pending = PENDING.includes(g.status)
	const credit = creditOf(g.params)
	return (
		<li
			className="grid gap-2 p-3 sm:p-4"
			data-generation-status={g.status}
			data-generation-id={g.id}
			data-audio-mode={mode}
		>
			<div className="flex min-w-0 items-baseline justify-between gap-3">
				<Link to={href} className="line-clamp-2 min-w-0 text-sm font-medium text-fg no-underline hover:underline">
					{g.prompt}
				</Link>
				{output?.duration !== undefined ? (
					<span className="shrink-0 font-mono text-xs tabular-nums text-fg-muted" data-audio-duration={output.duration}>
						{formatDuration(output.duration)}
					</span>
				) : null}
			</div>
			{pending ? (
				<div className="flex items-center gap-3">
					<PendingState status={g.status} since={g.startedAt ?? g.createdAt} className="h-12 flex-1 rounded-lg" />
					<CancelForm href={href} prompt={g.prompt} />
				</div>
			) : output ? (
				<>
					{output.waveform ? <WaveformPreview peaks={output.waveform.preview} /> : null}
					<audio src={output.url} controls preload="metadata" aria-label={g.prompt} className="h-10 w-full">
						<a href={output.url}>Listen</a>
					</audio>
				</>
			) : g.status === 'failed' ? (
				<div className="flex flex-wrap items-center gap-3 rounded-lg bg-danger-soft/60 p-2">
					<p className="flex-1 text-sm text-danger">{g.error ?? 'This generation failed.'}</p>
					<RetryForm href={href} />
				</div>
			) : null}
			{credit ? <SoundCreditLine credit={credit} /> : null}
			<div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-fg-muted">
				<span className="rounded-full border border-line px-2 py-0.5">{KIND_WORDS[mode] ?? mode}</span>
				<StatusBadge status={g.status} />
				<span className="truncate" title={g.model}>
					{g.model}
				</span>
				<span>
					<time dateTime={new Date(g.createdAt).toISOString()}>{shortTime(g.createdAt)}</time>
					{g.status === 'succeeded' ? `\u00a0· ${formatUsd(g.costMicros)}` : null}
				</span>
				{output?.downloadUrl ? (
					<a href={output.downloadUrl} className="ml-auto inline-flex items-center gap-1" download>
						<Download aria-hidden="true" size={14} />
						Download
					</a>
				) : null}
			</div>
		</li>
	)
}
