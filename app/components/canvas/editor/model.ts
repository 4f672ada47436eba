/**
 * What the canvas editor edits, in the image's own pixels: mask strokes, text and shape layers, and a crop. Plain
 * data and small pure helpers, shared by the editor's parts.
 */

export type Tool = 'brush' | 'eraser' | 'select' | 'hand' | 'text' | 'rect' | 'ellipse' | 'crop'
export type Stroke = { id: string; mode: 'paint' | 'erase'; size: number; points: number[] }
export type Shape = {
	id: string
	type: 'text' | 'rect' | 'ellipse'
	x: number
	y: number
	width: number
	height: number
	rotation: number
	color: string
	/** A text layer's words and size in image pixels; its `width` is where the words wrap (its height follows). */
	text?: string
	fontSize?: number
}
export type Box = { x: number; y: number; width: number; height: number }
export type Point = { x: number; y: number }
export type Doc = { strokes: Stroke[]; shapes: Shape[]; crop: Box | null }
/** The stage's zoom and pan, on top of fitting the image into the frame. */
export type View = { zoom: number; x: number; y: number }

/** At least 50 steps back, as the issue asks; a step is one stroke or one change of a layer. */
export const HISTORY = 100
export const ASPECTS: Array<[string, number]> = [
	['1:1', 1],
	['4:3', 4 / 3],
	['16:9', 16 / 9],
	['3:4', 3 / 4],
	['9:16', 9 / 16],
]
export const EMPTY: Doc = { strokes: [], shapes: [], crop: null }
/** Text is pulled wider or narrower at its sides (it rewraps) and bigger at its corners (its font grows). */
export const TEXT_ANCHORS = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'middle-left', 'middle-right']

let counter = 0
export const newId = () => `n${Date.now().toString(36)}${(counter++).toString(36)}`

/** A text layer's font size in image pixels (layers from before it was stored took it from their height). */
export function fontSizeOf(shape: Shape): number {
	return shape.fontSize ?? Math.max(8, Math.round(shape.height * 0.8))
}

export function layerName(shape: Shape): string {
	return shape.type === 'text' ? `Text “${shape.text ?? ''}”` : shape.type === 'rect' ? 'Rectangle' : 'Ellipse'
}

export function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value))
}

export const zoomBy = (factor: number) => (v: View) => ({ ...v, zoom: clamp(v.zoom * factor, 0.25, 8) })

/** Where the picture stands on the stage: the stage's box, the image's pixels, and the zoom and pan as a scale and an offset. */
export type StageLayout = {
	box: { width: number; height: number }
	width: number
	height: number
	scale: number
	offset: Point
}

/** The picture fitted into the box, then zoomed and panned by the view. */
export function stageLayout(box: StageLayout['box'], width: number, height: number, view: View): StageLayout {
	const scale = Math.min(box.width / width, box.height / height) * view.zoom
	const offset = { x: (box.width - width * scale) / 2 + view.x, y: (box.height - height * scale) / 2 + view.y }
	return { box, width, height, scale, offset }
}

/** A dragged rectangle with positive sides, inside the image, or null when it is too small to mean anything. */
export function normalise(b: Box, width: number, height: number): Box | null {
	const x = clamp(Math.min(b.x, b.x + b.width), 0, width)
	const y = clamp(Math.min(b.y, b.y + b.height), 0, height)
	const w = clamp(Math.abs(b.width), 0, width - x)
	const h = clamp(Math.abs(b.height), 0, height - y)
	return w >= 4 && h >= 4 ? { x: Math.round(x), y: Math.round(y), width: Math.round(w), height: Math.round(h) } : null
}

/** The largest centred rectangle of a shape (`ratio` = width / height) inside the image. */
export function centredCrop(ratio: number, width: number, height: number): Box {
	const w = Math.min(width, Math.round(height * ratio))
	const h = Math.min(height, Math.round(w / ratio))
	return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h }
}
