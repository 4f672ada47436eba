/**
 * The offline provider's pictures: a seeded pattern for a prompt, the source mixed with a pattern for
 * image-to-image and edits (only where the mask is light), and a real Lanczos enlargement for upscaling — each
 * labelled DEMO in the picture and in the PNG's metadata.
 */
import { enlargeRgb, toGrey, toRgb } from '#server/media/images.ts'
import { sniffImage } from '../media.ts'
import {
	ProviderError,
	type ImageEditRequest,
	type ImageRequest,
	type ImageSize,
	type MediaResult,
	type UpscaleRequest,
} from '../types.ts'
import { drawLabel, encodePng, renderDemoImage } from './png.ts'
import { hashOf, OFFLINE_LABEL } from './shared.ts'

const DEFAULT_SIZE = 512

/** A source or mask that cannot be decoded is the caller's mistake, said as such. */
async function unreadable<T>(fn: () => Promise<T>, what = 'source image'): Promise<T> {
	try {
		return await fn()
	} catch (error) {
		throw new ProviderError('invalid_request', `The ${what} is not an image that can be read.`, {
			provider: 'offline',
			cause: error,
		})
	}
}

function parseSize(size: ImageSize | undefined, fallback: { width: number; height: number }, maxSide: number) {
	let { width, height } = fallback
	const match = size ? /^(\d+)x(\d+)$/.exec(size) : null
	if (match) {
		width = Number(match[1])
		height = Number(match[2])
	}
	if (!(width > 0 && height > 0)) throw new ProviderError('invalid_request', `Image size ${size} is not WIDTHxHEIGHT.`)
	const scale = Math.min(1, maxSide / Math.max(width, height))
	return { width: Math.max(8, Math.round(width * scale)), height: Math.max(8, Math.round(height * scale)) }
}

function encode(width: number, height: number, rgb: Uint8Array): Uint8Array {
	return encodePng(width, height, rgb, { Software: 'Generation Studio', Comment: OFFLINE_LABEL })
}

/**
 * A demo made from a source picture: the source at the output size, mixed with the pattern of `hash` —
 * everywhere by `strength`, or only where `mask` is light — and labelled with what was done.
 */
async function fromSource(options: {
	source: Uint8Array
	width: number
	height: number
	hash: Uint8Array
	strength: number
	mask?: Uint8Array | undefined
	label: string
}): Promise<Uint8Array> {
	const { width, height } = options
	const base = await unreadable(() => toRgb(options.source, width, height))
	const mask = options.mask ? await unreadable(() => toGrey(options.mask as Uint8Array, width, height), 'mask') : null
	const pattern = renderDemoImage(width, height, options.hash)
	for (let p = 0; p < width * height; p++) {
		const weight = mask ? ((mask[p] ?? 0) / 255) * Math.max(options.strength, 0.85) : options.strength
		for (let k = 0; k < 3; k++) {
			const i = p * 3 + k
			base[i] = Math.round((base[i] ?? 0) * (1 - weight) + (pattern[i] ?? 0) * weight)
		}
	}
	drawLabel(base, width, height, options.label, 'bottom')
	return encode(width, height, base)
}

/** `n` pictures, 1 to 4, made in parallel. */
async function pictures(n: number | undefined, make: (i: number) => Promise<Uint8Array> | Uint8Array) {
	const count = Math.max(1, Math.min(4, n ?? 1))
	const outputs = await Promise.all(
		Array.from({ length: count }, async (_, i) => ({
			kind: 'bytes' as const,
			data: await make(i),
			contentType: 'image/png',
		})),
	)
	return { outputs, usage: { unit: 'images' as const, units: count } }
}

export function createOfflinePictures(limits: { maxSide: number; maxUpscaleSide: number }) {
	const { maxSide, maxUpscaleSide } = limits
	return {
		async image(request: ImageRequest): Promise<MediaResult> {
			const { width, height } = parseSize(request.size, { width: DEFAULT_SIZE, height: DEFAULT_SIZE }, maxSide)
			const seed = request.seed ?? 0
			const hash = (i: number) => hashOf('image', request.prompt, request.negativePrompt, request.quality, seed, i)
			const source = request.image?.data
			const strength = Math.max(0, Math.min(1, request.strength ?? 0.6))
			const label = `DEMO · IMAGE TO IMAGE ${Math.round(strength * 100)}`
			const made = await pictures(request.n, i =>
				source
					? fromSource({ source, width, height, hash: hash(i), strength, label })
					: encode(width, height, renderDemoImage(width, height, hash(i))),
			)
			return { ...made, seed }
		},

		async imageEdit(request: ImageEditRequest): Promise<MediaResult> {
			const facts = sniffImage(request.image.data)
			const fallback = { width: facts?.width ?? DEFAULT_SIZE, height: facts?.height ?? DEFAULT_SIZE }
			const { width, height } = parseSize(request.size, fallback, maxSide)
			const seed = request.seed ?? 0
			const made = await pictures(request.n, i =>
				fromSource({
					source: request.image.data,
					width,
					height,
					hash: hashOf('edit', request.image.data, request.mask?.data, request.prompt, seed, i),
					strength: 0.6,
					mask: request.mask?.data,
					label: 'DEMO · EDIT',
				}),
			)
			return { ...made, seed }
		},

		async upscale(request: UpscaleRequest): Promise<MediaResult> {
			const scale = request.scale ?? 2
			// The source enlarged for real (Lanczos), so the result is the same picture at the larger size.
			const { rgb, width, height } = await unreadable(() => enlargeRgb(request.image.data, scale, maxUpscaleSide))
			drawLabel(rgb, width, height, `DEMO · UPSCALED ×${scale}`, 'bottom')
			const data = encode(width, height, rgb)
			return { outputs: [{ kind: 'bytes', data, contentType: 'image/png' }], usage: { unit: 'images', units: 1 } }
		},
	}
}
