/**
 * Image studio budgets, measured on the built product:
 *   1. `/images` for a user with 200 images (50 runs of 4), server render p50 < 30 ms (sequential requests, the
 *      page's whole HTML read).
 *   2. the thumbnail at the small width (the one a grid tile loads first): the largest of the 200 ≤ 30 KB.
 *   3. the JavaScript `/images` and `/generations/:id` ship (gzip) grows by ≤ 5 KB over what they shipped before
 *      the image studio (`images-before.json`, measured on the build of the commit it names).
 * Run alone: `npx tsx tests/bench/images.bench.ts` (after `npm run build`).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { RunningServer } from '#tests/support/server.ts'
import { routeJavaScript } from './pages.bench.ts'
import { onBenchServer, printBudgets, stats } from './support.ts'
import type { Budget, Figures } from './support.ts'

const RUNS_OF_FOUR = 50
const SAMPLES = 60

export const IMAGE_BUDGETS: Budget[] = [
	{ key: 'gallery200_render_p50', label: 'image gallery, 200 images: server render p50', unit: 'ms', max: 30 },
	{
		key: 'thumb_small_max_kb',
		label: 'thumbnail at the small width, largest of 200 (KB)',
		unit: '',
		max: 30,
		inclusive: true,
	},
	{
		key: 'konva_upfront_routes',
		label: 'pages that load konva up front (the editor fetches it on demand)',
		unit: '',
		max: 0,
		inclusive: true,
	},
	{ key: 'images_js_growth_kb', label: 'JavaScript of /images, growth, gzip (KB)', unit: '', max: 5, inclusive: true },
	{
		key: 'generation_js_growth_kb',
		label: 'JavaScript of /generations/:id, growth, gzip (KB)',
		unit: '',
		max: 5,
		inclusive: true,
	},
]

type Output = { thumbnails?: Array<{ url: string; width: number; size: number }> }

/** 200 images for one user: 50 runs of 4, each waited for until it has succeeded. */
export async function seedImages(server: Pick<RunningServer, 'url'>, cookie: string): Promise<Output[]> {
	const ids: string[] = []
	for (let i = 0; i < RUNS_OF_FOUR; i++) {
		const response = await fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: { Cookie: cookie, 'Content-Type': 'application/json' },
			body: JSON.stringify({
				prompt: `A lighthouse on a cliff at dawn, study ${i}`,
				size: i % 3 === 0 ? '1536x1024' : '1024x1024',
				n: 4,
			}),
		})
		const body = (await response.json()) as { generation?: { id: string } }
		if (response.status !== 202 || !body.generation) throw new Error(`generation failed: ${response.status}`)
		ids.push(body.generation.id)
	}
	const outputs: Output[] = []
	const deadline = Date.now() + 300_000
	for (const id of ids) {
		for (;;) {
			const response = await fetch(`${server.url}/api/generations/${id}`, { headers: { Cookie: cookie } })
			const body = (await response.json()) as { generation?: { status: string; outputs: Output[] } }
			if (body.generation?.status === 'succeeded') {
				outputs.push(...body.generation.outputs)
				break
			}
			if (body.generation?.status === 'failed' || Date.now() > deadline)
				throw new Error(`generation ${id} did not finish: ${JSON.stringify(body)}`)
			await new Promise(resolve => setTimeout(resolve, 200))
		}
	}
	return outputs
}

type BuildOutputs = Record<
	string,
	{ imports?: Array<{ path: string; kind: string }>; inputs?: Record<string, unknown> }
>

/**
 * Where konva goes in the build: the chunks holding it, their gzip size, and which pages load them up front
 * (a static import from the page's module, as a page load would) or only on demand (a dynamic import).
 */
export function konvaPlacement(root = process.cwd()) {
	const buildDir = path.join(root, 'public/build')
	const manifestFile = readdirSync(buildDir).find(f => /^manifest-.*\.js$/.test(f)) ?? ''
	const manifest = JSON.parse(
		readFileSync(path.join(buildDir, manifestFile), 'utf8')
			.replace(/^window\.__remixManifest=/, '')
			.replace(/;\s*$/, ''),
	) as { routes: Record<string, { id: string; module: string; imports?: string[] }> }
	const outputs = (
		JSON.parse(readFileSync(path.join(root, 'build/remix/metafile.js.json'), 'utf8')) as { outputs: BuildOutputs }
	).outputs
	const chunks = Object.entries(outputs)
		.filter(([, o]) => Object.keys(o.inputs ?? {}).some(i => i.includes('node_modules/konva/')))
		.map(([name]) => name)
	const kb = chunks.reduce((sum, c) => sum + gzipSync(readFileSync(path.join(root, c))).length / 1024, 0)
	const staticClosure = (start: string[]) => {
		const seen = new Set<string>()
		const queue = [...start]
		while (queue.length > 0) {
			const next = queue.pop()
			if (!next || seen.has(next)) continue
			seen.add(next)
			for (const i of outputs[next]?.imports ?? []) if (i.kind === 'import-statement') queue.push(i.path)
		}
		return seen
	}
	const upFront: string[] = []
	const onDemand: string[] = []
	for (const route of Object.values(manifest.routes)) {
		const loaded = staticClosure([route.module, ...(route.imports ?? [])].map(u => `public${u}`))
		if (chunks.some(c => loaded.has(c))) upFront.push(route.id)
		const dynamic = [...loaded].flatMap(o => (outputs[o]?.imports ?? []).filter(i => i.kind === 'dynamic-import'))
		if (dynamic.some(i => staticClosure([i.path]).has(chunks[0] ?? ''))) onDemand.push(route.id)
	}
	return { chunks, kb, upFront, onDemand }
}

type ImagesBefore = { commit: string; note: string; figures: Figures }

function readImagesBefore(): ImagesBefore {
	return JSON.parse(readFileSync(path.resolve('tests/bench/images-before.json'), 'utf8')) as ImagesBefore
}

export async function runImagesBench() {
	const before = readImagesBefore()
	const js = routeJavaScript()
	const kb = (route: string) => js.find(r => r.route === route)?.kb ?? NaN
	const env = { RATE_LIMITS: 'global=100000000/60,signup=1000/3600,generation=100000/60,write=100000/60' }
	return onBenchServer(env, async (server, cookie) => {
		const outputs = await seedImages(server, cookie)
		const small = outputs.map(o => o.thumbnails?.[0]?.size ?? NaN)
		// Warm up, then time whole responses one after another.
		for (let i = 0; i < 5; i++) await (await fetch(`${server.url}/images`, { headers: { Cookie: cookie } })).text()
		const samples: number[] = []
		let tiles = 0
		for (let i = 0; i < SAMPLES; i++) {
			const started = performance.now()
			const html = await (await fetch(`${server.url}/images`, { headers: { Cookie: cookie } })).text()
			samples.push(performance.now() - started)
			tiles = (html.match(/data-generation-id=/g) ?? []).length
		}
		const render = stats(samples)
		process.stdout.write(
			`gallery: ${outputs.length} images stored, ${tiles} tiles on the first page; render p50 ${render.p50.toFixed(1)} ms, p95 ${render.p95.toFixed(1)} ms\n` +
				`small thumbnails: largest ${(Math.max(...small) / 1024).toFixed(1)} KB, median ${(stats(small).p50 / 1024).toFixed(1)} KB\n` +
				`JavaScript, gzip: /images ${kb('routes/images').toFixed(1)} KB (before ${before.figures.images_js_gzip_kb} KB), ` +
				`/generations/:id ${kb('routes/generations.$id').toFixed(1)} KB (before ${before.figures.generation_js_gzip_kb} KB)\n`,
		)
		const konva = konvaPlacement()
		process.stdout.write(
			`konva: ${konva.chunks.join(', ')} (${konva.kb.toFixed(1)} KB gzip); loaded up front by [${konva.upFront.join(', ')}], ` +
				`on demand by [${konva.onDemand.join(', ')}]\n`,
		)
		const figures: Figures = {
			konva_upfront_routes: konva.chunks.length === 0 ? NaN : konva.upFront.length,
			gallery200_render_p50: render.p50,
			thumb_small_max_kb: Math.max(...small) / 1024,
			images_js_growth_kb: kb('routes/images') - (before.figures.images_js_gzip_kb ?? NaN),
			generation_js_growth_kb: kb('routes/generations.$id') - (before.figures.generation_js_gzip_kb ?? NaN),
		}
		const pass = printBudgets('Image studio', IMAGE_BUDGETS, figures, null)
		return { pass, figures }
	})
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runImagesBench().then(result => process.exit(result.pass ? 0 : 1))
}
