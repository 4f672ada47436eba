/**
 * What the benches share: autocannon runs, the bare Express + renderToString baseline, the built server started,
 * signed up on and stopped (`onBenchServer`, `onSeededServer`), seeding a conversation on it, percentiles, and the
 * budget table that prints each figure of this run beside the figure recorded before the render-speed work
 * (tests/bench/before.json).
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import express from 'express'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { loadConfig, type Config } from '#server/config.ts'
import { createPgliteDb, pgliteDataDir, type Db } from '#server/db/index.ts'
import { makeTempDir } from '#tests/support/database.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'

const run = promisify(execFile)
const AUTOCANNON = path.resolve('node_modules/autocannon/autocannon.js')

export type LoadFigures = { requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number }

/** autocannon in its own process, so its work does not count against the server it measures. */
export async function load(
	url: string,
	seconds: number,
	options: { headers?: string[]; connections?: number } = {},
): Promise<LoadFigures> {
	const headerArgs = (options.headers ?? []).flatMap(h => ['-H', h])
	const { stdout } = await run(
		process.execPath,
		[AUTOCANNON, '-c', String(options.connections ?? 10), '-d', String(seconds), '-j', ...headerArgs, url],
		{ maxBuffer: 10 * 1024 * 1024 },
	)
	const result = JSON.parse(stdout) as {
		requests: { average: number }
		latency: { p50: number; p99: number }
		errors: number
		timeouts: number
		non2xx: number
	}
	return {
		requestsPerSecond: result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99,
		errors: result.errors + result.timeouts,
		non2xx: result.non2xx,
	}
}

/** A bare Express app whose page, rendered by React on every request, is as large as ours. */
export async function startBaseline(targetBytes: number) {
	const paragraph = 'Generation Studio baseline paragraph with a little text in it. '
	const page = (count: number) =>
		createElement(
			'html',
			null,
			createElement('head', null, createElement('title', null, 'Baseline')),
			createElement(
				'body',
				null,
				Array.from({ length: count }, (_, i) => createElement('p', { key: i, className: 'text-zinc-300' }, paragraph)),
			),
		)
	let count = 1
	while (`<!DOCTYPE html>${renderToString(page(count))}`.length < targetBytes) count++
	const app = express()
	app.get('/', (_req, res) => {
		res.type('html').send(`<!DOCTYPE html>${renderToString(page(count))}`)
	})
	const server = http.createServer(app)
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
		close: () => new Promise<void>(resolve => server.close(() => resolve())),
	}
}

/**
 * CPU time a process has used so far, in ms (Linux /proc; NaN elsewhere). CPU per request does not grow when other
 * work on the machine makes a request wait, so it is printed beside the wall-clock figures.
 */
export function cpuMs(pid: number): number {
	if (pid === process.pid) {
		const { user, system } = process.cpuUsage()
		return (user + system) / 1000
	}
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
		// utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
		return (Number(fields[11]) + Number(fields[12])) * 10
	} catch {
		return NaN
	}
}

export type Stats = { p50: number; p95: number; max: number }

export function stats(samples: number[]): Stats {
	const sorted = [...samples].sort((a, b) => a - b)
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
	return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 }
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b)
	const mid = Math.floor(sorted.length / 2)
	if (sorted.length === 0) return NaN
	return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** The environment the benches start the built server with (production mode, embedded database). */
export const BENCH_ENV = {
	NODE_ENV: 'production',
	SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
	PUBLIC_URL: 'http://127.0.0.1',
	// The start-up line (info) tells the harness the port.
	LOG_LEVEL: 'info',
} as const

/** Signs up without an Origin header: in production the origin check wants PUBLIC_URL's port, unknown before start. */
export async function signUp(server: RunningServer): Promise<string> {
	const response = await fetch(`${server.url}/signup`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			name: 'Bench',
			email: `bench-${randomUUID().slice(0, 8)}@example.test`,
			password: 'correct horse battery staple',
			website: '',
		}),
	})
	const cookie = response.headers
		.getSetCookie()
		.map(c => c.split(';')[0])
		.join('; ')
	if (response.status !== 303 || !cookie) throw new Error(`sign-up failed: ${response.status}`)
	return cookie
}

/** The user the bench signed up (the newest), for seeding their rows straight into the database. */
export async function benchUserId(db: Db): Promise<string> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ id: string }>('select id from users order by created_at desc limit 1'),
	)
	const userId = rows[0]?.id
	if (!userId) throw new Error('no user to seed')
	return userId
}

/** A reply as long and as varied as real ones: paragraphs, a list, now and then a code block. */
export function replyText(n: number): string {
	const paragraph = `Point ${n}: the answer depends on the **context** and on what you want to optimise for; here is the short version, with a [reference](https://example.com/${n}).`
	const list = ['- first, measure', '- then change one thing', '- measure again'].join('\n')
	const code =
		n % 5 === 0
			? `\n\n\`\`\`ts\nexport function step${n}(input: number): number {\n\treturn input * ${n}\n}\n\`\`\``
			: ''
	return `${paragraph}\n\n${list}${code}\n\n${paragraph}`
}

/** Imports a conversation whose branch holds `length` alternating messages (plus one sibling of the first). */
export async function importConversation(server: RunningServer, cookie: string, length: number): Promise<string> {
	const messages = Array.from({ length }, (_, i) => ({
		id: `m${i}`,
		parentId: i === 0 ? null : `m${i - 1}`,
		role: i % 2 === 0 ? 'user' : 'assistant',
		content: i % 2 === 0 ? `Question ${i}: how should I approach part ${i} of the project?` : replyText(i),
		model: i % 2 === 0 ? null : 'offline:chat',
	}))
	// A second version of an early message, so the branch has siblings to count.
	messages.push({ id: 'alt', parentId: null, role: 'user', content: 'An earlier first question', model: null })
	const file = {
		format: 'generation-studio-conversation',
		version: 1,
		conversation: { title: `${length} messages`, model: 'openai:gpt-4o-mini' },
		currentLeafId: `m${length - 1}`,
		messages,
	}
	const body = new FormData()
	body.set('intent', 'import')
	body.append('file', new Blob([JSON.stringify(file)], { type: 'application/json' }), 'conversation.json')
	const response = await fetch(`${server.url}/chat?index`, {
		method: 'POST',
		redirect: 'manual',
		headers: { Cookie: cookie },
		body,
	})
	const id = /^\/chat\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1]
	if (!id) throw new Error(`import failed: ${response.status} ${await response.text()}`)
	return id
}

/** A figure this run measured, by a stable key (the key under which before.json records it). */
export type Figures = Record<string, number>

export type Budget = {
	key: string
	label: string
	unit: '%' | 'ms' | ''
	/** The figure must be at least (`min`) or below (`max`, strictly; `max: 0` with `inclusive` means "none"). */
	min?: number
	max?: number
	inclusive?: boolean
}

export function passes(budget: Budget, value: number): boolean {
	if (Number.isNaN(value)) return false
	if (budget.min !== undefined && value < budget.min) return false
	if (budget.max !== undefined && (budget.inclusive ? value > budget.max : value >= budget.max)) return false
	return true
}

export type Before = { commit: string; recordedAt: string; runs: number; note: string; figures: Figures }

export const BEFORE_PATH = path.resolve('tests/bench/before.json')

export function readBefore(): Before | null {
	if (!existsSync(BEFORE_PATH)) return null
	return JSON.parse(readFileSync(BEFORE_PATH, 'utf8')) as Before
}

function show(value: number | undefined, unit: Budget['unit']): string {
	if (value === undefined || Number.isNaN(value)) return '—'
	const digits = unit === 'ms' && value < 100 ? 1 : 0
	return `${value.toFixed(digits)}${unit === '' ? '' : ` ${unit}`}`.replace(' %', '%')
}

function limitText(budget: Budget): string {
	if (budget.min !== undefined) return `≥ ${show(budget.min, budget.unit)}`
	if (budget.max !== undefined) return `${budget.inclusive ? '≤' : '<'} ${show(budget.max, budget.unit)}`
	return ''
}

/** The side-by-side table: before (recorded), now (this run), budget, verdict. Returns whether all pass. */
export function printBudgets(title: string, budgets: Budget[], now: Figures, before: Before | null): boolean {
	const header = before ? `before (${before.commit.slice(0, 7)})` : 'before'
	const lines = [`${title}`, `  ${'figure'.padEnd(52)} ${header.padStart(18)} ${'now'.padStart(10)}   budget`]
	let all = true
	for (const budget of budgets) {
		const value = now[budget.key] ?? NaN
		const ok = passes(budget, value)
		all &&= ok
		lines.push(
			`  ${budget.label.padEnd(52)} ${show(before?.figures[budget.key], budget.unit).padStart(18)} ${show(value, budget.unit).padStart(10)}   ${limitText(budget).padEnd(9)} ${ok ? 'PASS' : 'FAIL'}`,
		)
	}
	process.stdout.write(`${lines.join('\n')}\n`)
	return all
}

/** Informational figures (no budget) beside their before values. */
export function printFigures(
	rows: { key: string; label: string; unit: Budget['unit'] }[],
	now: Figures,
	before: Before | null,
) {
	const lines = rows.map(
		r =>
			`  ${r.label.padEnd(52)} ${show(before?.figures[r.key], r.unit).padStart(18)} ${show(now[r.key], r.unit).padStart(10)}`,
	)
	process.stdout.write(`${lines.join('\n')}\n`)
}

/** How many times each bench repeats its measurements; the table shows the medians. */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1))

/** Median of each figure over the runs. */
export function medians(runs: Figures[]): Figures {
	const keys = new Set(runs.flatMap(r => Object.keys(r)))
	return Object.fromEntries([...keys].map(k => [k, median(runs.map(r => r[k] ?? NaN).filter(v => !Number.isNaN(v)))]))
}

/**
 * `BENCH_RECORD_BEFORE=<commit>` stores this run's medians as the "before" figures (merged by key, so each bench
 * records its own), with the commit of the code they were measured on.
 */
export function recordBeforeIfAsked(figures: Figures) {
	const commit = process.env.BENCH_RECORD_BEFORE
	if (!commit) return
	const previous = readBefore()
	const next: Before = {
		commit,
		recordedAt: new Date().toISOString(),
		runs: RUNS,
		note: 'Medians of npm run bench on the code of this commit, before the render-speed changes; the two-core machine was shared, so compare ratios measured in one run.',
		figures: { ...(previous?.commit === commit ? previous.figures : {}), ...figures },
	}
	writeFileSync(BEFORE_PATH, `${JSON.stringify(next, null, '\t')}\n`)
}

/**
 * What a bench prints and returns after its runs: the medians (recorded as the "before" figures when asked), the
 * budget table titled with how many runs they are the median of, then the informational figures.
 */
export function reportRuns(
	title: string,
	budgets: Budget[],
	info: readonly { key: string; label: string; unit: Budget['unit'] }[],
	runs: Figures[],
): { pass: boolean; figures: Figures } {
	const figures = medians(runs)
	recordBeforeIfAsked(figures)
	const before = readBefore()
	const pass = printBudgets(`${title} (median of ${RUNS} run${RUNS > 1 ? 's' : ''})`, budgets, figures, before)
	printFigures([...info], figures, before)
	return { pass, figures }
}

/**
 * A bench's embedded database opened straight from its data directory, for seeding while no server holds it, with
 * the configuration a server on that directory would have (where its media go). Close the database after.
 */
export async function openBenchDb(dataDir: string): Promise<{ db: Db; config: Config }> {
	const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }, [])
	return { db: await createPgliteDb({ dataDir: pgliteDataDir(config) }), config }
}

/**
 * The built server, started with the bench environment and `env` (raised rate limits, a stub's address), while
 * `work` runs; stopped afterwards, whatever happens. `startTimeoutMs` gives the start longer than the default, where
 * a large database or a busy machine slows it.
 */
async function whileServing<T>(
	env: Record<string, string>,
	work: (server: RunningServer) => Promise<T>,
	startTimeoutMs?: number,
): Promise<T> {
	const server = await startServer({ ...BENCH_ENV, ...env }, startTimeoutMs)
	try {
		return await work(server)
	} finally {
		await server.stop()
	}
}

/** A bench on the built server as a person who has just signed up on it: `measure` gets the server and their cookie. */
export function onBenchServer<T>(
	env: Record<string, string>,
	measure: (server: RunningServer, cookie: string) => Promise<T>,
	startTimeoutMs?: number,
): Promise<T> {
	return whileServing(env, async server => measure(server, await signUp(server)), startTimeoutMs)
}

/**
 * A bench on an embedded database of its own, seeded while no server holds it: a first server migrates it and signs
 * a person up, `seed` writes rows straight into the data directory (`openBenchDb`), then `measure` runs against a
 * second server as that person. The directory goes afterwards, whatever happens.
 */
export async function onSeededServer<S, T>(
	options: { name: string; rateLimits: string; startTimeoutMs?: number },
	seed: (dataDir: string) => Promise<S>,
	measure: (server: RunningServer, cookie: string, seeded: S) => Promise<T>,
): Promise<T> {
	const dataDir = makeTempDir(`gs-bench-${options.name}-`)
	const env = { DATA_DIR: dataDir, RATE_LIMITS: options.rateLimits }
	try {
		const cookie = await onBenchServer(env, async (_first, cookie) => cookie, options.startTimeoutMs)
		const seeded = await seed(dataDir)
		return await whileServing(env, server => measure(server, cookie, seeded), options.startTimeoutMs)
	} finally {
		rmSync(dataDir, { recursive: true, force: true })
	}
}
