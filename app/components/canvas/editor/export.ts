/**
 * What the editor sends, made at the image's own pixels: the mask (a PNG, white where painted) and the flattened
 * picture with its text and shapes (never the mask or the guides), cut to the crop when there is one.
 */
import type Konva from 'konva'
import type { Box, Point, Stroke } from './model.ts'

/** The mask at the image's size: black, white where painted (erased strokes paint black again). */
export async function maskBlob(strokes: Stroke[], width: number, height: number): Promise<Blob | null> {
	const canvas = document.createElement('canvas')
	canvas.width = width
	canvas.height = height
	const ctx = canvas.getContext('2d')
	if (!ctx) return null
	ctx.fillStyle = '#000'
	ctx.fillRect(0, 0, width, height)
	ctx.lineCap = 'round'
	ctx.lineJoin = 'round'
	for (const s of strokes) {
		ctx.strokeStyle = s.mode === 'paint' ? '#fff' : '#000'
		ctx.lineWidth = s.size
		ctx.beginPath()
		for (let i = 0; i < s.points.length; i += 2) {
			const x = s.points[i] ?? 0
			const y = s.points[i + 1] ?? 0
			if (i === 0) ctx.moveTo(x, y)
			else ctx.lineTo(x, y)
		}
		ctx.stroke()
	}
	return new Promise(resolve => canvas.toBlob(resolve, 'image/png'))
}

/**
 * The stage's picture and layers inside `area` (image pixels), at the image's pixels whatever the zoom: the mask
 * layer and every guide (transformer, crop outline, brush ring) are hidden while it is drawn.
 */
export async function flattenedBlob(stage: Konva.Stage, area: Box, offset: Point, scale: number): Promise<Blob | null> {
	const mask = stage.findOne('.mask')
	const guides = stage.find('.guide')
	mask?.hide()
	for (const g of guides) g.hide()
	try {
		return (await stage.toBlob({
			x: offset.x + area.x * scale,
			y: offset.y + area.y * scale,
			width: area.width * scale,
			height: area.height * scale,
			pixelRatio: 1 / scale,
			mimeType: 'image/png',
		})) as Blob | null
	} finally {
		mask?.show()
		for (const g of guides) g.show()
	}
}
