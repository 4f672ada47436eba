/**
 * The offline provider's audio: speech as a tune with one note per word (each voice its own register), music as
 * a seeded pentatonic line, sound effects as shaped noise. All WAV, all labelled as demos in their metadata.
 */
import type { AsyncMediaResult, MediaResult, MusicRequest, SpeechRequest } from '../types.ts'
import { hashOf, OFFLINE_LABEL } from './shared.ts'
import { encodeWav, renderNoise, renderNotes, type Note } from './wav.ts'

export function offlineSpeech(request: SpeechRequest): MediaResult {
	// Each voice its own register, each word its own pitch; the speed shortens the notes and the gaps.
	const register = { tone: 180, chime: 440, hum: 110 }[request.voice ?? 'tone'] ?? 180
	const pace = 1 / Math.max(0.25, Math.min(4, request.speed ?? 1))
	const words = request.text.split(/\s+/).filter(Boolean).slice(0, 80)
	const notes: Note[] = (words.length > 0 ? words : ['…']).map(word => {
		const h = hashOf('speech', request.voice, word.toLowerCase())
		return {
			frequency: register * 2 ** (((h[0] ?? 0) % 12) / 12),
			seconds: Math.min(0.35, 0.08 + word.length * 0.025) * pace,
			gap: 0.05 * pace,
		}
	})
	const data = encodeWav(renderNotes(notes, 16_000), 16_000, OFFLINE_LABEL)
	return {
		outputs: [{ kind: 'bytes', data, contentType: 'audio/wav' }],
		usage: { unit: 'characters', units: request.text.length },
	}
}

function musicNotes(prompt: string, seed: number, seconds: number): Note[] {
	const h = hashOf('music', prompt, seed)
	const pentatonic = [0, 2, 4, 7, 9, 12, 14, 16]
	const root = 196 * 2 ** (((h[0] ?? 0) % 7) / 12)
	const beat = 0.2 + ((h[1] ?? 0) % 5) * 0.05
	const notes: Note[] = []
	for (let t = 0, i = 0; t < seconds - 1e-9; i++) {
		const step = pentatonic[(h[(i % 30) + 2] ?? 0) % pentatonic.length] ?? 0
		const length = Math.min(beat * (i % 4 === 3 ? 2 : 1), seconds - t)
		notes.push({ frequency: root * 2 ** (step / 12), seconds: length * 0.9, gap: length * 0.1 })
		t += length
	}
	return notes
}

export function offlineMusic(request: MusicRequest): AsyncMediaResult {
	const seconds = Math.max(1, Math.min(30, request.durationSeconds))
	const seed = request.seed ?? 0
	const samples =
		request.sound === 'effects'
			? renderNoise(hashOf('effects', request.prompt, seed), seconds, 22_050)
			: renderNotes(musicNotes(request.prompt, seed, seconds), 22_050)
	return {
		status: 'succeeded',
		outputs: [{ kind: 'bytes', data: encodeWav(samples, 22_050, OFFLINE_LABEL), contentType: 'audio/wav' }],
		usage: { unit: 'seconds', units: seconds },
		seed,
	}
}
