/**
 * An audio file's waveform drawn from the peaks stored with it (server/media/audio.ts): plain SVG rendered on
 * the server, one mirrored bar per point, so a card shows the shape of its sound without JavaScript and without
 * decoding anything. Decorative: the player beside it carries the label and the length.
 */
export function WaveformPreview({
	peaks,
	duration,
	className = '',
}: {
	/** Loudness per point, 0..255 (the stored preview). */
	peaks: readonly number[]
	/** Length in seconds, shown as a caption when known. */
	duration?: number | undefined
	className?: string
}) {
	const count = Math.max(1, peaks.length)
	const width = count * 3
	const height = 40
	const mid = height / 2
	return (
		<figure className={`flex items-center gap-2 ${className}`} data-waveform="">
			<svg
				viewBox={`0 0 ${width} ${height}`}
				preserveAspectRatio="none"
				className="h-10 w-full text-accent"
				aria-hidden="true"
				focusable="false"
			>
				<line x1="0" x2={width} y1={mid} y2={mid} stroke="currentColor" strokeOpacity="0.35" strokeWidth="0.5" />
				{peaks.map((p, i) => {
					// At least a hairline, so quiet passages read as sound, not as a gap.
					const h = Math.max(1, (p / 255) * (height - 2))
					return <rect key={i} x={i * 3} y={mid - h / 2} width="2" height={h} rx="0.5" fill="currentColor" />
				})}
			</svg>
			{duration !== undefined ? (
				<figcaption className="shrink-0 text-xs tabular-nums text-fg-muted">{formatDuration(duration)}</figcaption>
			) : null}
		</figure>
	)
}

/** "0:07", "3:05", "1:02:03". */
export function formatDuration(seconds: number): string {
	const total = Math.max(0, Math.round(seconds))
	const h = Math.floor(total / 3600)
	const m = Math.floor((total % 3600) / 60)
	const s = total % 60
	const mm = h > 0 ? String(m).padStart(2, '0') : String(m)
	return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`
}
