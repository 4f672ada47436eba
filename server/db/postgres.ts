/** The node-postgres driver: a pool on DATABASE_URL (any Postgres 15+, Supabase included). */
import pg from 'pg'
import { logger } from '#server/logger.ts'
import {
	type Acting,
	actingDoors,
	errorMessage,
	guardNesting,
	registerScriptRunner,
	roleSettings,
	SET_ROLE_SQL,
	createInFlight,
} from './common.ts'
import { asUnavailable, isDatabaseUnavailable } from './errors.ts'
import type { Db, QueryResult, Tx } from './types.ts'

const INT8 = 20

// int8 as a JS number on both drivers (PGlite does the same below): counts and micro-dollar costs stay
// far below 2^53, and one type everywhere beats strings here and numbers there.
const types: pg.CustomTypesConfig = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
		if (oid === INT8 && format !== 'binary') return (value: string) => Number(value)
		return pg.types.getTypeParser(oid, format)
	}) as pg.CustomTypesConfig['getTypeParser'],
}

export type PostgresDbOptions = {
	connectionString: string
	/** Pool size. */
	max?: number
	applicationName?: string
}

function toResult(result: pg.QueryResult | pg.QueryResult[]): QueryResult<Record<string, unknown>> {
	// A multi-statement script answers with one result per statement; the last is the one that matters.
	const last = Array.isArray(result) ? result[result.length - 1] : result
	if (!last) return { rows: [], rowCount: 0 }
	return { rows: last.rows as Record<string, unknown>[], rowCount: last.rowCount ?? last.rows.length }
}

export function createPostgresDb(options: PostgresDbOptions): Db {
	const pool = new pg.Pool({
		connectionString: options.connectionString,
		max: options.max ?? 10,
		application_name: options.applicationName ?? 'generation-studio',
		types,
		// A transaction left open by a crashed request must not hold locks for ever.
		idle_in_transaction_session_timeout: 60_000,
		connectionTimeoutMillis: 10_000,
		// TCP keep-alive probes notice a database host that vanished without closing the socket.
		keepAlive: true,
		keepAliveInitialDelayMillis: 10_000,
	})
	// A connection can drop at any moment (a restart, a failover, a terminated backend), and a pg client with no
	// 'error' listener then ends the process. The pool listens only while a client is idle in it, and hands a client
	// over before its borrower can attach one, so every client gets a listener for life as soon as it connects.
	// What was running on it fails on its own (a DatabaseUnavailableError: 503, or a retried job); the pool
	// discards the dead client.
	pool.on('connect', client => {
		client.on('error', error => logger.warn('database connection lost', { error: errorMessage(error) }))
	})
	// The pool re-emits an idle client's error; the listener above has logged it already.
	pool.on('error', () => undefined)

	const { track, assertOpen, ...inFlight } = createInFlight()

	/**
	 * A client with its transaction begun. A pooled connection that died while idle fails on its first statement,
	 * before anything ran: that one is discarded and a fresh connection tried, once.
	 */
	async function begin(): Promise<pg.PoolClient> {
		for (let attempt = 1; ; attempt++) {
			const client = await pool.connect().catch((error: unknown) => {
				throw asUnavailable(error)
			})
			try {
				await client.query('begin')
				return client
			} catch (error) {
				client.release(error instanceof Error ? error : new Error(String(error)))
				if (attempt >= 2 || !isDatabaseUnavailable(error)) throw asUnavailable(error)
			}
		}
	}

	async function transaction<T>(acting: Acting, fn: (tx: Tx) => Promise<T>): Promise<T> {
		assertOpen()
		const settings = roleSettings(acting)
		return await track(
			guardNesting(async () => {
				const client = await begin()
				let finished = false
				let broken: Error | undefined
				const onError = (error: Error) => {
					broken ??= error
				}
				client.on('error', onError)
				const run = async (text: string, values?: readonly unknown[]) => {
					if (finished) throw new Error('This transaction is already finished')
					return toResult(await client.query(text, values as unknown[] | undefined))
				}
				const tx: Tx = {
					query: async <Row>(sql: string, params?: readonly unknown[]) => (await run(sql, params)) as QueryResult<Row>,
					executeSql: run,
				}
				registerScriptRunner(tx, async sql => {
					await run(sql)
				})
				try {
					if (settings) await client.query(SET_ROLE_SQL, settings)
					const result = await fn(tx)
					await client.query('commit')
					return result
				} catch (error) {
					try {
						if (!broken) await client.query('rollback')
					} catch (rollbackError) {
						broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
					}
					throw asUnavailable(error)
				} finally {
					finished = true
					// A client whose connection dropped or whose rollback failed is in an unknown state: destroy it
					// rather than reuse it.
					client.removeListener('error', onError)
					client.release(broken)
				}
			}),
		)
	}

	return {
		kind: 'postgres',
		...actingDoors(transaction),
		async privilegedExecuteSql(text, values) {
			inFlight.assertOpenOutsideTransaction()
			try {
				return toResult(await track(pool.query(text, values as unknown[] | undefined)))
			} catch (error) {
				throw asUnavailable(error)
			}
		},
		health: () => inFlight.health(() => pool.query('select 1')),
		async close() {
			if (!(await inFlight.close())) return
			await pool.end()
		},
	}
}
