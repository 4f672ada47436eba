/**
 * Video work done once, when a file is stored: the first frame as a PNG, for the player's poster and the
 * studio's tiles. The ffmpeg binary ships in an npm package (`@ffmpeg-installer/ffmpeg`), so nothing is
 * installed on the host. A file ffmpeg cannot read gets no poster; the page works without one.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ffmpeg from '@ffmpeg-installer/ffmpeg'

/** Longer than this and the frame is given up on (a stuck decoder must not hold a worker). */
const FRAME_TIMEOUT_MS = 20_000
/** A first frame larger than this is not a frame. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024

/** The first frame of a video as PNG bytes; throws when ffmpeg cannot read one. */
export async function firstFrame(data: Uint8Array): Promise<Uint8Array> {
	const dir = await mkdtemp(path.join(tmpdir(), 'poster-'))
	try {
		// A file, not stdin: MP4s often keep their index at the end, which a pipe cannot seek to.
		const input = path.join(dir, 'input')
		await writeFile(input, data)
		const args = ['-v', 'error', '-i', input, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1']
		const png = await new Promise<Buffer>((resolve, reject) => {
			execFile(
				ffmpeg.path,
				args,
				{ encoding: 'buffer', timeout: FRAME_TIMEOUT_MS, maxBuffer: MAX_FRAME_BYTES },
				(error, stdout, stderr) => {
					if (error) reject(new Error(`ffmpeg found no frame: ${stderr.toString('utf8').slice(0, 300)}`))
					else resolve(stdout)
				},
			)
		})
		if (png.length === 0) throw new Error('ffmpeg found no frame')
		return new Uint8Array(png)
	} finally {
		await rm(dir, { recursive: true, force: true })
	}
}
