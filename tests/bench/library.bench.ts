/**
 * Library budgets, measured on the built product on the embedded database (PGlite, the default deployment):
 *   1. `/library` for a user with 10,000 items, server render p50 < 30 ms (sequential requests, the page's whole
 *      HTML read: the first page of 48 tiles, the count of all 10,000, the model choices).
 *   2. a zip of 100 chosen files (`POST /library/download`): the first byte of the body in < 200 ms p50, while the
 *      rest is still being made.
 * The items are written straight into the database (and 100 pictures into media storage) between a first start,
 * which signs the user up, and a second, which is measured. Run alone: `npx tsx tests/bench/library.bench.ts`
 * (after `npm run build`).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createLocalStorage } from '#server/storage/index.ts'
import { outputOf } from '#tests/support/generations.ts'
import { png } from '#tests/support/samples.ts'
import {
	BENCH_ENV,
	benchUserId,
	cpuMs,
	onSeededServer,
	openBenchDb,
	printBudgets,
	printFigures,
	stats,
} from './support.ts'
import type { Before, Budget, Figures } from './support.ts'

const ITEMS = 10_000
const FILES = 100
const SAMPLES = 60
const ZIP_SAMPLES = 15

export const LIBRARY_BUDGETS: Budget[] = [
	{ key: 'library10k_render_p50', label: 'library, 10,000 items: server render p50', unit: 'ms', max: 30 },
	{ key: 'zip100_first_byte_p50', label: 'zip of 100 files: first byte p50', unit: 'ms', max: 200 },
]

/**
 * The same figures measured on the code before the count and the page's query changed (`library-before.json`, the
 * commit it names); compare them with a run on a machine as busy, the CPU per render more than the wall clock.
 */
function readLibraryBefore(): Before | null {
	const file = path.resolve('tests/bench/library-before.json')
	return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Before) : null
}

/** 10,000 generations for the user, the newest 100 with a picture each in media storage; the ids of those 100. */
export async function seedItems(dataDir: string): Promise<string[]> {
	const { db, config } = await openBenchDb(dataDir)
	try {
		const storage = createLocalStorage({ root: config.mediaDir, secrets: [BENCH_ENV.SESSION_SECRET] })
		const userId = await benchUserId(db)
		await db.privileged(tx =>
			tx.query(
				`insert into generations (user_id, kind, status, provider, model, prompt, created_at)
				 select $1, (array['image', 'video', 'audio'])[1 + i % 3], 'succeeded', 'offline',
					(array['offline:image', 'offline:video', 'offline:speech'])[1 + i % 3],
					'Bench item ' || i || ': a lighthouse on a cliff at dawn', now() - interval '1 day' - i * interval '1 second'
				 from generate_series(1, $2::int) i`,
				[userId, ITEMS - FILES],
			),
		)
		const ids: string[] = []
		for (let i = 0; i < FILES; i++) {
			const stored = await storage.put({
				bucket: 'media',
				userId,
				data: png(256, 256, [i * 2, 255 - i * 2, 128]),
				filename: `bench-${i}.png`,
			})
			const { rows } = await db.privileged(tx =>
				tx.query<{ id: string }>(
					`insert into generations (user_id, kind, status, provider, model, prompt, outputs)
					 values ($1, 'image', 'succeeded', 'offline', 'offline:image', $2, $3) returning id`,
					[userId, `Bench picture ${i}`, JSON.stringify([outputOf(stored)])],
				),
			)
			ids.push(rows[0]?.id ?? '')
		}
		return ids
	} finally {
		await db.close()
	}
}

export async function runLibraryBench() {
	return onSeededServer(
		{ name: 'library', rateLimits: 'global=100000000/60,signup=1000/3600,archive=100000/60' },
		seedItems,
		async (server, cookie, ids) => {
			const page = () => fetch(`${server.url}/library`, { headers: { Cookie: cookie } }).then(r => r.text())
			for (let i = 0; i < 5; i++) await page()
			const samples: number[] = []
			let html = ''
			const cpuBefore = cpuMs(server.child.pid ?? 0)
			for (let i = 0; i < SAMPLES; i++) {
				const started = performance.now()
				html = await page()
				samples.push(performance.now() - started)
			}
			// The server's CPU time per render does not grow while other work on the machine makes a request wait.
			const cpuPerRender = (cpuMs(server.child.pid ?? 0) - cpuBefore) / SAMPLES
			const count = /data-library-count="(\d+)"/.exec(html)?.[1]
			const tiles = (html.match(/data-library-item=/g) ?? []).length
			if (Number(count) !== ITEMS) throw new Error(`the library counted ${count ?? 'nothing'}, not ${ITEMS}`)
			const render = stats(samples)

			const body = new URLSearchParams({ intent: 'download' })
			for (const id of ids) body.set(`item:generation:${id}`, '1')
			const firstBytes: number[] = []
			const totals: number[] = []
			let size = 0
			for (let i = 0; i < ZIP_SAMPLES + 2; i++) {
				const started = performance.now()
				const response = await fetch(`${server.url}/library/download`, {
					method: 'POST',
					headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
					body,
				})
				if (response.status !== 200 || !response.body)
					throw new Error(`zip: ${response.status} ${await response.text()}`)
				const reader = response.body.getReader()
				let chunk = await reader.read()
				const firstByte = performance.now() - started
				size = 0
				while (!chunk.done) {
					size += chunk.value.length
					chunk = await reader.read()
				}
				// The first two warm up.
				if (i >= 2) {
					firstBytes.push(firstByte)
					totals.push(performance.now() - started)
				}
			}
			const zip = stats(firstBytes)
			process.stdout.write(
				`library: ${ITEMS} items, ${tiles} tiles on the first page; render p50 ${render.p50.toFixed(1)} ms, p95 ${render.p95.toFixed(1)} ms\n` +
					`zip of ${FILES} files (${(size / 1024).toFixed(0)} KB): first byte p50 ${zip.p50.toFixed(1)} ms, ` +
					`p95 ${zip.p95.toFixed(1)} ms; whole zip p50 ${stats(totals).p50.toFixed(1)} ms\n`,
			)
			const figures: Figures = {
				library10k_render_p50: render.p50,
				zip100_first_byte_p50: zip.p50,
				library10k_render_p95: render.p95,
				library10k_cpu_ms: cpuPerRender,
			}
			const before = readLibraryBefore()
			const pass = printBudgets('Library', LIBRARY_BUDGETS, figures, before)
			printFigures(
				[
					{ key: 'library10k_render_p95', label: 'library, 10,000 items: server render p95', unit: 'ms' },
					{ key: 'library10k_cpu_ms', label: 'library, 10,000 items: server CPU per render', unit: 'ms' },
				],
				figures,
				before,
			)
			return { pass, figures }
		},
	)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runLibraryBench().then(result => process.exit(result.pass ? 0 : 1))
}
