/**
 * Audio in parts, both ways, with the ffmpeg binary shipped in `@ffmpeg-installer/ffmpeg` (as ./video.ts does),
 * so nothing is decoded by hand and nothing is installed on the host: parts joined into one file (long speech is
 * spoken in several requests), and a recording (audio, or a video's sound) cut into chunks a transcription
 * provider accepts, each with the time it starts at.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ffmpeg from '@ffmpeg-installer/ffmpeg'
import { sniffAudio } from '#server/providers/media.ts'

/** A join that takes longer than this is given up on (a stuck decoder must not hold a worker). */
const FFMPEG_TIMEOUT_MS = 60_000

export type JoinFormat = 'mp3' | 'wav' | 'opus'

const OUTPUT: Record<JoinFormat, { args: string[]; ext: string; contentType: string }> = {
	mp3: { args: ['-c:a', 'libmp3lame', '-b:a', '128k'], ext: 'mp3', contentType: 'audio/mpeg' },
	wav: { args: ['-c:a', 'pcm_s16le'], ext: 'wav', contentType: 'audio/wav' },
	opus: { args: ['-c:a', 'libopus', '-b:a', '64k'], ext: 'ogg', contentType: 'audio/ogg' },
}

function run(args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(ffmpeg.path, args, { timeout: FFMPEG_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, _out, stderr) => {
			if (error) reject(new Error(`ffmpeg failed: ${String(stderr).slice(-300)}`))
			else resolve(String(stderr))
		})
	})
}

/**
 * The parts played one after another, as one file in `format`. The parts may differ in sample rate or channels
 * (ffmpeg's concat filter resamples to the first part's). Throws when ffmpeg cannot read a part.
 */
export async function joinAudio(
	parts: readonly Uint8Array[],
	format: JoinFormat,
): Promise<{ data: Uint8Array; contentType: string }> {
	const out = OUTPUT[format]
	const dir = await mkdtemp(path.join(tmpdir(), 'join-'))
	try {
		const inputs: string[] = []
		for (const [i, part] of parts.entries()) {
			const file = path.join(dir, `part-${i}`)
			await writeFile(file, part)
			inputs.push('-i', file)
		}
		const labels = parts.map((_, i) => `[${i}:a]`).join('')
		const target = path.join(dir, `joined.${out.ext}`)
		await run([
			'-v',
			'error',
			...inputs,
			'-filter_complex',
			`${labels}concat=n=${parts.length}:v=0:a=1[out]`,
			'-map',
			'[out]',
			...out.args,
			'-y',
			target,
		])
		return { data: new Uint8Array(await readFile(target)), contentType: out.contentType }
	} finally {
		await rm(dir, { recursive: true, force: true })
	}
}

/** A chunk of a recording: 16 kHz mono WAV, and where it starts in the whole (seconds). */
export type AudioChunk = { data: Uint8Array; start: number; duration: number }

/**
 * The sound of a recording (audio or video, any format ffmpeg reads) as 16 kHz mono WAV chunks of at most
 * `chunkSeconds` each — speech needs no more, and 10 minutes of it is about 19 MB. Each chunk's start is the sum
 * of the lengths before it, read from the WAV files themselves, so stitched timestamps line up exactly. Throws
 * when ffmpeg finds no sound.
 */
export async function chunkAudio(data: Uint8Array, chunkSeconds: number): Promise<AudioChunk[]> {
	const dir = await mkdtemp(path.join(tmpdir(), 'chunks-'))
	try {
		const input = path.join(dir, 'input')
		await writeFile(input, data)
		await run([
			'-v',
			'error',
			'-i',
			input,
			'-vn',
			'-ac',
			'1',
			'-ar',
			'16000',
			'-c:a',
			'pcm_s16le',
			'-f',
			'segment',
			'-segment_time',
			String(chunkSeconds),
			path.join(dir, 'chunk-%05d.wav'),
		])
		const files = (await readdir(dir)).filter(f => f.startsWith('chunk-')).sort()
		const chunks: AudioChunk[] = []
		let start = 0
		for (const file of files) {
			const bytes = new Uint8Array(await readFile(path.join(dir, file)))
			const duration = sniffAudio(bytes)?.durationSeconds ?? 0
			if (duration <= 0) continue
			chunks.push({ data: bytes, start, duration })
			start += duration
		}
		if (chunks.length === 0) throw new Error('ffmpeg found no sound')
		return chunks
	} finally {
		await rm(dir, { recursive: true, force: true })
	}
}
