/** Pieces both drivers share: who-is-acting settings, the nesting guard, and the script hook for migrations. */
import { AsyncLocalStorage } from 'node:async_hooks'
import { isUuid } from '#server/uuid.ts'
import type { Db, DbHealth, Tx } from './types.ts'

/** The statement PostgREST runs at the start of every request; ours runs at the start of every transaction. */
export const SET_ROLE_SQL = "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)"

export type Acting = { role: 'authenticated'; userId: string } | { role: 'anon' } | { role: 'privileged' }

export function roleSettings(acting: Acting): [string, string] | null {
	if (acting.role === 'privileged') return null
	if (acting.role === 'anon') return ['anon', JSON.stringify({ role: 'anon' })]
	if (!isUuid(acting.userId)) throw new TypeError('asUser needs the user id (a UUID)')
	return ['authenticated', JSON.stringify({ sub: acting.userId, role: 'authenticated' })]
}

/**
 * SET_ROLE_SQL with the settings written in as literals, for a driver whose simple query protocol costs less than
 * a parameterised statement (PGlite: one round through the WASM backend instead of five). The values are ours —
 * a fixed role name and JSON holding a UUID checked above — and quoted anyway.
 */
export function setRoleScript([role, claims]: [string, string]): string {
	const literal = (value: string) => `'${value.replaceAll("'", "''")}'`
	return `select set_config('role', ${literal(role)}, true), set_config('request.jwt.claims', ${literal(claims)}, true)`
}

const openTransaction = new AsyncLocalStorage<true>()

/**
 * Opening a transaction inside another is always a bug: the inner one cannot see the outer one's
 * uncommitted rows, and on PGlite (one connection) it would wait for the outer one forever. Both
 * drivers refuse it, so the mistake shows up in tests on either.
 */
export async function guardNesting<T>(fn: () => Promise<T>): Promise<T> {
	if (openTransaction.getStore()) {
		throw new Error('A database transaction was opened inside another one: pass the outer `tx` down instead')
	}
	return await openTransaction.run(true, fn)
}

/** True while the caller is inside a transaction callback (pg-boss's own statements must not run there). */
export function insideTransaction(): boolean {
	return openTransaction.getStore() === true
}

const scripts = new WeakMap<Tx, (sql: string) => Promise<void>>()

export function registerScriptRunner(tx: Tx, run: (sql: string) => Promise<void>) {
	scripts.set(tx, run)
}

/** Runs a multi-statement script (simple query protocol) in `tx`. Used by migrations and restores. */
export async function runScript(tx: Tx, sql: string): Promise<void> {
	const run = scripts.get(tx)
	if (!run) throw new Error('runScript needs a transaction opened by server/db')
	await run(sql)
}

export function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error)
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined
	try {
		return await Promise.race([
			promise,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
			}),
		])
	} finally {
		clearTimeout(timer)
	}
}

/** One round trip to the database, timed; never throws, so readiness can report a down database as data. */
export async function pingHealth(ping: () => Promise<unknown>): Promise<DbHealth> {
	const started = performance.now()
	try {
		await withTimeout(ping(), 2_000, 'database ping')
		return { ok: true, latencyMs: performance.now() - started }
	} catch (error) {
		return { ok: false, detail: errorMessage(error), latencyMs: performance.now() - started }
	}
}

/**
 * The statements a driver has running, so `close()` refuses new ones and waits for those in flight before it
 * closes the connection (a pool, or the embedded database).
 */
export function createInFlight() {
	let closed = false
	const running = new Set<Promise<unknown>>()
	const assertOpen = () => {
		if (closed) throw new Error('The database is closed')
	}
	return {
		track<T>(promise: Promise<T>): Promise<T> {
			running.add(promise)
			void promise.finally(() => running.delete(promise)).catch(() => undefined)
			return promise
		},
		assertOpen,
		/** Before pg-boss's own statements: the database is open and the caller is not inside a transaction. */
		assertOpenOutsideTransaction() {
			assertOpen()
			if (insideTransaction()) throw new Error('privilegedExecuteSql must not run inside a transaction')
		},
		/** The readiness ping (`Db.health`): `select 1` through the driver, refused once closed. */
		health(ping: () => Promise<unknown>): Promise<DbHealth> {
			return pingHealth(async () => {
				assertOpen()
				return await ping()
			})
		},
		/** False when it was closed already; otherwise closes and waits for what runs. */
		async close(): Promise<boolean> {
			if (closed) return false
			closed = true
			await Promise.allSettled([...running])
			return true
		},
	}
}

/** The three doors of `Db`, named for who is acting, over a driver's one `transaction`. */
export function actingDoors(
	transaction: <T>(acting: Acting, fn: (tx: Tx) => Promise<T>) => Promise<T>,
): Pick<Db, 'asUser' | 'asAnon' | 'privileged'> {
	return {
		asUser: (userId, fn) => transaction({ role: 'authenticated', userId }, fn),
		asAnon: fn => transaction({ role: 'anon' }, fn),
		privileged: fn => transaction({ role: 'privileged' }, fn),
	}
}
