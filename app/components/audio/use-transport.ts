/**
 * The editor's transport: plays the project by starting each audible clip's own `<audio>` at its time, from one
 * clock that moves the shared playhead; seeking while playing starts again from the new time.
 */
import { useCallback, useEffect, useRef } from 'react'
import {
	clipLength,
	isAudible,
	projectLength,
	soundKey,
	type ProjectDocument,
} from '#server/domain/audio/project-schema.ts'
import type { EditorSound } from './project-editor-types.ts'

/** Plays the project by starting each audible clip's <audio> at its time, from one clock that moves the playhead. */
export function useTransport(
	doc: ProjectDocument,
	sounds: Record<string, EditorSound>,
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
