/** The offline provider's video: one committed clip for every prompt — deterministic, playable, obviously a demo. */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ProviderError } from '../types.ts'

export const DEMO_VIDEO_FILE = 'offline-demo.mp4'
export const DEMO_VIDEO_SECONDS = 3

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
