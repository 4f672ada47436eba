/** A transcript's state in words: progress while it runs, the reason when it failed, the length when done. */
import { formatDuration } from './waveform-preview.tsx'

export function TranscriptStatusLine(props: {
	status: string
	progress: number
	duration: number | null
	error: string | null
}) {
	const percent = Math.round(props.progress * 100)
	if (props.status === 'queued' || props.status === 'running') {
		return (
			<div className="flex items-center gap-3 text-xs text-fg-muted">
				<div
					className="h-1.5 flex-1 overflow-hidden rounded-full bg-raised"
					role="progressbar"
					aria-label="Transcribed so far"
					aria-valuemin={0}
					aria-valuemax={100}
					aria-valuenow={percent}
				>
					<div className="h-full bg-accent" style={{ width: `${Math.max(4, percent)}%` }} />
				</div>
				<span>{props.status === 'queued' ? 'Queued' : `${percent}% transcribed`}</span>
			</div>
		)
	}
	if (props.status === 'failed') return <p className="text-xs text-danger">{props.error ?? 'Transcription failed.'}</p>
	return (
		<p className="text-xs text-fg-muted">
			{props.status === 'succeeded' ? 'Done' : 'Canceled'}
			{props.duration !== null ? ` · ${formatDuration(props.duration)}` : ''}
		</p>
	)
}
