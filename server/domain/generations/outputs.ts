/**
 * A finished generation's files: each output (bytes, or a URL the provider serves for a while) copied into our
 * storage, with what the pages show in its place — an image's gallery copies, a video's poster, audio's waveform.
 */
import { storeWaveform } from '../audio/waveforms.ts'
import { logger } from '#server/logger.ts'
import { makeThumbnails } from '#server/media/images.ts'
import { firstFrame } from '#server/media/video.ts'
import type { MediaOutput } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import type { GenerationOutput } from './rows.ts'

export type FetchedOutput = { data: Uint8Array; contentType: string | null }
export type OutputFetcher = (url: string, signal?: AbortSignal) => Promise<FetchedOutput>

export function createOutputStore(deps: { storage: Storage; fetchOutput: OutputFetcher }) {
	const { storage } = deps

	async function storeOutputs(userId: string, outputs: MediaOutput[]): Promise<GenerationOutput[]> {
		const stored: GenerationOutput[] = []
		for (const output of outputs) {
			const bytes =
				output.kind === 'bytes'
					? { data: output.data, contentType: output.contentType }
					: await deps.fetchOutput(output.url)
			const saved = await storage.put({ bucket: 'media', userId, data: bytes.data, contentType: bytes.contentType })
			const entry: GenerationOutput = {
				bucket: saved.bucket,
				key: saved.key,
				contentType: saved.contentType,
				kind: saved.kind,
				size: saved.size,
			}
			if (saved.kind === 'image') Object.assign(entry, await storeThumbnails(userId, bytes.data))
			if (saved.kind === 'video') Object.assign(entry, await storePoster(userId, bytes.data))
			if (saved.kind === 'audio') Object.assign(entry, await storeWaveform(storage, userId, bytes.data))
			stored.push(entry)
		}
		return stored
	}

	/**
	 * The gallery copies of an image, made once now (server/media/images.ts) and stored beside it. An image sharp
	 * cannot read keeps no copies: pages fall back to the original.
	 */
	async function storeThumbnails(
		userId: string,
		data: Uint8Array,
	): Promise<Pick<GenerationOutput, 'width' | 'height' | 'thumbnails'>> {
		let made: Awaited<ReturnType<typeof makeThumbnails>>
		try {
			made = await makeThumbnails(data)
		} catch (error) {
			logger.warn('no thumbnails for an image output', { error })
			return {}
		}
		const thumbnails = []
		for (const t of made.thumbnails) {
			const saved = await storage.put({ bucket: 'media', userId, data: t.data, contentType: 'image/webp' })
			thumbnails.push({ key: saved.key, width: t.width, height: t.height, size: saved.size })
		}
		return { width: made.size.width, height: made.size.height, thumbnails }
	}

	/**
	 * A video's poster: its first frame (server/media/video.ts), kept as the same WebP copies an image gets, so the
	 * player, the studio's tiles and purging treat it like any thumbnail. A video ffmpeg cannot read has none.
	 */
	async function storePoster(
		userId: string,
		data: Uint8Array,
	): Promise<Pick<GenerationOutput, 'width' | 'height' | 'thumbnails'>> {
		let frame: Uint8Array
		try {
			frame = await firstFrame(data)
		} catch (error) {
			logger.warn('no poster for a video output', { error })
			return {}
		}
		return storeThumbnails(userId, frame)
	}

	return { storeOutputs }
}
