/**
 * One track of the multitrack editor: a wavesurfer.js row drawn from the stored peaks of its clips (never by
 * decoding the files), each clip a region at its time — drag it to move the clip, pull an edge to trim it.
 */
import { useEffect, useMemo, useRef } from 'react'
import WaveSurfer from 'wavesurfer.js'
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js'
import TimelinePlugin from 'wavesurfer.js/dist/plugins/timeline.esm.js'
import { clipLength, soundKey, type Clip, type Track } from '#server/domain/audio/project-schema.ts'
import type { EditorSound } from './project-editor-types.ts'

/** Points per second of a track row's drawn waveform. */
const ROW_RESOLUTION = 50

/** The loudest point of the track's clips at each moment of the project, from their stored peaks. */
function trackPeaks(track: Track, sounds: Record<string, EditorSound>, duration: number): number[] {
	const out = new Array<number>(Math.ceil(duration * ROW_RESOLUTION)).fill(0)
	for (const clip of track.clips) {
		const peaks = sounds[soundKey(clip.generationId, clip.output)]?.peaks
		if (!peaks) continue
		const from = Math.floor(clip.start * ROW_RESOLUTION)
		const to = Math.min(out.length, Math.ceil((clip.start + clipLength(clip)) * ROW_RESOLUTION))
		for (let i = from; i < to; i++) {
			const at = Math.floor((clip.trimIn + i / ROW_RESOLUTION - clip.start) * peaks.peaksPerSecond)
			const p = ((peaks.peaks[at] ?? 0) / 255) * clip.gain * track.gain
			if (p > (out[i] ?? 0)) out[i] = Math.min(1, p)
		}
	}
	return out
}

export function TrackRow({
	track,
	heard,
	sounds,
	duration,
	zoom,
	time,
	timeline,
	onSeek,
	onClipChange,
}: {
	track: Track
	heard: boolean
	sounds: Record<string, EditorSound>
	duration: number
	zoom: number
	time: number
	timeline: boolean
	onSeek: (time: number) => void
	onClipChange: (clip: Clip) => void
}) {
	const container = useRef<HTMLDivElement>(null)
	const surfer = useRef<{ ws: WaveSurfer; regions: RegionsPlugin } | null>(null)
	const latest = useRef({ track, sounds, onClipChange, onSeek })
	latest.current = { track, sounds, onClipChange, onSeek }
	const peaks = useMemo(() => trackPeaks(track, sounds, duration), [track, sounds, duration])

	useEffect(() => {
		if (!container.current) return
		const regions = RegionsPlugin.create()
		const plugins = [regions, ...(timeline ? [TimelinePlugin.create({ height: 16 })] : [])]
		const ws = WaveSurfer.create({
			container: container.current,
			height: 56,
			waveColor: '#7c8cff',
			progressColor: '#7c8cff',
			cursorColor: '#f5a524',
			cursorWidth: 2,
			barWidth: 2,
			barGap: 1,
			normalize: false,
			interact: true,
			hideScrollbar: false,
			autoScroll: true,
			minPxPerSec: zoom,
			peaks: [peaks, peaks.map(p => -p)],
			duration,
			plugins,
		})
		ws.on('interaction', t => latest.current.onSeek(t))
		regions.on('region-updated', region => {
			const { track: current, sounds: known, onClipChange: change } = latest.current
			const clip = current.clips.find(c => c.id === region.id)
			if (!clip) return
			change(
				movedClip(clip, region.start, region.end, known[soundKey(clip.generationId, clip.output)]?.duration ?? null),
			)
		})
		surfer.current = { ws, regions }
		return () => {
			surfer.current = null
			ws.destroy()
		}
		// The instance lives as long as the row; what changes is pushed to it below.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [])

	useEffect(() => {
		const s = surfer.current
		if (!s) return
		s.ws.setOptions({ peaks: [peaks, peaks.map(p => -p)], duration })
		s.regions.clearRegions()
		for (const clip of track.clips) {
			s.regions.addRegion({
				id: clip.id,
				start: clip.start,
				end: clip.start + clipLength(clip),
				drag: true,
				resize: true,
				color: heard ? 'rgba(124, 140, 255, 0.22)' : 'rgba(128, 128, 128, 0.2)',
				content: regionLabel(sounds[soundKey(clip.generationId, clip.output)]?.prompt ?? 'Missing sound'),
			})
		}
	}, [peaks, duration, track, sounds, heard])

	useEffect(() => {
		surfer.current?.ws.zoom(zoom)
	}, [zoom])
	useEffect(() => {
		surfer.current?.ws.setTime(time)
	}, [time])

	return (
		<div className="grid grid-cols-[6rem_1fr] items-center gap-2" data-editor-track={track.id}>
			<div className="truncate text-xs text-fg-muted">
				{track.name}
				{heard ? '' : ' (not heard)'}
			</div>
			<div
				ref={container}
				className="min-w-0 rounded border border-line bg-raised/40"
				aria-label={`Waveform of ${track.name}`}
				role="group"
			/>
		</div>
	)
}

/** A clip's name on its region: one line, cut with an ellipsis where the clip is short. */
function regionLabel(text: string): HTMLElement {
	const label = document.createElement('span')
	label.textContent = text
	label.title = text
	// Style properties set from script are allowed by the CSP (style attributes are).
	Object.assign(label.style, {
		display: 'block',
		whiteSpace: 'nowrap',
		overflow: 'hidden',
		textOverflow: 'ellipsis',
		fontSize: '11px',
		padding: '1px 4px',
	})
	return label
}

/**
 * A clip after its region was dragged (same length: a new start) or trimmed (an edge moved: the trim follows,
 * kept within the sound).
 */
export function movedClip(clip: Clip, start: number, end: number, soundLength: number | null): Clip {
	const round = (n: number) => Math.round(n * 1000) / 1000
	const length = clipLength(clip)
	if (Math.abs(end - start - length) < 0.002) return { ...clip, start: round(Math.max(0, start)) }
	let trimIn = clip.trimIn + (start - clip.start)
	let newStart = start
	if (trimIn < 0) {
		newStart -= trimIn
		trimIn = 0
	}
	let trimOut = trimIn + (end - newStart)
	if (soundLength !== null) trimOut = Math.min(trimOut, soundLength)
	if (trimOut <= trimIn) return clip
	return { ...clip, start: round(newStart), trimIn: round(trimIn), trimOut: round(trimOut) }
}
