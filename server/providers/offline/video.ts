/** The offline provider's video: one committed clip for every prompt — deterministic, playable, obviously a demo. */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fitVideo } from '#server/media/video.ts'
import { ProviderError, type VideoRequest } from '../types.ts'

export const DEMO_VIDEO_FILE = 'offline-demo.mp4'
export const DEMO_VIDEO_SECONDS = 3
/** The committed clip's frame size. */
const DEMO_VIDEO_SIZE = { width: 320, height: 180 }

/**
 * The frame size of a clip of `aspect` (`16:9`) at `resolution` (`480p`: the short side in pixels), in even numbers
 * as H.264 wants. Without either, the demo clip's own size.
 */
export function videoSize(
	aspect: string | undefined,
	resolution: string | undefined,
): { width: number; height: number } {
	const ratio = /^(\d+):(\d+)$/.exec(aspect ?? '')
	const short = /^(\d+)p$/.exec(resolution ?? '')
	if (!ratio || !short) return DEMO_VIDEO_SIZE
	const across = Number(ratio[1]) / Number(ratio[2])
	const side = Number(short[1])
	const even = (n: number) => Math.max(2, Math.round(n / 2) * 2)
	return across >= 1
		? { width: even(side * across), height: even(side) }
		: { width: even(side), height: even(side / across) }
}

/**
 * The demo clip re-encoded to the shape, resolution and length asked for (the committed clip itself when that is
 * what was asked), so the choice can be seen and measured.
 */
export async function demoClip(
	demo: Uint8Array,
	request: Pick<VideoRequest, 'aspect' | 'resolution' | 'durationSeconds'>,
): Promise<{ data: Uint8Array; seconds: number }> {
	const seconds = Math.max(1, Math.round(request.durationSeconds ?? DEMO_VIDEO_SECONDS))
	const size = videoSize(request.aspect, request.resolution)
	if (size.width === DEMO_VIDEO_SIZE.width && size.height === DEMO_VIDEO_SIZE.height && seconds === DEMO_VIDEO_SECONDS)
		return { data: demo, seconds }
	try {
		return { data: await fitVideo(demo, { ...size, seconds }), seconds }
	} catch (error) {
		throw new ProviderError('unavailable', 'The offline demo clip could not be re-encoded.', {
			provider: 'offline',
			retryable: false,
			cause: error,
		})
	}
}

function defaultDemoVideoPaths(): string[] {
	const here = path.dirname(fileURLToPath(import.meta.url))
	return [
		path.resolve(here, '../../../public/demo', DEMO_VIDEO_FILE),
		path.resolve(process.cwd(), 'public/demo', DEMO_VIDEO_FILE),
	]
}

/** Reads the clip once (from `demoVideoPath`, or next to the source tree, or under the working directory). */
export function demoVideoLoader(demoVideoPath?: string): () => Promise<Uint8Array> {
	let demoVideo: Promise<Uint8Array> | null = null
	return () => {
		demoVideo ??= (async () => {
			const candidates = demoVideoPath ? [demoVideoPath] : defaultDemoVideoPaths()
			for (const candidate of candidates) {
				try {
					return new Uint8Array(await readFile(candidate))
				} catch {
					// try the next place
				}
			}
			throw new ProviderError(
				'unavailable',
				`The offline demo video (public/demo/${DEMO_VIDEO_FILE}) is missing from this installation.`,
				{ provider: 'offline', retryable: false },
			)
		})()
		demoVideo.catch(() => {
			demoVideo = null
		})
		return demoVideo
	}
}
