/**
 * Page budgets, measured on the built product:
 *   1. the JavaScript each page route ships, gzip: the browser entry, then root and every route down to the
 *      page, with each module's static imports followed through the build's metafile (what the browser
 *      loads before the page is interactive; lazy chunks such as Mermaid are left out). The chat page: ≤ 110 KB.
 *   2. the chat page's Largest Contentful Paint in Chromium with the CPU slowed 6× (CDP
 *      Emulation.setCPUThrottlingRate), signed in, a 40-message conversation, a fresh browser context each run
 *      (nothing cached): median ≤ 2.5 s.
 * Run alone: `npx tsx tests/bench/pages.bench.ts` (after `npm run build`).
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { chromium } from '@playwright/test'
import { chromiumLaunchOptions } from '#tests/support/chromium.ts'
import { importConversation, median, onBenchServer, printBudgets, readBefore, recordBeforeIfAsked } from './support.ts'
import type { Budget, Figures } from './support.ts'

const LCP_RUNS = Number(process.env.BENCH_LCP_RUNS ?? 3)
const CHAT_LENGTH = 40

export const PAGE_BUDGETS: Budget[] = [
	{ key: 'chat_js_gzip_kb', label: 'JavaScript of the chat page, gzip (KB)', unit: '', max: 110, inclusive: true },
	{
		key: 'chat_lcp_ms',
		label: 'chat page LCP, CPU 6× slower, uncached: median',
		unit: 'ms',
		max: 2500,
		inclusive: true,
	},
]

type Manifest = {
	entry: { module: string; imports?: string[] }
	routes: Record<
		string,
		{ id: string; parentId?: string; path?: string; index?: boolean; module: string; imports?: string[] }
	>
}
type Metafile = { outputs: Record<string, { imports?: { path: string; kind: string }[]; exports?: string[] }> }

/** Per page route: the gzip size, in KB, of every JavaScript file the browser loads for it. */
export function routeJavaScript(root = process.cwd()): { route: string; kb: number; files: number }[] {
	const buildDir = path.join(root, 'public/build')
	const manifestFile = readdirSync(buildDir).find(f => /^manifest-.*\.js$/.test(f))
	if (!manifestFile) throw new Error('No public/build/manifest-*.js: run `npm run build` first')
	const manifest = JSON.parse(
		readFileSync(path.join(buildDir, manifestFile), 'utf8')
			.replace(/^window\.__remixManifest=/, '')
			.replace(/;\s*$/, ''),
	) as Manifest
	const metafile = JSON.parse(readFileSync(path.join(root, 'build/remix/metafile.js.json'), 'utf8')) as Metafile
	// Metafile outputs are named from the project root (public/build/…); the manifest names URLs (/build/…).
	const toOutput = (url: string) => `public${url}`
	const gzipKb = new Map<string, number>()
	const sizeOf = (output: string) => {
		let kb = gzipKb.get(output)
		if (kb === undefined) {
			kb = gzipSync(readFileSync(path.join(root, output))).length / 1024
			gzipKb.set(output, kb)
		}
		return kb
	}
	const closure = (urls: string[]) => {
		const seen = new Set<string>()
		const queue = urls.map(toOutput)
		while (queue.length > 0) {
			const output = queue.pop()
			if (!output || seen.has(output)) continue
			seen.add(output)
			for (const imported of metafile.outputs[output]?.imports ?? []) {
				if (imported.kind === 'import-statement') queue.push(imported.path)
			}
		}
		return seen
	}
	const rows: { route: string; kb: number; files: number }[] = []
	for (const route of Object.values(manifest.routes)) {
		// Pages only: resource routes (api.*, sign-out, the theme form) render nothing and ship no page.
		if (route.id === 'root' || !metafile.outputs[toOutput(route.module)]?.exports?.includes('default')) continue
		const chain: string[] = []
		for (let r: typeof route | undefined = route; r; r = r.parentId ? manifest.routes[r.parentId] : undefined) {
			chain.push(r.module, ...(r.imports ?? []))
		}
		const files = closure([manifest.entry.module, ...(manifest.entry.imports ?? []), ...chain])
		const kb = [...files].reduce((sum, f) => sum + sizeOf(f), 0)
		rows.push({ route: route.id, kb, files: files.size })
	}
	return rows.sort((a, b) => a.route.localeCompare(b.route))
}

async function chatLcp(): Promise<number[]> {
	return onBenchServer({}, async (server, cookie) => {
		const browser = await chromium.launch(chromiumLaunchOptions)
		try {
			const id = await importConversation(server, cookie, CHAT_LENGTH)
			const samples: number[] = []
			for (let run = 0; run < LCP_RUNS; run++) {
				const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
				await context.addCookies(
					cookie.split('; ').map(pair => {
						const [name = '', ...value] = pair.split('=')
						// A production session cookie is `__Host-`: secure, host-only, path /.
						return { name, value: value.join('='), domain: '127.0.0.1', path: '/', secure: true, httpOnly: true }
					}),
				)
				const page = await context.newPage()
				const cdp = await context.newCDPSession(page)
				await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 })
				await page.goto(`${server.url}/chat/${id}`, { waitUntil: 'load' })
				const lcp = await page.evaluate(
					() =>
						new Promise<number>(resolve => {
							new PerformanceObserver(list => {
								const entries = list.getEntries()
								resolve(entries[entries.length - 1]?.startTime ?? NaN)
							}).observe({ type: 'largest-contentful-paint', buffered: true })
						}),
				)
				samples.push(lcp)
				await context.close()
			}
			return samples
		} finally {
			await browser.close()
		}
	})
}

export async function runPagesBench() {
	const rows = routeJavaScript()
	const before = readBefore()
	const lines = ['JavaScript shipped per page route (gzip; entry + root + route chain + static imports)']
	for (const row of rows)
		lines.push(`  ${row.route.padEnd(40)} ${row.kb.toFixed(1).padStart(7)} KB  (${row.files} files)`)
	process.stdout.write(`${lines.join('\n')}\n`)
	const chat = rows.find(r => r.route === 'routes/chat.$id')
	const lcp = await chatLcp()
	process.stdout.write(`chat page LCP samples (ms, CPU 6×, uncached): ${lcp.map(v => v.toFixed(0)).join(', ')}\n`)
	const figures: Figures = { chat_js_gzip_kb: chat?.kb ?? NaN, chat_lcp_ms: median(lcp) }
	recordBeforeIfAsked(figures)
	const pass = printBudgets('Page budgets', PAGE_BUDGETS, figures, before)
	return { pass }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	runPagesBench().then(
		result => process.exit(result.pass ? 0 : 1),
		(error: unknown) => {
			process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
			process.exit(1)
		},
	)
}
