/**
 * The multitrack editor, loaded only on a project's page once scripts run (its own chunk, with wavesurfer.js).
 * One waveform row per track, drawn from the peaks stored with each sound (never by decoding the files): each
 * clip is a region at its time; drag it to move it, pull its edges to trim. Zoom, a playhead shared by every
 * row, play/pause/seek from the keyboard, undo/redo, and autosave through the page's own action with the same
 * document schema the forms end in (intent `save`), with the saved/unsaved state shown.
 */
import { useFetcher } from '@remix-run/react'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { KeyboardEvent } from 'react'
import * as v from 'valibot'
import WaveSurfer from 'wavesurfer.js'
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js'
import TimelinePlugin from 'wavesurfer.js/dist/plugins/timeline.esm.js'
import {
	ProjectDocumentSchema,
	clipLength,
	isAudible,
	projectLength,
	soundKey,
	type Clip,
	type ProjectDocument,
	type Track,
} from '#server/domain/audio/project-schema.ts'

type Peaks = { duration: number; peaksPerSecond: number; peaks: number[] }
type Sound = { url: string; duration: number | null; prompt: string; peaks: Peaks | null }

/** Points per second of a track row's drawn waveform. */
const ROW_RESOLUTION = 50
/** Room after the last clip to drag into. */
const TAIL_SECONDS = 10
const AUTOSAVE_MS = 700
const HISTORY = 100

type SaveState = 'saved' | 'unsaved' | 'saving' | 'failed'

export default function ProjectEditor({
	projectId,
	document: initial,
	sounds,
}: {
	projectId: string
	document: ProjectDocument
	sounds: Record<string, Sound>
	savedAt: string
}) {
	const [doc, setDoc] = useState(initial)
	const [past, setPast] = useState<ProjectDocument[]>([])
	const [future, setFuture] = useState<ProjectDocument[]>([])
	const [saveState, setSaveState] = useState<SaveState>('saved')
	const [zoom, setZoom] = useState(40)
	const [time, setTime] = useState(0)
	const [playing, setPlaying] = useState(false)
	const fetcher = useFetcher<{ ok?: boolean; message?: string }>()
	const duration = projectLength(doc) + TAIL_SECONDS
	// The page's forms changed the project (or a save came back): take the server's document when nothing here
	// is waiting to be saved.
	useEffect(() => {
		if (saveState === 'saved') setDoc(initial)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- only when the server's document changes
	}, [initial])

	/** Every change goes through here: validated by the schema, recorded for undo, then autosaved. */
	const commit = useCallback(
		(next: ProjectDocument) => {
			if (!v.is(ProjectDocumentSchema, next)) return
			setPast(p => [...p.slice(-HISTORY + 1), doc])
			setFuture([])
			setDoc(next)
			setSaveState('unsaved')
		},
		[doc],
	)
	const undo = useCallback(() => {
		const previous = past.at(-1)
		if (!previous) return
		setPast(p => p.slice(0, -1))
		setFuture(f => [doc, ...f])
		setDoc(previous)
		setSaveState('unsaved')
	}, [past, doc])
	const redo = useCallback(() => {
		const [next, ...rest] = future
		if (!next) return
		setFuture(rest)
		setPast(p => [...p, doc])
		setDoc(next)
		setSaveState('unsaved')
	}, [future, doc])

	// Autosave: a moment after the last change, through the page's action (intent `save`, no redirect).
	useEffect(() => {
		if (saveState !== 'unsaved') return
		const timer = setTimeout(() => {
			setSaveState('saving')
			fetcher.submit({ intent: 'save', document: JSON.stringify(doc) }, { method: 'post' })
		}, AUTOSAVE_MS)
		return () => clearTimeout(timer)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- the fetcher's identity changes with its state
	}, [doc, saveState])
	useEffect(() => {
		if (fetcher.state !== 'idle' || saveState !== 'saving' || fetcher.data === undefined) return
		setSaveState(fetcher.data.ok ? 'saved' : 'failed')
	}, [fetcher.state, fetcher.data, saveState])

	// Playback: each audible clip plays from its own <audio> element, started and stopped by one clock.
	const transport = useTransport(doc, sounds, time, setTime, setPlaying)
	const togglePlay = () => (playing ? transport.pause() : transport.play())

	function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
		const target = event.target as HTMLElement
		if (target.closest('input, select, textarea, button')) return
		const mod = event.ctrlKey || event.metaKey
		if (event.key === ' ' || event.key === 'k') togglePlay()
		else if (event.key === 'ArrowLeft') transport.seek(Math.max(0, time - (event.shiftKey ? 5 : 1)))
		else if (event.key === 'ArrowRight') transport.seek(Math.min(duration, time + (event.shiftKey ? 5 : 1)))
		else if (event.key === 'Home') transport.seek(0)
		else if (mod && event.key.toLowerCase() === 'z') (event.shiftKey ? redo : undo)()
		else if (mod && event.key.toLowerCase() === 'y') redo()
		else if (event.key === '+' || event.key === '=') setZoom(z => Math.min(400, Math.round(z * 1.25)))
		else if (event.key === '-') setZoom(z => Math.max(5, Math.round(z / 1.25)))
		else return
		event.preventDefault()
	}

	return (
		// The editor surface takes the keyboard (play, seek, undo, zoom) as an application region does.
		// eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
		<div
			role="application"
			aria-labelledby="editor-title"
			aria-roledescription="multitrack editor"
			className="space-y-3 rounded-xl border border-line bg-surface p-3 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent"
			// eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- focusable so its keys work
			tabIndex={0}
			onKeyDown={onKeyDown}
			data-editor=""
			data-project-id={projectId}
		>
			<div className="flex flex-wrap items-center gap-2">
				<h2 id="editor-title" className="mr-auto text-lg font-medium text-fg">
					Editor
				</h2>
				<button type="button" className="btn px-3 py-1" onClick={togglePlay} aria-keyshortcuts="Space">
					{playing ? 'Pause' : 'Play'}
				</button>
				<span className="w-20 text-sm tabular-nums text-fg-muted" aria-label="Playhead">
					{time.toFixed(2)} s
				</span>
				<button
					type="button"
					className="btn-secondary px-2 py-1 text-xs"
					onClick={undo}
					disabled={past.length === 0}
					aria-keyshortcuts="Control+Z"
				>
					Undo
				</button>
				<button
					type="button"
					className="btn-secondary px-2 py-1 text-xs"
					onClick={redo}
					disabled={future.length === 0}
					aria-keyshortcuts="Control+Shift+Z"
				>
					Redo
				</button>
				<label className="flex items-center gap-1 text-xs text-fg-muted">
					Zoom
					<input type="range" min={5} max={400} value={zoom} onChange={e => setZoom(Number(e.target.value))} />
				</label>
				<span role="status" data-save-state={saveState} className="text-xs text-fg-muted">
					{saveState === 'saved'
						? 'All changes saved'
						: saveState === 'saving'
							? 'Saving…'
							: saveState === 'unsaved'
								? 'Unsaved changes'
								: `Not saved${fetcher.data?.message ? `: ${fetcher.data.message}` : ''}`}
				</span>
			</div>
			<p className="text-xs text-fg-muted">
				Drag a clip to move it, pull its edges to trim. Keys: Space play/pause, ←/→ seek (Shift: 5 s), Home to the
				start, Ctrl+Z / Ctrl+Shift+Z undo/redo, +/− zoom.
			</p>
			<div className="space-y-1">
				{doc.tracks.map((track, index) => (
					<TrackRow
						key={track.id}
						track={track}
						heard={isAudible(doc, track)}
						sounds={sounds}
						duration={duration}
						zoom={zoom}
						time={time}
						timeline={index === 0}
						onSeek={transport.seek}
						onClipChange={clip =>
							commit({
								...doc,
								tracks: doc.tracks.map(t =>
									t.id === track.id ? { ...t, clips: t.clips.map(c => (c.id === clip.id ? clip : c)) } : t,
								),
							})
						}
					/>
				))}
			</div>
		</div>
	)
}

/** The loudest point of the track's clips at each moment of the project, from their stored peaks. */
function trackPeaks(track: Track, sounds: Record<string, Sound>, duration: number): number[] {
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

function TrackRow({
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
	sounds: Record<string, Sound>
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

/** Plays the project by starting each audible clip's <audio> at its time, from one clock that moves the playhead. */
function useTransport(
	doc: ProjectDocument,
	sounds: Record<string, Sound>,
	time: number,
	setTime: (t: number) => void,
	setPlaying: (p: boolean) => void,
) {
	const elements = useRef(new Map<string, HTMLAudioElement>())
	const timers = useRef<number[]>([])
	const clock = useRef<{ origin: number; from: number; frame: number } | null>(null)

	const stop = useCallback(() => {
		for (const t of timers.current) window.clearTimeout(t)
		timers.current = []
		for (const el of elements.current.values()) el.pause()
		if (clock.current) cancelAnimationFrame(clock.current.frame)
		clock.current = null
	}, [])
	useEffect(() => stop, [stop])

	const play = useCallback(
		(from = time) => {
			stop()
			const end = projectLength(doc)
			if (from >= end) from = 0
			const origin = performance.now()
			for (const track of doc.tracks) {
				if (!isAudible(doc, track)) continue
				for (const clip of track.clips) {
					const sound = sounds[soundKey(clip.generationId, clip.output)]
					if (!sound) continue
					const clipEnd = clip.start + clipLength(clip)
					if (clipEnd <= from) continue
					let el = elements.current.get(clip.id)
					if (!el) {
						el = new Audio(sound.url)
						el.preload = 'auto'
						elements.current.set(clip.id, el)
					}
					const audio = el
					audio.volume = Math.min(1, clip.gain * track.gain)
					const begin = () => {
						audio.currentTime = clip.trimIn + Math.max(0, from + (performance.now() - origin) / 1000 - clip.start)
						void audio.play().catch(() => undefined)
					}
					timers.current.push(window.setTimeout(begin, Math.max(0, (clip.start - from) * 1000)))
					timers.current.push(window.setTimeout(() => audio.pause(), (clipEnd - from) * 1000))
				}
			}
			const tick = () => {
				const t = from + (performance.now() - origin) / 1000
				if (t >= end) {
					stop()
					setTime(end)
					setPlaying(false)
					return
				}
				setTime(t)
				if (clock.current) clock.current.frame = requestAnimationFrame(tick)
			}
			clock.current = { origin, from, frame: requestAnimationFrame(tick) }
			setPlaying(true)
		},
		[doc, sounds, time, stop, setTime, setPlaying],
	)
	const pause = useCallback(() => {
		stop()
		setPlaying(false)
	}, [stop, setPlaying])
	const seek = useCallback(
		(t: number) => {
			const wasPlaying = clock.current !== null
			setTime(t)
			if (wasPlaying) play(t)
		},
		[play, setTime],
	)
	return { play: () => play(), pause, seek }
}
