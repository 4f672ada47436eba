/**
 * What `asUser` costs: a one-row select run bare (pool.query / PGlite query) and inside `db.asUser`
 * (begin, set role and claims, select, commit). Budget: the asUser overhead stays under 1 ms p50 on
 * Postgres over loopback (DATABASE_URL). PGlite is reported too. Run alone: `npx tsx tests/bench/db.bench.ts`.
 */
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { pgliteHandle } from '#server/db/index.ts'
import { configureLogger } from '#server/logger.ts'
import { createConversation, createTestDb, createUser, type TestDriver } from '#tests/support/database.ts'

const ITERATIONS = Number(process.env.BENCH_DB_ITERATIONS ?? 2000)
const WARMUP = 200
const BUDGET_MS = 1

type Stats = { p50: number; p99: number; mean: number }

function stats(samples: number[]): Stats {
	const sorted = [...samples].sort((a, b) => a - b)
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
	return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length }
}

async function measure(fn: () => Promise<unknown>): Promise<Stats> {
	for (let i = 0; i < WARMUP; i++) await fn()
	const samples: number[] = []
	for (let i = 0; i < ITERATIONS; i++) {
		const started = performance.now()
		await fn()
		samples.push(performance.now() - started)
	}
	return stats(samples)
}

const fmt = (s: Stats) => `p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  mean ${s.mean.toFixed(3)} ms`

async function benchDriver(driver: TestDriver): Promise<{ overheadP50: number }> {
	const t = await createTestDb(driver)
	try {
		const user = await createUser(t.db)
		const conversation = await createConversation(t.db, user.id)
		const sql = 'select id, title from conversations where id = $1'
		let bare: () => Promise<unknown>
		let closeBare = async () => {}
		if (driver === 'postgres') {
			const pool = new pg.Pool({ connectionString: t.connectionString ?? '', max: 1 })
			bare = () => pool.query(sql, [conversation.id])
			closeBare = () => pool.end()
		} else {
			const pglite = pgliteHandle(t.db)
			bare = () => pglite.query(sql, [conversation.id])
		}
		const bareStats = await measure(bare)
		const asUserStats = await measure(() => t.db.asUser(user.id, tx => tx.query(sql, [conversation.id])))
		await closeBare()
		const overheadP50 = asUserStats.p50 - bareStats.p50
		process.stdout.write(
			`${driver.padEnd(8)} bare select     ${fmt(bareStats)}\n` +
				`${driver.padEnd(8)} asUser select   ${fmt(asUserStats)}\n` +
				`${driver.padEnd(8)} asUser overhead p50 ${overheadP50.toFixed(3)} ms` +
				(driver === 'postgres' ? ` (budget < ${BUDGET_MS} ms)` : ' (reported, no budget)') +
				'\n',
		)
		return { overheadP50 }
	} finally {
		await t.dispose()
	}
}

/** Prints the figures; throws when the Postgres budget is missed. */
export async function runDbBench(): Promise<void> {
	process.stdout.write(`db: ${ITERATIONS} iterations after ${WARMUP} warm-up\n`)
	await benchDriver('pglite')
	if (!process.env.DATABASE_URL) {
		process.stdout.write('postgres: not measured (DATABASE_URL is not set)\n')
		return
	}
	const { overheadP50 } = await benchDriver('postgres')
	if (overheadP50 >= BUDGET_MS) {
		throw new Error(`asUser overhead p50 ${overheadP50.toFixed(3)} ms is over the ${BUDGET_MS} ms budget`)
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	configureLogger({ level: 'warn', json: false })
	runDbBench().catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
		process.exitCode = 1
	})
}
