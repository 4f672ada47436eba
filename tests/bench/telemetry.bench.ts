/**
 * What telemetry costs on a signed-in page: the same built server started twice, once exporting every signal over
 * OTLP (to a local receiver that only acknowledges) and once with no endpoint, measured one after the other on
 * /library. Budget: exporting keeps at least 85% of the throughput of telemetry off, judged by the server's CPU time
 * per request (off / exporting): the page is CPU-bound, and unlike requests per second that figure does not move
 * when other work on a shared machine makes requests wait. The wall-clock throughput ratio is printed beside it.
 *
 * Each round measures both sides back to back (5 s each, 6 rounds, alternating which goes first); the budget reads the
 * median of the rounds' own ratios, and every round's ratio is printed with their spread: a burst of other work on
 * the shared machine spoils one pair, not the figure.
 *
 * Earlier figures are read from tests/bench/telemetry-before*.json, each measured with this file on the code of
 * its commit (TELEMETRY_BENCH_RECORD=<path> writes one): telemetry-before.json is the code before the SDK started
 * only with an endpoint (every instrumentation on either way), telemetry-before-spans.json the code before this
 * measurement took the median of paired rounds (docs/decisions/012-telemetry-cost-and-links.md).
 */
import { execSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { RunningServer } from '#tests/support/server.ts'
import { cpuMs, load, onBenchServer } from './support.ts'

// Short rounds, many of them: a burst of other work on the shared machine then spoils one pair, not a side.
const SECONDS = Number(process.env.TELEMETRY_BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.TELEMETRY_BENCH_ROUNDS ?? 6)
const BUDGET = 0.85
const DIR = path.dirname(new URL(import.meta.url).pathname)

type Side = { rps: number; cpuMs: number }
/**
 * ratio: throughput kept, from CPU per request (off / exporting), the median of the rounds' own ratios (each round
 * measures both sides back to back); meanRatio: the same from the means of all rounds; rpsRatio: from requests per
 * second; roundRatios: the CPU ratio of each round.
 */
type TelemetryFigures = {
	off: Side
	exporting: Side
	ratio: number
	meanRatio?: number
	rpsRatio: number
	roundRatios?: number[]
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b)
	const mid = Math.floor(sorted.length / 2)
	return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

/** An OTLP endpoint that takes everything and answers 200 at once, so only the exporting side's own cost counts. */
async function startReceiver() {
	const server = http.createServer((req, res) => {
		req.resume()
		req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
	})
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise<void>(resolve => server.close(() => resolve())),
	}
}

async function measure(server: RunningServer, url: string, cookie: string): Promise<Side> {
	const pid = server.child.pid ?? 0
	const before = cpuMs(pid)
	const figures = await load(url, SECONDS, { headers: [`Cookie=${cookie}`] })
	const requests = figures.requestsPerSecond * SECONDS
	if (figures.errors + figures.non2xx > 0) throw new Error(`${url} answered errors under load`)
	return { rps: figures.requestsPerSecond, cpuMs: requests > 0 ? (cpuMs(pid) - before) / requests : NaN }
}

function mean(sides: Side[]): Side {
	return {
		rps: sides.reduce((s, x) => s + x.rps, 0) / sides.length,
		cpuMs: sides.reduce((s, x) => s + x.cpuMs, 0) / sides.length,
	}
}

type Recorded = TelemetryFigures & { commit: string; recordedAt: string }

/** Every recorded earlier figure, oldest first. */
function readBefore(): Recorded[] {
	return readdirSync(DIR)
		.filter(f => /^telemetry-before.*\.json$/.test(f))
		.map(f => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Recorded)
		.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt))
}

function spread(ratios: number[] | undefined): string {
	if (!ratios?.length) return ''
	return `   rounds ${ratios.map(r => r.toFixed(2)).join(' ')} (spread ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
}

type Sides = Record<'off' | 'exporting', { server: RunningServer; cookie: string }>

/** Both servers under the same load, round after round, and the budget: throughput kept when exporting. */
async function compare(sides: Sides) {
	for (const side of Object.values(sides))
		await load(`${side.server.url}/library`, 2, { headers: [`Cookie=${side.cookie}`] })
	const runs: Record<'off' | 'exporting', Side[]> = { off: [], exporting: [] }
	// Alternated, so drift in what else the machine does falls on both sides.
	for (let round = 0; round < ROUNDS; round++) {
		for (const name of round % 2 ? (['exporting', 'off'] as const) : (['off', 'exporting'] as const)) {
			const side = sides[name]
			runs[name].push(await measure(side.server, `${side.server.url}/library`, side.cookie))
		}
	}
	const figures: TelemetryFigures = {
		off: mean(runs.off),
		exporting: mean(runs.exporting),
		ratio: 0,
		rpsRatio: 0,
		roundRatios: runs.off.map((off, i) => off.cpuMs / (runs.exporting[i]?.cpuMs ?? NaN)),
	}
	figures.meanRatio = figures.off.cpuMs / figures.exporting.cpuMs
	figures.ratio = median(figures.roundRatios ?? [])
	figures.rpsRatio = figures.exporting.rps / figures.off.rps
	if (process.env.TELEMETRY_BENCH_RECORD) {
		writeFileSync(
			process.env.TELEMETRY_BENCH_RECORD,
			`${JSON.stringify({ ...figures, recordedAt: new Date().toISOString(), commit: execSync('git rev-parse HEAD').toString().trim() }, null, '\t')}\n`,
		)
	}
	const before = readBefore()
	const line = (label: string, f: TelemetryFigures) =>
		`${label.padEnd(16)} off ${f.off.rps.toFixed(0).padStart(5)} req/s ${f.off.cpuMs.toFixed(2)} ms CPU   exporting ${f.exporting.rps.toFixed(0).padStart(5)} req/s ${f.exporting.cpuMs.toFixed(2)} ms CPU   ratio ${f.ratio.toFixed(2)} (${f.meanRatio === undefined ? '' : `of means ${f.meanRatio.toFixed(2)}, `}req/s ${f.rpsRatio.toFixed(2)})${spread(f.roundRatios)}`
	const pass = figures.ratio >= BUDGET
	process.stdout.write(
		[
			`Telemetry overhead on signed-in GET /library, ${ROUNDS} x ${SECONDS}s per side at 10 connections`,
			...before.map(b => line(`before ${b.commit.slice(0, 7)}`, b)),
			line('now', figures),
			`budget   throughput kept when exporting (CPU per request, off / exporting, median of the rounds) at least ${BUDGET}: ${figures.ratio.toFixed(2)} ${pass ? 'PASS' : 'FAIL'}`,
			'',
		].join('\n'),
	)
	return { pass, figures }
}

export async function runTelemetryBench() {
	const receiver = await startReceiver()
	const env = { RATE_LIMITS: 'global=100000000/60,signup=1000/3600' }
	const exportingEnv = {
		...env,
		OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
		OTEL_SERVICE_NAME: 'generation-studio-bench',
	}
	try {
		return await onBenchServer(env, (off, offCookie) =>
			onBenchServer(exportingEnv, (exporting, exportingCookie) =>
				compare({ off: { server: off, cookie: offCookie }, exporting: { server: exporting, cookie: exportingCookie } }),
			),
		)
	} finally {
		await receiver.close()
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runTelemetryBench().then(result => process.exit(result.pass ? 0 : 1))
}
