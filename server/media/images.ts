/**
 * Image work done once, when a file is stored, with sharp: the pixel size of the original and small WebP copies
 * for grids (two widths, for `srcset`). Pages read these stored results; nothing is decoded per view. The
 * original is never changed.
 */
import sharp from 'sharp'

/** The widths of the gallery copies: a grid tile on a phone or desktop, and the same on a 2x screen. */
export const THUMBNAIL_WIDTHS = [320, 640] as const

/** Larger sources than this many pixels are refused before decoding (a decompression bomb stays a file). */
const MAX_INPUT_PIXELS = 100_000_000

export type Thumbnail = { width: number; height: number; data: Uint8Array }

export type ImageFacts = { width: number; height: number }

/** The pixel size of an image, from its header; null when sharp cannot read it. */
export async function imageSize(data: Uint8Array): Promise<ImageFacts | null> {
	try {
		const meta = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS }).metadata()
		if (!meta.width || !meta.height) return null
		// EXIF orientations 5-8 are shown turned a quarter: the page should reserve the turned size.
		const turned = (meta.orientation ?? 1) >= 5
		return turned ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height }
	} catch {
		return null
	}
}

/**
 * WebP copies at THUMBNAIL_WIDTHS (never wider than the original; a width the original cannot fill is left
 * out), turned upright by their EXIF orientation, without metadata.
 */
export async function makeThumbnails(data: Uint8Array): Promise<{ size: ImageFacts; thumbnails: Thumbnail[] }> {
	const size = await imageSize(data)
	if (!size) throw new Error('not an image sharp can read')
	const widths = [...new Set(THUMBNAIL_WIDTHS.map(w => Math.min(w, size.width)))]
	const thumbnails: Thumbnail[] = []
	for (const width of widths) {
		const { data: out, info } = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
			.rotate()
			.resize({ width, withoutEnlargement: true })
			.webp({ quality: width <= THUMBNAIL_WIDTHS[0] ? 70 : 75, effort: 4 })
			.toBuffer({ resolveWithObject: true })
		thumbnails.push({ width: info.width, height: info.height, data: new Uint8Array(out) })
	}
	return { size, thumbnails }
}

/** Decodes an image to raw RGB at a size (cover-cropped to fill it), for code that paints on pixels. */
export async function toRgb(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
	const out = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
		.rotate()
		.resize(width, height, { fit: 'cover' })
		.removeAlpha()
		.raw()
		.toBuffer()
	return new Uint8Array(out)
}

/** Decodes an image to one grey channel at a size (stretched to it), e.g. a mask. */
export async function toGrey(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
	const out = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
		.rotate()
		.resize(width, height, { fit: 'fill' })
		.flatten({ background: '#000000' })
		.greyscale()
		.raw()
		.toBuffer()
	return new Uint8Array(out)
}

/** Enlarges an image by `scale` with a Lanczos filter, as raw RGB with its new size. */
export async function enlargeRgb(
	data: Uint8Array,
	scale: number,
	maxSide: number,
): Promise<{ rgb: Uint8Array; width: number; height: number }> {
	const size = await imageSize(data)
	if (!size) throw new Error('not an image sharp can read')
	const factor = Math.min(scale, maxSide / Math.max(size.width, size.height))
	const width = Math.max(1, Math.round(size.width * factor))
	const height = Math.max(1, Math.round(size.height * factor))
	return { rgb: await toRgb(data, width, height), width, height }
}

/**
 * A mask fitted to its image: one grey channel at the image's pixel size (a mask of another size is stretched
 * to it), white where the image is repainted, as a PNG. Transparent parts of a painted mask count as black.
 */
export async function normalizeMask(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
	const out = await sharp(mask, { limitInputPixels: MAX_INPUT_PIXELS })
		.rotate()
		.resize(width, height, { fit: 'fill' })
		.flatten({ background: '#000000' })
		.greyscale()
		.toColourspace('b-w')
		.png()
		.toBuffer()
	return new Uint8Array(out)
}

/** How much of a mask is white (0…1): a mask with nothing painted asks for no change. */
export async function maskCoverage(mask: Uint8Array): Promise<number> {
	const { data, info } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true })
	let painted = 0
	for (let i = 0; i < data.length; i += info.channels) if ((data[i] ?? 0) >= 128) painted++
	return painted / (info.width * info.height)
}

/** A white-means-repaint mask as the alpha convention (transparent where the image changes). */
export async function maskAsAlpha(mask: Uint8Array): Promise<Uint8Array> {
	const { data, info } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true })
	const rgba = Buffer.alloc(info.width * info.height * 4)
	for (let i = 0; i < info.width * info.height; i++) rgba[i * 4 + 3] = 255 - (data[i * info.channels] ?? 0)
	const out = await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
		.png()
		.toBuffer()
	return new Uint8Array(out)
}

export type CropRect = { x: number; y: number; width: number; height: number }

/** A rectangle cut out of an image (turned upright first), as a PNG; the original is not changed. */
export async function cropImage(data: Uint8Array, rect: CropRect): Promise<Uint8Array> {
	const out = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
		.rotate()
		.extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height })
		.png()
		.toBuffer()
	return new Uint8Array(out)
}

/** The largest centred rectangle of an aspect (w:h) inside an image. */
export function centredAspect(size: ImageFacts, aspect: { w: number; h: number }): CropRect {
	const scale = Math.min(size.width / aspect.w, size.height / aspect.h)
	const width = Math.max(1, Math.min(size.width, Math.round(aspect.w * scale)))
	const height = Math.max(1, Math.min(size.height, Math.round(aspect.h * scale)))
	return { x: Math.floor((size.width - width) / 2), y: Math.floor((size.height - height) / 2), width, height }
}
