/**
 * Audio work done on the server with the ffmpeg binary shipped in an npm package (`@ffmpeg-installer/ffmpeg`):
 * waveform peaks computed once when a file is stored (so pages and the editor never decode whole files to
 * draw them), decoding to PCM for the mixdown, and encoding its result as WAV and MP3. No decoder is written
 * here: ffmpeg reads every format, and this file only reads the raw samples ffmpeg hands back.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ffmpeg from '@ffmpeg-installer/ffmpeg'

/** Longer than this and decoding is given up on (a stuck decoder must not hold a worker). */
const DECODE_TIMEOUT_MS = 120_000
/** The rate peaks are measured at; ffmpeg skips resampling when the file already has it (the usual case). */
const PEAKS_SAMPLE_RATE = 44_100
/** The finest resolution the peaks keep: enough for the editor's deepest zoom on short clips. */
const MAX_PEAKS_PER_SECOND = 50
/** At most this many peaks per file, so a long file stays a few tens of KB (10 minutes: 20 a second). */
const MAX_PEAKS = 12_000
/** How many points a card's waveform preview has. */
export const PREVIEW_POINTS = 64

/**
 * A file's waveform: the loudest sample (absolute, all channels mixed to one) in each window of
 * `1 / peaksPerSecond` seconds, as integers 0..255 (255 = full scale), so the JSON stays small.
 */
export type AudioPeaks = {
	version: 1
	/** Length in seconds. */
	duration: number
	peaksPerSecond: number
	peaks: number[]
}

/** What a stored audio output keeps about itself: its length, its peaks file and a preview for cards. */
export type AudioFacts = { duration: number; peaks: AudioPeaks; preview: number[] }

/** Writes the bytes to a temporary file for ffmpeg (MP4/M4A keep their index at the end: a pipe cannot seek). */
export async function withInputFile<T>(data: Uint8Array, fn: (file: string) => Promise<T>): Promise<T> {
	const dir = await mkdtemp(path.join(tmpdir(), 'audio-'))
	try {
		const input = path.join(dir, 'input')
		await writeFile(input, data)
		return await fn(input)
	} finally {
		await rm(dir, { recursive: true, force: true })
	}
}

/**
 * Decodes a file to interleaved PCM at `sampleRate` with `channels`, handing each chunk to `onSamples` as it
 * arrives (nothing holds the whole file). `filter` is an ffmpeg audio filter graph applied first.
 */
export function decodePcm(
	file: string,
	options: {
		sampleRate: number
		channels: 1 | 2
		format: 'f32le' | 's16le'
		filter?: string
		onSamples: (chunk: Buffer) => void
	},
): Promise<void> {
	const { sampleRate, channels, format } = options
	const args = ['-v', 'error', '-nostdin', '-i', file, '-vn', '-ac', String(channels), '-ar', String(sampleRate)]
	if (options.filter) args.push('-af', options.filter)
	args.push('-f', format, '-acodec', format === 'f32le' ? 'pcm_f32le' : 'pcm_s16le', 'pipe:1')
	return new Promise((resolve, reject) => {
		const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'] })
		const timer = setTimeout(() => child.kill('SIGKILL'), DECODE_TIMEOUT_MS)
		let stderr = ''
		// Samples may straddle chunk boundaries: keep the odd bytes for the next chunk.
		const frameBytes = (format === 'f32le' ? 4 : 2) * channels
		let carry: Buffer = Buffer.alloc(0)
		child.stdout.on('data', (chunk: Buffer) => {
			const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk
			const whole = joined.length - (joined.length % frameBytes)
			carry = joined.subarray(whole)
			if (whole > 0) options.onSamples(joined.subarray(0, whole))
		})
		child.stderr.on('data', (chunk: Buffer) => {
			if (stderr.length < 2000) stderr += chunk.toString('utf8')
		})
		child.once('error', error => {
			clearTimeout(timer)
			reject(error)
		})
		child.once('close', (code, signal) => {
			clearTimeout(timer)
			if (code === 0) resolve()
			else reject(new Error(`ffmpeg could not decode the audio (${signal ?? code}): ${stderr.slice(0, 300)}`))
		})
	})
}

/** The peaks of a file ffmpeg can read; throws for one it cannot (or one with no samples). */
export async function computePeaks(data: Uint8Array): Promise<AudioPeaks> {
	return withInputFile(data, file => peaksOfFile(file))
}

export async function peaksOfFile(file: string): Promise<AudioPeaks> {
	const window = PEAKS_SAMPLE_RATE / MAX_PEAKS_PER_SECOND
	const fine: number[] = []
	let loudest = 0
	let inWindow = 0
	let frames = 0
	await decodePcm(file, {
		sampleRate: PEAKS_SAMPLE_RATE,
		channels: 1,
		format: 's16le',
		onSamples(chunk) {
			const samples = new Int16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2)
			for (let i = 0; i < samples.length; i++) {
				const s = samples[i]!
				const a = s < 0 ? -s : s
				if (a > loudest) loudest = a
				if (++inWindow === window) {
					fine.push(loudest)
					loudest = 0
					inWindow = 0
				}
			}
			frames += samples.length
		},
	})
	if (inWindow > 0) fine.push(loudest)
	if (frames === 0) throw new Error('ffmpeg found no audio samples')
	const duration = frames / PEAKS_SAMPLE_RATE
	// Long files keep fewer, coarser peaks (each the loudest of the fine ones it covers).
	const factor = Math.max(1, Math.ceil(fine.length / MAX_PEAKS))
	const peaks = downsample(fine, Math.ceil(fine.length / factor)).map(toByte)
	return { version: 1, duration: round3(duration), peaksPerSecond: MAX_PEAKS_PER_SECOND / factor, peaks }
}

/** A 16-bit magnitude (0..32768) as 0..255, rounded up so a quiet non-silent window never draws as silence. */
function toByte(magnitude: number): number {
	return Math.min(255, Math.ceil((magnitude / 32768) * 255))
}

function round3(n: number): number {
	return Math.round(n * 1000) / 1000
}

/** `count` values, each the largest of the run of `values` it stands for. */
export function downsample(values: readonly number[], count: number): number[] {
	if (values.length <= count) return [...values]
	const out: number[] = []
	for (let i = 0; i < count; i++) {
		const from = Math.floor((i * values.length) / count)
		const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / count))
		let max = 0
		for (let j = from; j < to; j++) if (values[j]! > max) max = values[j]!
		out.push(max)
	}
	return out
}

/** The short preview a card draws (PREVIEW_POINTS values 0..255). */
export function previewOf(peaks: AudioPeaks): number[] {
	return downsample(peaks.peaks, PREVIEW_POINTS)
}

/** Length, peaks and preview of an audio file; throws when ffmpeg cannot read it. */
export async function audioFacts(data: Uint8Array): Promise<AudioFacts> {
	const peaks = await computePeaks(data)
	return { duration: peaks.duration, peaks, preview: previewOf(peaks) }
}

/**
 * 16-bit PCM WAV bytes for interleaved samples; with `comment`, a LIST/INFO chunk (ICMT) says what the file is
 * (the offline provider labels its demo audio so).
 */
export function encodeWav(samples: Int16Array, sampleRate: number, channels: number, comment?: string): Uint8Array {
	const dataBytes = samples.length * 2
	const info = comment === undefined ? null : Buffer.from(`${comment}\0`, 'latin1')
	// A chunk's body is padded to an even length.
	const listBytes = info ? 4 + 8 + info.length + (info.length % 2) : 0
	const dataAt = 36 + (info ? 8 + listBytes : 0)
	const out = Buffer.alloc(dataAt + 8 + dataBytes)
	out.write('RIFF', 0, 'ascii')
	out.writeUInt32LE(out.length - 8, 4)
	out.write('WAVE', 8, 'ascii')
	out.write('fmt ', 12, 'ascii')
	out.writeUInt32LE(16, 16)
	out.writeUInt16LE(1, 20) // PCM
	out.writeUInt16LE(channels, 22)
	out.writeUInt32LE(sampleRate, 24)
	out.writeUInt32LE(sampleRate * channels * 2, 28)
	out.writeUInt16LE(channels * 2, 32)
	out.writeUInt16LE(16, 34)
	if (info) {
		out.write('LIST', 36, 'ascii')
		out.writeUInt32LE(listBytes, 40)
		out.write('INFO', 44, 'ascii')
		out.write('ICMT', 48, 'ascii')
		out.writeUInt32LE(info.length, 52)
		info.copy(out, 56)
	}
	out.write('data', dataAt, 'ascii')
	out.writeUInt32LE(dataBytes, dataAt + 4)
	Buffer.from(samples.buffer, samples.byteOffset, dataBytes).copy(out, dataAt + 8)
	return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/** An MP3 (LAME, 192 kbit/s) of a WAV file. */
export async function wavToMp3(wav: Uint8Array): Promise<Uint8Array> {
	return withInputFile(
		wav,
		input =>
			new Promise<Uint8Array>((resolve, reject) => {
				execFile(
					ffmpeg.path,
					['-v', 'error', '-nostdin', '-i', input, '-codec:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3', 'pipe:1'],
					{ encoding: 'buffer', timeout: DECODE_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 },
					(error, stdout, stderr) => {
						if (error) reject(new Error(`ffmpeg could not encode MP3: ${stderr.toString('utf8').slice(0, 300)}`))
						else resolve(new Uint8Array(stdout))
					},
				)
			}),
	)
}

/** The rate and layout of a mixdown. */
export const MIX_SAMPLE_RATE = 44_100
export const MIX_CHANNELS = 2

/** One clip of a mix: a file, where it starts in the mix and which part of it plays, in frames at MIX_SAMPLE_RATE. */
export type MixInput = { data: Uint8Array; startFrame: number; fromFrame: number; toFrame: number; gain: number }

/**
 * Renders clips into one 16-bit stereo buffer at MIX_SAMPLE_RATE: each is decoded by ffmpeg (mono spread to both
 * sides at full level, any rate resampled, then trimmed sample-accurately), scaled by its gain and added at its
 * start. The sum is exact in 32-bit float for 16-bit sources at gains that are powers of two; the result is
 * rounded and clipped to 16 bits once, at the end.
 */
export async function mixClips(inputs: readonly MixInput[]): Promise<Int16Array> {
	const frames = inputs.reduce((end, c) => Math.max(end, c.startFrame + Math.max(0, c.toFrame - c.fromFrame)), 0)
	const mix = new Float32Array(frames * MIX_CHANNELS)
	for (const input of inputs) {
		if (input.toFrame <= input.fromFrame || input.gain === 0) continue
		let at = input.startFrame * MIX_CHANNELS
		const limit = (input.startFrame + (input.toFrame - input.fromFrame)) * MIX_CHANNELS
		await withInputFile(input.data, file =>
			decodePcm(file, {
				sampleRate: MIX_SAMPLE_RATE,
				channels: MIX_CHANNELS,
				format: 'f32le',
				filter: [
					'pan=stereo|FL=FL+FC|FR=FR+FC',
					`aresample=${MIX_SAMPLE_RATE}`,
					'aformat=sample_fmts=flt:channel_layouts=stereo',
					`atrim=start_sample=${input.fromFrame}:end_sample=${input.toFrame}`,
				].join(','),
				onSamples(chunk) {
					const samples = new Float32Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length))
					for (let i = 0; i < samples.length && at < limit; i++, at++) mix[at]! += samples[i]! * input.gain
				},
			}),
		)
	}
	const out = new Int16Array(mix.length)
	for (let i = 0; i < mix.length; i++) {
		const s = Math.round(mix[i]! * 32768)
		out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s
	}
	return out
}
