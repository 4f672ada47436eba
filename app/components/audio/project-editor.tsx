/**
 * The multitrack editor, loaded only on a project's page once scripts run (its own chunk, with wavesurfer.js).
 * One waveform row per track, drawn from the peaks stored with each sound (never by decoding the files): each
 * clip is a region at its time; drag it to move it, pull its edges to trim. Zoom, a playhead shared by every
 * row, play/pause/seek from the keyboard, undo/redo, and autosave through the page's own action with the same
 * document schema the forms end in (intent `save`), with the saved/unsaved state shown.
 */
import { useFetcher, useRevalidator } from '@remix-run/react'
import { useCallback, useEffect, useState } from 'react'
import type { KeyboardEvent } from 'react'
import * as v from 'valibot'
import {
	ProjectDocumentSchema,
	isAudible,
	projectLength,
	type ProjectDocument,
} from '#server/domain/audio/project-schema.ts'
import { TrackRow } from './editor-track-row.tsx'
import type { EditorSound } from './project-editor-types.ts'
import { useTransport } from './use-transport.ts'

/** Room after the last clip to drag into. */
const TAIL_SECONDS = 10
const AUTOSAVE_MS = 700
const HISTORY = 100

/** `conflict`: another tab saved this project since this editor's document was loaded; nothing is overwritten. */
type SaveState = 'saved' | 'unsaved' | 'saving' | 'failed' | 'conflict'

export default function ProjectEditor({
	projectId,
	document: initial,
	sounds,
	revision,
}: {
	projectId: string
	document: ProjectDocument
	sounds: Record<string, EditorSound>
	/** The stored revision the page's data is at. */
	revision: number
}) {
	const [doc, setDoc] = useState(initial)
	const [past, setPast] = useState<ProjectDocument[]>([])
	const [future, setFuture] = useState<ProjectDocument[]>([])
	const [saveState, setSaveState] = useState<SaveState>('saved')
	const [zoom, setZoom] = useState(40)
	const [time, setTime] = useState(0)
	const [playing, setPlaying] = useState(false)
	// The revision this editor's document was made from: every save names it, and only a save of it is written.
	const [base, setBase] = useState(revision)
	const fetcher = useFetcher<{ ok?: boolean; revision?: number; message?: string; code?: string }>()
	const revalidator = useRevalidator()
	const duration = projectLength(doc) + TAIL_SECONDS
	// The page's forms changed the project (or a save came back): take the server's document when nothing here
	// is waiting to be saved.
	useEffect(() => {
		if (saveState !== 'saved') return
		setDoc(initial)
		setBase(revision)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- only when the server's document changes
	}, [initial, revision])

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
			fetcher.submit({ intent: 'save', revision: base, document: JSON.stringify(doc) }, { method: 'post' })
		}, AUTOSAVE_MS)
		return () => clearTimeout(timer)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- the fetcher's identity changes with its state
	}, [doc, saveState])
	useEffect(() => {
		if (fetcher.state !== 'idle' || saveState !== 'saving' || fetcher.data === undefined) return
		const answer = fetcher.data
		if (answer.ok && answer.revision !== undefined) {
			setBase(answer.revision)
			setSaveState('saved')
		} else if (answer.code === 'edit_conflict') {
			// Read the page's data again: it brings the other tab's revision (and document) to choose between.
			setSaveState('conflict')
			revalidator.revalidate()
		} else setSaveState('failed')
		// eslint-disable-next-line react-hooks/exhaustive-deps -- the revalidator's identity changes with its state
	}, [fetcher.state, fetcher.data, saveState])
	/** After a conflict: drop this editor's changes and take the saved project. */
	const takeSaved = () => {
		setPast([])
		setFuture([])
		setDoc(initial)
		setBase(revision)
		setSaveState('saved')
	}
	/** After a conflict: save this editor's document over the other one, knowingly. */
	const keepMine = () => {
		setBase(revision)
		setSaveState('unsaved')
	}

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
				{(
					[
						['Undo', undo, past.length === 0, 'Control+Z'],
						['Redo', redo, future.length === 0, 'Control+Shift+Z'],
					] as const
				).map(([label, onClick, disabled, keys]) => (
					<button
						key={label}
						type="button"
						className="btn-secondary px-2 py-1 text-xs"
						onClick={onClick}
						disabled={disabled}
						aria-keyshortcuts={keys}
					>
						{label}
					</button>
				))}
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
								: saveState === 'conflict'
									? 'Not saved: changed elsewhere'
									: `Not saved${fetcher.data?.message ? `: ${fetcher.data.message}` : ''}`}
				</span>
			</div>
			{saveState === 'conflict' ? (
				<div
					role="alert"
					data-save-conflict=""
					className="flex flex-wrap items-center gap-2 rounded-lg border border-warning-line bg-warning-soft p-3 text-sm"
				>
					<p className="mr-auto text-fg">{fetcher.data?.message}</p>
					<button type="button" className="btn-secondary px-3 py-1" onClick={takeSaved}>
						Load the saved version
					</button>
					<button
						type="button"
						className="btn px-3 py-1"
						onClick={keepMine}
						disabled={revision === base || revalidator.state !== 'idle'}
					>
						Keep mine
					</button>
				</div>
			) : null}
			<p className="text-xs text-fg-muted">
				Drag a clip to move it, pull its edges to trim.
				{/* Keyboard shortcuts mean nothing on a phone: shown from the small-tablet width up. */}
				<span className="hidden sm:inline">
					{' '}
					Keys: Space play/pause, ←/→ seek (Shift: 5 s), Home to the start, Ctrl+Z / Ctrl+Shift+Z undo/redo, +/− zoom.
				</span>
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
