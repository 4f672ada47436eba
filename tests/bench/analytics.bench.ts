/**
 * Analytics budget, measured on the built product on the embedded database (PGlite, the default deployment): a
 * user with 100,000 `api_usage` rows spread over the last year (five models, five capabilities, every few
 * minutes), `/analytics` server render p50 < 50 ms — this month, the last 30 days, and a custom range of 366 days
 * that holds all 100,000 rows (sequential requests, the whole HTML read). The CSV export of the year is printed too.
 *
 * First, the "before": the queries of the one-month page as it was (`usageSummary`, straight over `api_usage`),
 * on the same rows, with the server stopped. The rows are written straight into the database between a first
 * start, which signs the user up, and a second, which is measured. Run alone: `npx tsx
 * tests/bench/analytics.bench.ts` (after `npm run build`).
 */
import { pathToFileURL } from 'node:url'
import type { Db } from '#server/db/index.ts'
import { usageSummary } from '#server/domain/usage/index.ts'
import { addDays, utcDay } from '#server/domain/usage/schema.ts'
import { benchUserId, cpuMs, onSeededServer, openBenchDb, printBudgets, stats } from './support.ts'
import type { Budget, Figures } from './support.ts'

const ROWS = 100_000
const SAMPLES = 40
const BEFORE_SAMPLES = 15

export const ANALYTICS_BUDGETS: Budget[] = [
	{ key: 'analytics100k_month_p50', label: 'analytics, 100,000 rows: this month, p50', unit: 'ms', max: 50 },
	{ key: 'analytics100k_30d_p50', label: 'analytics, 100,000 rows: last 30 days, p50', unit: 'ms', max: 50 },
	{ key: 'analytics100k_year_p50', label: 'analytics, 100,000 rows: 366 days (all), p50', unit: 'ms', max: 50 },
]

/** 100,000 ledger rows for the only user, one every ~5 minutes back from now over 365 days. */
async function seedUsage(db: Db): Promise<string> {
	const userId = await benchUserId(db)
	await db.privileged(tx =>
		tx.query(
			`insert into api_usage (user_id, provider, model, capability, input_tokens, output_tokens, units, unit, cost_micros, created_at)
			 select $1, 'offline',
				(array['openai:gpt-4o', 'offline:image', 'replicate:video', 'offline:speech', 'openai:gpt-4o-mini'])[1 + i % 5],
				(array['chat', 'image', 'video', 'speech', 'chat'])[1 + i % 5],
				case when i % 5 in (0, 4) then 200 + i % 900 end,
				case when i % 5 in (0, 4) then 50 + i % 400 end,
				case when i % 5 in (1, 2, 3) then 1 + i % 7 end,
				case i % 5 when 1 then 'image' when 2 then 'second' when 3 then 'character' end,
				100 + (i * 7919) % 90000,
				now() - (i * (365 * 86400 / $2::float8)) * interval '1 second'
			 from generate_series(0, $2::int - 1) i`,
			[userId, ROWS],
		),
	)
	await db.privileged(async tx => {
		await tx.query('analyze public.api_usage')
		await tx.query('analyze public.api_usage_daily')
	})
	return userId
}

async function timeIt(samples: number, fn: () => Promise<unknown>): Promise<number[]> {
	for (let i = 0; i < 3; i++) await fn()
	const times: number[] = []
	for (let i = 0; i < samples; i++) {
		const started = performance.now()
		await fn()
		times.push(performance.now() - started)
	}
	return times
}

/** Seeds the rows, then times the one-month page's queries as they were, on them, with the server stopped. */
async function seedAndMeasureBefore(dataDir: string): Promise<number> {
	const { db } = await openBenchDb(dataDir)
	try {
		const userId = await seedUsage(db)
		const summary = await usageSummary(db, userId, 25)
		const before = stats(await timeIt(BEFORE_SAMPLES, () => usageSummary(db, userId, 25))).p50
		process.stdout.write(
			`before: the one-month page's queries over api_usage (${summary.byDay.length} days this month, ` +
				`${summary.byModel.reduce((n, m) => n + m.calls, 0)} rows): p50 ${before.toFixed(1)} ms\n`,
		)
		return before
	} finally {
		await db.close()
	}
}

export async function runAnalyticsBench() {
	return onSeededServer(
		{ name: 'analytics', rateLimits: 'global=100000000/60,analytics=100000/60', startTimeoutMs: 300_000 },
		seedAndMeasureBefore,
		async (server, cookie, before) => {
			const today = utcDay(new Date())
			const year = `range=custom&from=${addDays(today, -365)}&to=${today}`
			const get = (path: string) =>
				fetch(`${server.url}${path}`, { headers: { Cookie: cookie } }).then(async r => {
					const body = await r.text()
					if (r.status !== 200) throw new Error(`${path}: ${r.status} ${body.slice(0, 200)}`)
					return body
				})
			const figures: Figures = {}
			for (const [key, path] of [
				['analytics100k_month_p50', '/analytics'],
				['analytics100k_30d_p50', '/analytics?range=30d'],
				['analytics100k_year_p50', `/analytics?${year}`],
			] as const) {
				const html = await get(path)
				const calls = /data-analytics-total-calls="">([\d,]+)</.exec(html)?.[1] ?? '0'
				// The server's CPU per render does not grow while other work on the machine makes a request wait.
				const cpuBefore = cpuMs(server.child.pid ?? 0)
				const s = stats(await timeIt(SAMPLES, () => get(path)))
				const cpu = (cpuMs(server.child.pid ?? 0) - cpuBefore) / (SAMPLES + 3)
				figures[key] = s.p50
				process.stdout.write(
					`${path}: ${calls} calls, ${(html.length / 1024).toFixed(0)} KB; p50 ${s.p50.toFixed(1)} ms, ` +
						`p95 ${s.p95.toFixed(1)} ms; server CPU per render ${cpu.toFixed(1)} ms\n`,
				)
				if (key === 'analytics100k_year_p50' && Number(calls.replace(/,/g, '')) !== ROWS) {
					throw new Error(`the year's page counted ${calls} calls, not ${ROWS}`)
				}
			}
			const csv = await get(`/analytics.csv?${year}`)
			const csvStats = stats(await timeIt(10, () => get(`/analytics.csv?${year}`)))
			process.stdout.write(
				`/analytics.csv (366 days): ${csv.split('\r\n').length - 2} lines; p50 ${csvStats.p50.toFixed(1)} ms\n`,
			)
			const pass = printBudgets('Analytics', ANALYTICS_BUDGETS, figures, null)
			return { pass, figures: { ...figures, analytics100k_before_month_queries_p50: before } }
		},
	)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	void runAnalyticsBench().then(result => process.exit(result.pass ? 0 : 1))
}
