/**
 * Video work done once, when a file is stored: the first frame as a PNG, for the player's poster and the
 * studio's tiles. The ffmpeg binary ships in an npm package (`@ffmpeg-installer/ffmpeg`), so nothing is
 * installed on the host. A file ffmpeg cannot read gets no poster; the page works without one.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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

/** Longer than this and re-encoding a clip is given up on. */
const ENCODE_TIMEOUT_MS = 60_000
/** A re-encoded clip larger than this is refused. */
const MAX_CLIP_BYTES = 256 * 1024 * 1024

/**
 * A clip re-encoded to exactly `width`×`height` (the picture scaled to fit, the rest black) and `seconds` long (looped
 * when shorter, cut when longer), H.264 in MP4 with its index first so it plays while it loads. For the offline
 * model, whose one demo clip stands in for every shape and length a request can ask for.
 */
export async function fitVideo(
	data: Uint8Array,
	target: { width: number; height: number; seconds: number },
): Promise<Uint8Array> {
	const { width, height, seconds } = target
	const dir = await mkdtemp(path.join(tmpdir(), 'clip-'))
	try {
		const input = path.join(dir, 'input')
		const output = path.join(dir, 'output.mp4')
		await writeFile(input, data)
		const filter = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1`
		const args = [
			...[
				'-v',
				'error',
				'-y',
				'-stream_loop',
				'-1',
				'-i',
				input,
				'-map_metadata',
				'0',
				'-t',
				String(seconds),
				'-vf',
				filter,
				'-an',
			],
			...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '32', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
			output,
		]
		await new Promise<void>((resolve, reject) => {
			execFile(ffmpeg.path, args, { timeout: ENCODE_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
				if (error) reject(new Error(`ffmpeg could not re-encode the clip: ${String(stderr).slice(0, 300)}`))
				else resolve()
			})
		})
		const clip = await readFile(output)
		if (clip.length === 0 || clip.length > MAX_CLIP_BYTES) throw new Error('ffmpeg made no usable clip')
		return new Uint8Array(clip)
	} finally {
		await rm(dir, { recursive: true, force: true })
	}
}
