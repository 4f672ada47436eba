/**
 * The embedded driver: PGlite (Postgres compiled to WASM) in `${dataDir}/pg`. One connection, so every
 * transaction goes through PGlite's own `transaction()`, whose lock makes concurrent callers queue
 * instead of interleaving statements. A lock file keeps a second process off the same data directory.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite'
import { logger } from '#server/logger.ts'
import {
	type Acting,
	guardNesting,
	insideTransaction,
	pingHealth,
	registerScriptRunner,
	roleSettings,
	setRoleScript,
} from './common.ts'
import { tracedQuery } from './query-spans.ts'
import type { Db, QueryResult, Tx } from './types.ts'

const INT8 = 20

export type PgliteDbOptions = {
	/** A directory (created if missing), or 'memory://' for a throw-away database. */
	dataDir: string
	/** Start from an archive made by `dumpDataDir()` (restores and test templates). */
	loadDataDir?: Blob
}

/** The PGlite handle behind a Db, for backups (`dumpDataDir`). */
const handles = new WeakMap<Db, PGlite>()

export function pgliteHandle(db: Db): PGlite {
	const handle = handles.get(db)
	if (!handle) throw new Error('Not a PGlite database')
	return handle
}

function toResult(result: Results<Record<string, unknown>> | undefined): QueryResult<Record<string, unknown>> {
	if (!result) return { rows: [], rowCount: 0 }
	return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length }
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0)
		return true
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM'
	}
}

/** Two processes writing one PGlite data directory corrupt it; refuse the second one with a clear message. */
function acquireLock(dataDir: string): () => void {
	const lockPath = `${dataDir}.lock`
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' })
			return () => fs.rmSync(lockPath, { force: true })
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
			const pid = Number(fs.readFileSync(lockPath, 'utf8').trim())
			if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
				throw new Error(
					`The embedded database ${dataDir} is in use by process ${pid}` +
						(pid === process.pid ? ' (this one)' : '') +
						'; stop it first (one process owns an embedded database)',
				)
			}
			logger.warn('removing a stale embedded database lock', { lockPath, pid })
			fs.rmSync(lockPath, { force: true })
		}
	}
	throw new Error(`Could not lock ${dataDir}`)
}

export async function createPgliteDb(options: PgliteDbOptions): Promise<Db> {
	const inMemory = options.dataDir.startsWith('memory://')
	let release = () => {}
	if (!inMemory) {
		fs.mkdirSync(path.dirname(path.resolve(options.dataDir)), { recursive: true })
		release = acquireLock(path.resolve(options.dataDir))
	}
	let pglite: PGlite
	try {
		pglite = await PGlite.create(inMemory ? options.dataDir : path.resolve(options.dataDir), {
			parsers: { [INT8]: (value: string) => Number(value) },
			...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
		})
	} catch (error) {
		release()
		throw error
	}

	let closed = false
	const inFlight = new Set<Promise<unknown>>()
	function track<T>(promise: Promise<T>): Promise<T> {
		inFlight.add(promise)
		void promise.finally(() => inFlight.delete(promise)).catch(() => undefined)
		return promise
	}
	function assertOpen() {
		if (closed) throw new Error('The database is closed')
	}

	function wrap(ptx: Transaction): Tx {
		const run = async (text: string, values?: readonly unknown[]) =>
			toResult(await tracedQuery(text, () => ptx.query<Record<string, unknown>>(text, values as unknown[] | undefined)))
		const tx: Tx = {
			query: async <Row>(sql: string, params?: readonly unknown[]) => (await run(sql, params)) as QueryResult<Row>,
			executeSql: run,
		}
		registerScriptRunner(tx, async sql => {
			await ptx.exec(sql)
		})
		return tx
	}

	async function transaction<T>(acting: Acting, fn: (tx: Tx) => Promise<T>): Promise<T> {
		assertOpen()
		const settings = roleSettings(acting)
		const setRole = settings ? setRoleScript(settings) : null
		return await track(
			guardNesting(() =>
				pglite.transaction(async ptx => {
					if (setRole) await ptx.exec(setRole)
					return await fn(wrap(ptx))
				}),
			),
		)
	}

	const db: Db = {
		kind: 'pglite',
		asUser: (userId, fn) => transaction({ role: 'authenticated', userId }, fn),
		asAnon: fn => transaction({ role: 'anon' }, fn),
		privileged: fn => transaction({ role: 'privileged' }, fn),
		async privilegedExecuteSql(text, values) {
			assertOpen()
			if (insideTransaction()) throw new Error('privilegedExecuteSql must not run inside a transaction')
			// pg-boss sends its schema scripts as several statements without parameters: those need the
			// simple query protocol, like node-postgres uses for a query without values.
			if (!values || values.length === 0) {
				const results = await track(tracedQuery(text, () => pglite.exec(text)))
				return toResult(results[results.length - 1] as Results<Record<string, unknown>> | undefined)
			}
			return toResult(
				await track(tracedQuery(text, () => pglite.query<Record<string, unknown>>(text, values as unknown[]))),
			)
		},
		health: () =>
			pingHealth(async () => {
				assertOpen()
				return pglite.query('select 1')
			}),
		async close() {
			if (closed) return
			closed = true
			await Promise.allSettled([...inFlight])
			try {
				await pglite.close()
			} finally {
				release()
			}
		},
	}
	handles.set(db, pglite)
	return db
}
