/**
 * Page throughput of the built server (production mode, embedded database) against a bare baseline measured in
 * the same run: Express + React renderToString of a page as large as our landing page, no middleware. Budgets:
 *   - rendered signed-out GET / (a cookie steps past the page cache): at least 50% of the baseline's throughput;
 *   - rendered signed-in /library (a page of generations) and /chat/:id (20 messages): at least 35% of it;
 *   - 50 connections on the signed-in chat page for 30 s: no errors, p99 under 250 ms.
 * The cached landing page is printed too, beside the figure rendered on every request. Each figure is printed
 * beside the one recorded before the render-speed work (tests/bench/before.json).
 * Run alone: `npx tsx tests/bench/http.bench.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url'
import type { RunningServer } from '#tests/support/server.ts'
import { cpuMs, importConversation, load, onBenchServer, reportRuns, RUNS, startBaseline } from './support.ts'
import type { Budget, Figures, LoadFigures } from './support.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30)
const LIBRARY_ITEMS = 8

export const HTTP_BUDGETS: Budget[] = [
	{ key: 'anon_rendered_ratio', label: 'rendered signed-out GET /, % of baseline req/s', unit: '%', min: 50 },
	{ key: 'library_ratio', label: 'rendered signed-in /library, % of baseline req/s', unit: '%', min: 35 },
	{ key: 'chat20_ratio', label: 'rendered /chat/:id (20 messages), % of baseline', unit: '%', min: 35 },
	{ key: 'load50_errors', label: '50 connections on /chat/:id for 30 s: errors', unit: '', max: 0, inclusive: true },
	{ key: 'load50_p99', label: '50 connections on /chat/:id for 30 s: p99', unit: 'ms', max: 250 },
]

const INFO = [
	{ key: 'baseline_rps', label: 'baseline req/s (Express + renderToString)', unit: '' },
	{ key: 'anon_cached_rps', label: 'signed-out GET / from the page cache, req/s', unit: '' },
	{ key: 'anon_cached_ratio', label: 'signed-out GET / from the page cache, % of baseline', unit: '%' },
	{ key: 'anon_rendered_rps', label: 'rendered signed-out GET /, req/s', unit: '' },
	{ key: 'anon_rendered_p50', label: 'rendered signed-out GET /, p50 at 10 connections', unit: 'ms' },
	{ key: 'library_rps', label: 'rendered /library, req/s', unit: '' },
	{ key: 'library_p50', label: 'rendered /library, p50 at 10 connections', unit: 'ms' },
	{ key: 'chat20_rps', label: 'rendered /chat/:id (20 messages), req/s', unit: '' },
	{ key: 'chat20_p50', label: 'rendered /chat/:id (20 messages), p50', unit: 'ms' },
	{ key: 'load50_rps', label: '50 connections on /chat/:id, req/s', unit: '' },
	{ key: 'baseline_cpu_ms', label: 'baseline: CPU ms per request', unit: 'ms' },
	{ key: 'anon_rendered_cpu_ms', label: 'rendered signed-out GET /: server CPU ms per request', unit: 'ms' },
	{ key: 'library_cpu_ms', label: 'rendered /library: server CPU ms per request', unit: 'ms' },
	{ key: 'chat20_cpu_ms', label: 'rendered /chat/:id (20): server CPU ms per request', unit: 'ms' },
] as const

function row(name: string, f: LoadFigures) {
	return `  ${name.padEnd(16)} ${f.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors + f.non2xx}`
}

/** A few finished image generations (offline provider), so the library page shows a page of tiles. */
async function seedLibrary(server: RunningServer, cookie: string) {
	const ids: string[] = []
	for (let i = 0; i < LIBRARY_ITEMS; i++) {
		const response = await fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: { Cookie: cookie, 'Content-Type': 'application/json' },
			body: JSON.stringify({ prompt: `A lighthouse on a cliff at dawn, study ${i}`, size: '512x512', n: 1 }),
		})
		const body = (await response.json()) as { generation?: { id: string } }
		if (response.status !== 202 || !body.generation) throw new Error(`generation failed: ${response.status}`)
		ids.push(body.generation.id)
	}
	const deadline = Date.now() + 60_000
	for (const id of ids) {
		for (;;) {
			const body = (await (
				await fetch(`${server.url}/api/generations/${id}`, { headers: { Cookie: cookie } })
			).json()) as {
				generation?: { status: string }
			}
			if (body.generation?.status === 'succeeded') break
			if (body.generation?.status === 'failed' || Date.now() > deadline)
				throw new Error(`generation ${id} did not finish: ${JSON.stringify(body)}`)
			await new Promise(resolve => setTimeout(resolve, 100))
		}
	}
}

async function measureOnce(server: RunningServer, cookie: string, chatId: string, seconds: number): Promise<Figures> {
	const html = await (await fetch(`${server.url}/`)).text()
	const baseline = await startBaseline(html.length)
	const signedIn = [`Cookie=${cookie}`]
	const chatUrl = `${server.url}/chat/${chatId}`
	try {
		// Warm up, then measure one after the other so they do not share the two cores. The baseline runs first
		// and last and counts as the mean of both, so drift in what else the machine is doing evens out.
		for (const [url, headers] of [
			[`${server.url}/`, ['Cookie=bench=1']],
			[`${server.url}/library`, signedIn],
			[chatUrl, signedIn],
			[baseline.url, []],
		] as const)
			await load(url, 2, { headers: [...headers] })
		const pid = server.child.pid ?? 0
		/** A load run, with the CPU time the measured server spent per request. */
		const measure = async (url: string, headers: string[], serverPid: number) => {
			const before = cpuMs(serverPid)
			const figures = await load(url, seconds, { headers })
			const requests = figures.requestsPerSecond * seconds
			return { ...figures, cpuPerRequest: requests > 0 ? (cpuMs(serverPid) - before) / requests : NaN }
		}
		const baseFirst = await measure(baseline.url, [], process.pid)
		// With a cookie the page cache steps aside: every request renders through Remix and React.
		const rendered = await measure(`${server.url}/`, ['Cookie=bench=1'], pid)
		const library = await measure(`${server.url}/library`, signedIn, pid)
		const chat20 = await measure(chatUrl, signedIn, pid)
		const cached = await load(`${server.url}/`, seconds)
		const baseLast = await measure(baseline.url, [], process.pid)
		const base = (baseFirst.requestsPerSecond + baseLast.requestsPerSecond) / 2
		const load50 = await load(chatUrl, LOAD_SECONDS, { headers: signedIn, connections: 50 })
		const pct = (f: LoadFigures) => (f.requestsPerSecond / base) * 100
		process.stdout.write(
			[
				`GET / is ${html.length} bytes; ${seconds}s each at 10 connections, then ${LOAD_SECONDS}s at 50`,
				row('baseline first', baseFirst),
				row('rendered /', rendered),
				row('/library', library),
				row('/chat/:id (20)', chat20),
				row('cached /', cached),
				row('baseline last', baseLast),
				row('50 conn /chat', load50),
				'',
			].join('\n'),
		)
		return {
			baseline_rps: base,
			anon_cached_rps: cached.requestsPerSecond,
			anon_cached_ratio: pct(cached),
			anon_rendered_rps: rendered.requestsPerSecond,
			anon_rendered_ratio: pct(rendered),
			anon_rendered_p50: rendered.p50,
			library_rps: library.requestsPerSecond,
			library_ratio: pct(library),
			library_p50: library.p50,
			chat20_rps: chat20.requestsPerSecond,
			chat20_ratio: pct(chat20),
			chat20_p50: chat20.p50,
			load50_rps: load50.requestsPerSecond,
			load50_p99: load50.p99,
			load50_errors: load50.errors + load50.non2xx,
			baseline_cpu_ms: (baseFirst.cpuPerRequest + baseLast.cpuPerRequest) / 2,
			anon_rendered_cpu_ms: rendered.cpuPerRequest,
			library_cpu_ms: library.cpuPerRequest,
			chat20_cpu_ms: chat20.cpuPerRequest,
		}
	} finally {
		await baseline.close()
	}
}

export async function runHttpBench(seconds = SECONDS) {
	// Only through configuration: the global per-IP limit would otherwise refuse the load.
	const env = { RATE_LIMITS: 'global=100000000/60,signup=1000/3600,generation=100000/60,write=100000/60' }
	return onBenchServer(env, async (server, cookie) => {
		await seedLibrary(server, cookie)
		const chatId = await importConversation(server, cookie, 20)
		const runs: Figures[] = []
		for (let i = 0; i < RUNS; i++) runs.push(await measureOnce(server, cookie, chatId, seconds))
		return reportRuns('Rendered pages', HTTP_BUDGETS, INFO, runs)
	})
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runHttpBench().then(result => process.exit(result.pass ? 0 : 1))
}
