/**
 * Audio studio budgets:
 *   1. waveform peaks of a 10-minute 44.1 kHz stereo WAV: computed in < 2 s, stored in < 50 KB.
 * There is no figure from before the audio studio (it computed no peaks): "before" prints as "-".
 * Run alone: `npx tsx tests/bench/audio.bench.ts` or `npm run bench -- audio`.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { computePeaks, encodeWav } from '#server/media/audio.ts'
import { printBudgets } from './support.ts'
import type { Budget, Figures } from './support.ts'

export const AUDIO_BUDGETS: Budget[] = [
	{ key: 'peaks_10min_ms', label: 'peaks of a 10-minute 44.1 kHz WAV: time', unit: 'ms', max: 2000 },
	{ key: 'peaks_10min_kb', label: 'peaks of a 10-minute 44.1 kHz WAV: stored (KB)', unit: '', max: 50 },
]

/** `seconds` of 44.1 kHz 16-bit stereo: a tone whose loudness swells and falls, so every peak differs. */
export function toneWav(seconds: number, frequency = 220): Uint8Array {
	const rate = 44_100
	const frames = rate * seconds
	const samples = new Int16Array(frames * 2)
	for (let i = 0; i < frames; i++) {
		const envelope = 0.5 + 0.45 * Math.sin((2 * Math.PI * i) / (rate * 7))
		const s = Math.round(envelope * 20_000 * Math.sin((2 * Math.PI * frequency * i) / rate))
		samples[i * 2] = s
		samples[i * 2 + 1] = s
	}
	return encodeWav(samples, rate, 2)
}

export async function runAudioBench() {
	const figures: Figures = {}
	const wav = toneWav(600)
	await computePeaks(toneWav(1)) // warm the binary's page cache
	const started = performance.now()
	const peaks = await computePeaks(wav)
	figures.peaks_10min_ms = performance.now() - started
	figures.peaks_10min_kb = Buffer.byteLength(JSON.stringify(peaks)) / 1024
	process.stdout.write(
		`  10-minute WAV: ${(wav.length / 1024 / 1024).toFixed(1)} MB, ${peaks.peaks.length} peaks (${peaks.peaksPerSecond}/s)\n`,
	)
	const pass = printBudgets('Audio studio', AUDIO_BUDGETS, figures, null)
	return { pass, figures }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runAudioBench().then(r => process.exit(r.pass ? 0 : 1))
}
