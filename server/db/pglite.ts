/**
 * The embedded driver: PGlite (Postgres compiled to WASM) in `${dataDir}/pg`. One connection, so every
 * transaction goes through PGlite's own `transaction()`, whose lock makes concurrent callers queue
 * instead of interleaving statements. A lock file keeps a second process off the same data directory.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { promisify } from 'node:util'
import v8 from 'node:v8'
import { PGlite, type Results } from '@electric-sql/pglite'
import { logger } from '#server/logger.ts'
import {
	type Acting,
	actingDoors,
	guardNesting,
	registerScriptRunner,
	roleSettings,
	setRoleScript,
	createInFlight,
} from './common.ts'
import { createPgliteSession } from './pglite-session.ts'
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

/**
 * Memory (docs/decisions/009-embedded-database-memory.md). PGlite's WASM heap only grows: what initdb and the
 * buffer pool touch stays resident for the life of the process. Postgres' defaults are sized for a server of its
 * own; an embedded database serving one app needs far less. PGlite's own start parameters are kept (passing
 * `startParams` replaces them) and these are added.
 */
export const PGLITE_SETTINGS = {
	// 128 MB by default, most of the idle heap. The OS page cache still holds the data files.
	shared_buffers: '16MB',
	// Index builds in migrations would otherwise grow the heap by up to 64 MB, for good.
	maintenance_work_mem: '16MB',
	temp_buffers: '2MB',
	wal_buffers: '1MB',
} as const

/**
 * PGlite's 9 MB WASM module is compiled by V8's baseline compiler (Liftoff) only. By default V8 also recompiles
 * hot functions with its optimizing compiler (TurboFan) on background threads; for Postgres' large functions
 * that takes up to 80 MB of compiler memory, which glibc keeps in those threads' malloc arenas for the life of
 * the process, and it makes opening the database slower. Liftoff code runs an app's small queries as fast and
 * CPU-heavy ones about 1.5x slower. V8 reads the flag when it compiles a module, so it is set before PGlite compiles
 * its module; it only concerns WebAssembly.
 */
const WASM_FLAGS = ['--liftoff-only'] as const

function compileWasmWithLiftoffOnly() {
	v8.setFlagsFromString(WASM_FLAGS.join(' '))
}

function startParams(): string[] {
	return [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
}

const run = promisify(execFile)

/**
 * Creating a data directory (initdb) takes ~600 MB of WASM heap that would stay in this process for good, so a
 * new directory is created by a short-lived child process, and this one opens the result. It is created beside
 * its place and renamed into it, so a crash half-way leaves no half-made database behind.
 */
async function initdbInChildProcess(dataDir: string): Promise<void> {
	const started = performance.now()
	const creating = `${dataDir}.creating`
	fs.rmSync(creating, { recursive: true, force: true })
	const module = createRequire(import.meta.url).resolve('@electric-sql/pglite')
	await run(
		process.execPath,
		[
			...WASM_FLAGS,
			'-e',
			'require(process.argv[1]).PGlite.create(process.argv[2]).then(db => db.close())',
			module,
			creating,
		],
		{ maxBuffer: 1024 * 1024 },
	)
	fs.rmSync(dataDir, { recursive: true, force: true })
	fs.renameSync(creating, dataDir)
	logger.info('embedded database created', { dataDir, ms: Math.round(performance.now() - started) })
}

function isEmptyDir(dir: string): boolean {
	try {
		return fs.readdirSync(dir).length === 0
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
		throw error
	}
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
		if (!inMemory && !options.loadDataDir && isEmptyDir(path.resolve(options.dataDir))) {
			await initdbInChildProcess(path.resolve(options.dataDir))
		}
		const opening = performance.now()
		compileWasmWithLiftoffOnly()
		pglite = await PGlite.create(inMemory ? options.dataDir : path.resolve(options.dataDir), {
			parsers: { [INT8]: (value: string) => Number(value) },
			startParams: startParams(),
			...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
		})
		if (!inMemory) {
			logger.info('embedded database opened', {
				dataDir: path.resolve(options.dataDir),
				ms: Math.round(performance.now() - opening),
			})
		}
	} catch (error) {
		release()
		throw error
	}

	const { track, assertOpen, ...inFlight } = createInFlight()

	const session = createPgliteSession(pglite)

	function openTx(): Tx {
		const run = async (text: string, values?: readonly unknown[]) =>
			toResult(await tracedQuery(text, () => session.query(text, values)))
		const tx: Tx = {
			query: async <Row>(sql: string, params?: readonly unknown[]) => (await run(sql, params)) as QueryResult<Row>,
			executeSql: run,
		}
		registerScriptRunner(tx, sql => session.exec(sql))
		return tx
	}

	async function transaction<T>(acting: Acting, fn: (tx: Tx) => Promise<T>): Promise<T> {
		assertOpen()
		const settings = roleSettings(acting)
		return await track(
			guardNesting(() => session.transaction(settings ? setRoleScript(settings) : null, () => fn(openTx()))),
		)
	}

	const db: Db = {
		kind: 'pglite',
		...actingDoors(transaction),
		async privilegedExecuteSql(text, values) {
			inFlight.assertOpenOutsideTransaction()
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
		health: () => inFlight.health(() => pglite.query('select 1')),
		async close() {
			if (!(await inFlight.close())) return
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
