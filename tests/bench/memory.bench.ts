/**
 * Memory of the built server (RSS from /proc, the whole process): idle on the embedded database (a first start,
 * which creates the database, and a restart on it), idle on Postgres (DATABASE_URL), and on the embedded
 * database over 50,000 signed-in requests. Budgets: idle embedded at most 250 MB; RSS after the run at most
 * 10% above RSS after the warm-up (the first 5,000 requests: code loading, JIT and caches filling are not growth).
 * It also prints how long each embedded start took to be ready, and to create and open the database (from its log).
 * Run alone: `npm run bench memory`.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { createScratchPostgresDatabase } from '#tests/support/database.ts'
import { signUp } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'

const run = promisify(execFile)
const AUTOCANNON = path.resolve('node_modules/autocannon/autocannon.js')
const REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 50_000)
const WARMUP = Math.min(5_000, Math.floor(REQUESTS / 10))
const IDLE_BUDGET_MB = 250
const GROWTH_BUDGET = 0.1
/** This bench on the two-core reference machine before each step of docs/decisions/009-embedded-database-memory.md. */
const BEFORE = [
	'before (PGlite defaults, initdb in-process): idle embedded first start 865 MB, restart 399 MB; postgres 156 MB; ' +
		'50,000 requests 540 MB after 5,000 -> 463 MB after 50,000',
	'before (initdb in a child process, 16 MB shared buffers; TurboFan tier-up, lucide-react loaded whole): ' +
		'idle embedded first start 288 MB, restart 283 MB; postgres 144 MB; 50,000 requests 571 MB after 5,000 -> 613 MB after 50,000',
]

/** A production server on a port known in advance, so PUBLIC_URL (required in production) matches it. */
async function productionEnv(): Promise<Record<string, string>> {
	const port = await new Promise<number>(resolve => {
		const probe = net.createServer().listen(0, '127.0.0.1', () => {
			const address = probe.address()
			probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
		})
	})
	return {
		NODE_ENV: 'production',
		SESSION_SECRET: 'bench-secret-'.padEnd(40, 'x'),
		PORT: String(port),
		PUBLIC_URL: `http://127.0.0.1:${port}`,
		LOG_LEVEL: 'info',
		RATE_LIMITS: 'global=100000000/60,signup=1000/60',
	}
}

function rssMb(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
	const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
	return Math.round(kb / 1024)
}

/** RSS once the process has settled: sampled until two readings a second apart differ by less than 2%. */
async function settledRss(server: RunningServer): Promise<number> {
	const pid = server.child.pid ?? 0
	let last = rssMb(pid)
	for (let i = 0; i < 15; i++) {
		await new Promise(resolve => setTimeout(resolve, 1000))
		const now = rssMb(pid)
		if (Math.abs(now - last) / last < 0.02) return now
		last = now
	}
	return last
}

async function ready(server: RunningServer) {
	for (let i = 0; i < 100; i++) {
		const response = await fetch(`${server.url}/readyz`).catch(() => null)
		if (response?.ok) return
		await new Promise(resolve => setTimeout(resolve, 200))
	}
	throw new Error(`not ready:\n${server.output()}`)
}

/** Milliseconds from the `ms` field of the server's log line `message`, if it logged one. */
function loggedMs(server: RunningServer, message: string): number | null {
	const match = new RegExp(`${message}[^\\n]*?"ms":(\\d+)`).exec(server.output())
	return match?.[1] ? Number(match[1]) : null
}

type Idle = { rss: number; readyMs: number; createdMs: number | null; openedMs: number | null }

async function idle(env: Record<string, string>): Promise<Idle> {
	const started = performance.now()
	const server = await startServer({ ...(await productionEnv()), ...env }, 300_000)
	try {
		await ready(server)
		const readyMs = performance.now() - started
		return {
			rss: await settledRss(server),
			readyMs,
			createdMs: loggedMs(server, 'embedded database created'),
			openedMs: loggedMs(server, 'embedded database opened'),
		}
	} finally {
		await server.stop()
	}
}

const seconds = (ms: number | null) => (ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`)

function startTimes(idle: Idle): string {
	const steps = [
		...(idle.createdMs === null ? [] : [`database created ${seconds(idle.createdMs)}`]),
		`opened ${seconds(idle.openedMs)}`,
	]
	return `ready in ${seconds(idle.readyMs)}: ${steps.join(', ')}`
}

async function load(url: string, amount: number, cookie: string) {
	const { stdout } = await run(
		process.execPath,
		[AUTOCANNON, '-c', '8', '-a', String(amount), '-j', '-H', `Cookie=${cookie}`, url],
		{ maxBuffer: 10 * 1024 * 1024 },
	)
	const result = JSON.parse(stdout) as { errors: number; non2xx: number; requests: { average: number } }
	return { errors: result.errors + result.non2xx, perSecond: result.requests.average }
}

export async function runMemoryBench() {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-bench-memory-'))
	try {
		const first = await idle({ DATA_DIR: dataDir })
		const again = await idle({ DATA_DIR: dataDir })
		const firstStart = first.rss
		const restart = again.rss
		const times = `first start ${startTimes(first)}; restart ${startTimes(again)}`
		process.stdout.write(`idle RSS   embedded first start ${firstStart} MB, restart ${restart} MB (${times})\n`)
		let postgres = 'not measured (DATABASE_URL is not set)'
		if (process.env.DATABASE_URL) {
			const scratch = await createScratchPostgresDatabase()
			try {
				postgres = `${(await idle({ DATABASE_URL: scratch.url })).rss} MB`
			} finally {
				await scratch.drop()
			}
		}

		const server = await startServer({ ...(await productionEnv()), DATA_DIR: dataDir }, 300_000)
		let warm = 0
		let after = 0
		let errors = 0
		let perSecond = 0
		try {
			await ready(server)
			const user = await signUp(server.url)
			// A signed-in page that reads the database on every request (session, user, conversation list).
			const url = `${server.url}/chat`
			const first = await load(url, WARMUP, user.cookie)
			warm = await settledRss(server)
			const rest = await load(url, REQUESTS - WARMUP, user.cookie)
			after = await settledRss(server)
			errors = first.errors + rest.errors
			perSecond = rest.perSecond
		} finally {
			await server.stop()
		}
		const idleMax = Math.max(firstStart, restart)
		const growth = (after - warm) / warm
		const pass = idleMax <= IDLE_BUDGET_MB && growth <= GROWTH_BUDGET && errors === 0
		process.stdout.write(
			[
				`idle RSS   embedded first start ${firstStart} MB, restart ${restart} MB (budget: at most ${IDLE_BUDGET_MB} MB) ${idleMax <= IDLE_BUDGET_MB ? 'PASS' : 'FAIL'}`,
				`start      embedded ${times}`,
				`idle RSS   postgres ${postgres}`,
				`${REQUESTS} signed-in GET /chat (embedded, ${perSecond.toFixed(0)} req/s, errors ${errors}): RSS ${warm} MB after ${WARMUP}, ${after} MB after ${REQUESTS} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%; budget: at most +${GROWTH_BUDGET * 100}%) ${growth <= GROWTH_BUDGET && errors === 0 ? 'PASS' : 'FAIL'}`,
				...BEFORE,
				'',
			].join('\n'),
		)
		return { firstStart, restart, warm, after, growth, pass }
	} finally {
		fs.rmSync(dataDir, { recursive: true, force: true })
	}
}
