/** The canvas editor's hooks: undo history, the picture, the stage's size, and the keyboard. */
import type { RefObject } from 'react'
import { useCallback, useEffect, useState } from 'react'
import { EMPTY, HISTORY } from './model.ts'
import type { Doc, Tool } from './model.ts'

/**
 * Undo and redo over whole documents. A commit with the same `key` as the one before it (typing a layer's words,
 * dragging its size slider) replaces that step rather than adding one, so a word typed is one undo, not five.
 */
export function useHistory() {
	const [state, setState] = useState<{ past: Doc[]; present: Doc; future: Doc[]; key: string | null }>({
		past: [],
		present: EMPTY,
		future: [],
		key: null,
	})
	const commit = useCallback((next: Doc, key: string | null = null) => {
		setState(s =>
			key !== null && key === s.key && s.future.length === 0
				? { ...s, present: next }
				: { past: [...s.past, s.present].slice(-HISTORY), present: next, future: [], key },
		)
	}, [])
	const undo = useCallback(() => {
		setState(s => {
			const previous = s.past.at(-1)
			return previous
				? { past: s.past.slice(0, -1), present: previous, future: [s.present, ...s.future], key: null }
				: s
		})
	}, [])
	const redo = useCallback(() => {
		setState(s => {
			const next = s.future[0]
			return next ? { past: [...s.past, s.present], present: next, future: s.future.slice(1), key: null } : s
		})
	}, [])
	return { ...state, commit, undo, redo }
}

export type History = ReturnType<typeof useHistory>

export function useLoadedImage(url: string) {
	const [image, setImage] = useState<HTMLImageElement | null>(null)
	useEffect(() => {
		const img = new window.Image()
		img.crossOrigin = 'anonymous'
		img.onload = () => setImage(img)
		img.src = url
	}, [url])
	return image
}

/**
 * The stage fills its frame's width, and is as tall as the image there (within the window), so a phone shows no
 * empty band; the image fits inside it at zoom 1.
 */
export function useStageBox(frame: RefObject<HTMLDivElement>, width: number, height: number) {
	const [box, setBox] = useState({ width: 800, height: 560 })
	useEffect(() => {
		const el = frame.current
		if (!el) return
		const measure = () => {
			const most = Math.max(320, Math.min(720, window.innerHeight - 240))
			setBox({
				width: el.clientWidth,
				height: Math.max(240, Math.min(most, Math.round((el.clientWidth * height) / width))),
			})
		}
		measure()
		const observer = new ResizeObserver(measure)
		observer.observe(el)
		return () => observer.disconnect()
	}, [frame, width, height])
	return box
}

/**
 * Keyboard: undo/redo, Escape lets go of the selected layer (and a crop being drawn), Delete or Backspace removes
 * it, brush size with [ and ], tools by letter. Keys typed into a field are the field's.
 */
export function useEditorKeys(keys: {
	history: History
	selected: string | null
	deselect: () => void
	remove: (id: string) => void
	setSize: (change: (size: number) => number) => void
	setTool: (tool: Tool) => void
}) {
	const { history, selected, deselect, remove, setSize, setTool } = keys
	useEffect(() => {
		const onKey = (e: KeyboardEvent) => {
			const target = e.target as HTMLElement | null
			if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return
			const mod = e.metaKey || e.ctrlKey
			if (mod && e.key.toLowerCase() === 'z') {
				e.preventDefault()
				if (e.shiftKey) history.redo()
				else history.undo()
			} else if (mod && e.key.toLowerCase() === 'y') {
				e.preventDefault()
				history.redo()
			} else if (e.key === 'Escape') {
				deselect()
			} else if ((e.key === 'Delete' || e.key === 'Backspace') && selected) {
				e.preventDefault()
				remove(selected)
			} else if (e.key === '[') setSize(s => Math.max(2, s - 8))
			else if (e.key === ']') setSize(s => Math.min(400, s + 8))
			else if (!mod && e.key === 'b') setTool('brush')
			else if (!mod && e.key === 'e') setTool('eraser')
			else if (!mod && e.key === 'v') setTool('select')
			else if (!mod && e.key === 'h') setTool('hand')
		}
		window.addEventListener('keydown', onKey)
		return () => window.removeEventListener('keydown', onKey)
	}, [history, selected, deselect, remove, setSize, setTool])
}
