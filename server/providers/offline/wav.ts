/**
 * 16-bit mono WAV encoding and the offline provider's tone sequences: audibly synthetic, deterministic, and
 * labelled as a demo in the file's INFO comment.
 */
import { encodeWav as encodePcmWav } from '#server/media/audio.ts'

/** Mono float samples (-1…1) as a 16-bit WAV labelled with `comment`. */
export function encodeWav(samples: Float32Array, sampleRate: number, comment: string): Uint8Array {
	const pcm = Int16Array.from(samples, s => Math.round(Math.max(-1, Math.min(1, s)) * 32767))
	return encodePcmWav(pcm, sampleRate, 1, comment)
}

export type Note = { frequency: number; seconds: number; gap: number }

/** Sine notes with short fades (no clicks) and a quieter octave below for body. */
export function renderNotes(notes: Note[], sampleRate: number, volume = 0.35): Float32Array {
	const total = notes.reduce((sum, n) => sum + n.seconds + n.gap, 0)
	const samples = new Float32Array(Math.ceil(total * sampleRate))
	let start = 0
	for (const note of notes) {
		const length = Math.floor(note.seconds * sampleRate)
		const fade = Math.min(Math.floor(sampleRate * 0.01), Math.floor(length / 4))
		for (let i = 0; i < length; i++) {
			const t = i / sampleRate
			const envelope = Math.min(1, i / Math.max(1, fade), (length - i) / Math.max(1, fade))
			const value =
				Math.sin(2 * Math.PI * note.frequency * t) * 0.8 + Math.sin(2 * Math.PI * (note.frequency / 2) * t) * 0.2
			const index = start + i
			if (index < samples.length) samples[index] = value * envelope * volume
		}
		start += Math.floor((note.seconds + note.gap) * sampleRate)
	}
	return samples
}

/**
 * A sound effect stand-in: filtered noise in bursts, with the filter, the burst rhythm and a swept tone all
 * taken from `h` (a hash of the prompt), so different prompts sound different and the same prompt the same.
 */
export function renderNoise(h: Uint8Array, seconds: number, sampleRate: number, volume = 0.3): Float32Array {
	const samples = new Float32Array(Math.ceil(seconds * sampleRate))
	// A small deterministic generator (xorshift32) seeded by the hash.
	let state = ((h[0] ?? 1) << 24) | ((h[1] ?? 2) << 16) | ((h[2] ?? 3) << 8) | (h[3] ?? 4) || 1
	const random = () => {
		state ^= state << 13
		state ^= state >>> 17
		state ^= state << 5
		return ((state >>> 0) / 0xffffffff) * 2 - 1
	}
	const smoothing = 0.02 + ((h[4] ?? 0) / 255) * 0.9 // low values rumble, high values hiss
	const burstSeconds = 0.15 + ((h[5] ?? 0) % 8) * 0.1
	const sweepFrom = 120 + (h[6] ?? 0) * 4
	const sweepTo = 120 + (h[7] ?? 0) * 4
	let low = 0
	for (let i = 0; i < samples.length; i++) {
		const t = i / sampleRate
		low += smoothing * (random() - low)
		const phase = (t % burstSeconds) / burstSeconds
		const envelope = Math.min(1, phase * 20) * (1 - phase) ** 2
		const sweep = sweepFrom + (sweepTo - sweepFrom) * (t / seconds)
		const tone = Math.sin(2 * Math.PI * sweep * t) * 0.25
		const fade = Math.min(1, t * 50, (seconds - t) * 50)
		samples[i] = (low * 1.5 * envelope + tone * envelope) * volume * fade
	}
	return samples
}
