/**
 * 16-bit mono WAV encoding and the offline provider's tone sequences: audibly synthetic, deterministic, and
 * labelled as a demo in the file's INFO comment.
 */

export function encodeWav(samples: Float32Array, sampleRate: number, comment: string): Uint8Array {
	const info = Buffer.from(`${comment}\0`, 'latin1')
	const icmtSize = info.length + (info.length % 2)
	const listSize = 4 + 8 + icmtSize
	const dataSize = samples.length * 2
	const out = Buffer.alloc(12 + 24 + 8 + listSize + 8 + dataSize)
	let o = 0
	const str = (s: string) => {
		out.write(s, o, 'latin1')
		o += s.length
	}
	const u32 = (n: number) => {
		out.writeUInt32LE(n, o)
		o += 4
	}
	const u16 = (n: number) => {
		out.writeUInt16LE(n, o)
		o += 2
	}
	str('RIFF')
	u32(out.length - 8)
	str('WAVE')
	str('fmt ')
	u32(16)
	u16(1) // PCM
	u16(1) // mono
	u32(sampleRate)
	u32(sampleRate * 2)
	u16(2)
	u16(16)
	str('LIST')
	u32(listSize)
	str('INFO')
	str('ICMT')
	u32(info.length)
	info.copy(out, o)
	o += icmtSize
	str('data')
	u32(dataSize)
	for (const s of samples) {
		out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, s)) * 32767), o)
		o += 2
	}
	return new Uint8Array(out)
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
