/**
 * The pointer on the stage: painting mask strokes (brush and eraser), drawing a crop, placing text and shapes, and
 * the ring that shows the brush's size. Pointer events, so a finger paints too; every point is in image pixels.
 */
import type Konva from 'konva'
import type { RefObject } from 'react'
import { useEffect, useState } from 'react'
import type { History } from './hooks.ts'
import { newId, normalise } from './model.ts'
import type { Box, Point, Shape, Stroke, Tool } from './model.ts'

export function usePointerTools(options: {
	stage: RefObject<Konva.Stage>
	frame: RefObject<HTMLDivElement>
	ring: RefObject<Konva.Circle>
	tool: Tool
	size: number
	color: string
	history: History
	width: number
	height: number
	/** A text or shape layer placed with its tool. */
	onPlace: (shape: Shape) => void
	/** A press on the empty stage with the select tool. */
	onDeselect: () => void
}) {
	const { stage, frame, ring, tool, size, color, history, width, height } = options
	const doc = history.present
	const [drawing, setDrawing] = useState<Stroke | null>(null)
	const [cropDraft, setCropDraft] = useState<Box | null>(null)
	const painting = tool === 'brush' || tool === 'eraser'

	/** The pointer in image pixels. */
	const point = (): Point | null => {
		const p = stage.current?.getRelativePointerPosition()
		return p ? { x: Math.round(p.x), y: Math.round(p.y) } : null
	}

	/**
	 * The brush's outline follows the pointer, sized in image pixels so the stage's zoom sizes it as the stroke will
	 * be; it is moved on the konva node itself (no React render per pointer move) and hidden off the stage.
	 */
	const moveCursor = (p: Point | null) => {
		const node = ring.current
		if (!node) return
		const shown = p !== null && painting
		if (!shown && !node.visible()) return
		node.visible(shown)
		if (p && shown) node.position(p)
		node.getLayer()?.batchDraw()
		if (frame.current) frame.current.dataset.brushCursor = shown ? 'shown' : 'hidden'
	}
	useEffect(() => {
		if (!painting) moveCursor(null)
	})

	const onDown = (e: Konva.KonvaEventObject<PointerEvent>) => {
		const p = point()
		if (!p) return
		if (painting) {
			setDrawing({ id: newId(), mode: tool === 'brush' ? 'paint' : 'erase', size, points: [p.x, p.y, p.x, p.y] })
		} else if (tool === 'crop') {
			setCropDraft({ x: p.x, y: p.y, width: 0, height: 0 })
		} else if (tool === 'text' || tool === 'rect' || tool === 'ellipse') {
			const side = Math.round(Math.min(width, height) / 5)
			options.onPlace({
				id: newId(),
				type: tool,
				x: p.x,
				y: p.y,
				width: tool === 'text' ? side * 2 : side,
				height: tool === 'text' ? Math.round(side / 2) : side,
				rotation: 0,
				color,
				...(tool === 'text' ? { text: 'Text', fontSize: Math.max(12, Math.round(side / 3)) } : {}),
			})
		} else if (tool === 'select' && e.target === e.target.getStage()) {
			options.onDeselect()
		}
	}
	const onMove = () => {
		const p = point()
		moveCursor(p)
		if (!p) return
		if (drawing) setDrawing({ ...drawing, points: [...drawing.points, p.x, p.y] })
		else if (cropDraft) setCropDraft({ ...cropDraft, width: p.x - cropDraft.x, height: p.y - cropDraft.y })
	}
	const onUp = (e?: Konva.KonvaEventObject<PointerEvent>) => {
		// A finger lifted is a pointer gone: its ring goes with it.
		if (e?.evt.pointerType === 'touch') moveCursor(null)
		if (drawing) {
			history.commit({ ...doc, strokes: [...doc.strokes, drawing] })
			setDrawing(null)
		}
		if (cropDraft) {
			const crop = normalise(cropDraft, width, height)
			if (crop) history.commit({ ...doc, crop })
			setCropDraft(null)
		}
	}
	const onLeave = () => {
		onUp()
		moveCursor(null)
	}
	return { drawing, cropDraft, cancelCrop: () => setCropDraft(null), onDown, onMove, onUp, onLeave }
}
