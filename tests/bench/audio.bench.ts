/**
 * Audio studio budgets:
 *   1. waveform peaks of a 10-minute 44.1 kHz stereo WAV: computed in < 2 s, stored in < 50 KB.
 *   2. mixdown of 4 tracks × 3 minutes (one 3-minute clip each, 44.1 kHz stereo WAV sources): < 10 s.
 *   3. wavesurfer.js only in the editor's chunk: no page route loads it up front, the project page fetches it
 *      with a dynamic import; JavaScript per audio route (gzip) printed.
 * There is no figure from before the audio studio (it computed no peaks): "before" prints as "-".
 * Run alone: `npx tsx tests/bench/audio.bench.ts` or `npm run bench -- audio`.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { computePeaks, encodeWav, MIX_SAMPLE_RATE, mixClips } from '#server/media/audio.ts'
import { routeJavaScript } from './pages.bench.ts'
import { printBudgets } from './support.ts'
import type { Budget, Figures } from './support.ts'

export const AUDIO_BUDGETS: Budget[] = [
	{ key: 'peaks_10min_ms', label: 'peaks of a 10-minute 44.1 kHz WAV: time', unit: 'ms', max: 2000 },
	{ key: 'peaks_10min_kb', label: 'peaks of a 10-minute 44.1 kHz WAV: stored (KB)', unit: '', max: 50 },
	{ key: 'mixdown_4x3min_ms', label: 'mixdown, 4 tracks × 3 minutes', unit: 'ms', max: 10_000 },
	{
		key: 'wavesurfer_outside_editor',
		label: 'page routes that load wavesurfer up front',
		unit: '',
		max: 0,
		inclusive: true,
	},
	{ key: 'wavesurfer_in_editor_chunk', label: 'editor route fetches wavesurfer lazily (1 = yes)', unit: '', min: 1 },
]

type Metafile = {
	outputs: Record<string, { imports?: { path: string; kind: string }[]; inputs?: Record<string, unknown> }>
}

/** Where wavesurfer.js went in the browser build, and the JavaScript each audio route ships. */
function wavesurferPlacement(root = process.cwd()) {
	const metafile = JSON.parse(readFileSync(path.join(root, 'build/remix/metafile.js.json'), 'utf8')) as Metafile
	const carriers = new Set(
		Object.entries(metafile.outputs)
			.filter(([, o]) => Object.keys(o.inputs ?? {}).some(i => i.includes('node_modules/wavesurfer.js/')))
			.map(([name]) => name),
	)
	const staticClosure = (start: string) => {
		const seen = new Set<string>()
		const queue = [start]
		while (queue.length > 0) {
			const output = queue.pop()
			if (!output || seen.has(output)) continue
			seen.add(output)
			for (const i of metafile.outputs[output]?.imports ?? []) if (i.kind === 'import-statement') queue.push(i.path)
		}
		return seen
	}
	const routeOutputs = Object.keys(metafile.outputs).filter(o => /\/routes\/[^/]+\.js$/.test(o))
	const upFront = routeOutputs.filter(o => [...staticClosure(o)].some(f => carriers.has(f)))
	const editorRoute = routeOutputs.find(o => o.includes('audio_.projects.$id-'))
	const lazily = editorRoute
		? [...staticClosure(editorRoute)].some(f =>
				(metafile.outputs[f]?.imports ?? []).some(
					i => i.kind === 'dynamic-import' && [...staticClosure(i.path)].some(c => carriers.has(c)),
				),
			)
		: false
	const chunkKb = [...carriers].reduce((sum, f) => sum + gzipSync(readFileSync(path.join(root, f))).length / 1024, 0)
	return { upFront, lazily, chunkKb }
}

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
	// Four 3-minute stereo sources, each on its own track, mixed whole.
	const sources = [220, 330, 440, 550].map(f => toneWav(180, f))
	const mixStarted = performance.now()
	const mixed = await mixClips(
		sources.map(data => ({ data, startFrame: 0, fromFrame: 0, toFrame: 180 * MIX_SAMPLE_RATE, gain: 0.25 })),
	)
	figures.mixdown_4x3min_ms = performance.now() - mixStarted
	process.stdout.write(`  mixdown: ${(mixed.length / 2 / MIX_SAMPLE_RATE).toFixed(1)} s of stereo from 4 sources\n`)

	const placement = wavesurferPlacement()
	figures.wavesurfer_outside_editor = placement.upFront.length
	figures.wavesurfer_in_editor_chunk = placement.lazily ? 1 : 0
	for (const name of placement.upFront) process.stdout.write(`  loads wavesurfer up front: ${name}\n`)
	process.stdout.write(`  the editor's lazy chunk with wavesurfer: ${placement.chunkKb.toFixed(1)} KB gzip\n`)
	for (const row of routeJavaScript().filter(r => r.route.includes('audio'))) {
		process.stdout.write(
			`  JavaScript of ${row.route} (gzip, up front): ${row.kb.toFixed(1)} KB in ${row.files} files\n`,
		)
	}
	const pass = printBudgets('Audio studio', AUDIO_BUDGETS, figures, null)
	return { pass, figures }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runAudioBench().then(r => process.exit(r.pass ? 0 : 1))
}
