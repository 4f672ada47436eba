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
