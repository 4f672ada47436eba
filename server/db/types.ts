/**
 * The database seen by the rest of the server: a transaction runner with three doors, named for who
 * is acting. Both drivers (node-postgres and PGlite) implement it, so the same SQL and the same RLS
 * policies run everywhere.
 */

export type DbKind = 'postgres' | 'pglite'

export type QueryResult<Row> = { rows: Row[]; rowCount: number }

/**
 * One open transaction. Parameters use `$1, $2…`. Pass JSON values for json/jsonb columns as
 * `JSON.stringify(value)`: node-postgres turns a JS array into a Postgres array literal, not JSON.
 * `int8` (bigint, count(*)) comes back as a JS number on both drivers; timestamptz as a Date.
 */
export interface Tx {
	query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>
	/** The shape pg-boss expects from `db: { executeSql }`; lets a job be enqueued inside this transaction. */
	executeSql(text: string, values?: readonly unknown[]): Promise<QueryResult<Record<string, unknown>>>
}

export type DbHealth = { ok: boolean; detail?: string; latencyMs: number }

export interface Db {
	readonly kind: DbKind
	/**
	 * Runs `fn` in one transaction as role `authenticated` with `request.jwt.claims` = `{ sub: userId }`,
	 * exactly as PostgREST does on Supabase: every row-level security policy applies. Keep transactions
	 * short and never await a network call inside one (PGlite has a single connection).
	 */
	asUser<T>(userId: string, fn: (tx: Tx) => Promise<T>): Promise<T>
	/** One transaction as role `anon`: only public share reads are allowed (see `setShareSlug`). */
	asAnon<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
	/**
	 * One transaction as the connection's own (owner/superuser) role: bypasses RLS. Only for workers,
	 * webhooks, sign-in lookups and migrations — the name makes every such call site stand out.
	 */
	privileged<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
	/** pg-boss's own statements, outside any caller's transaction. Privileged, like `privileged`. */
	privilegedExecuteSql(text: string, values?: readonly unknown[]): Promise<QueryResult<Record<string, unknown>>>
	health(): Promise<DbHealth>
	close(): Promise<void>
}

/** Runs a multi-statement SQL script (a migration file) inside a transaction. Internal to server/db. */
export type ScriptRunner = (tx: Tx, sql: string) => Promise<void>
