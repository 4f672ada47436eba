/**
 * PGlite's own `query()` sends each statement as six protocol messages, each a separate call into the WASM
 * backend (parse, describe, bind, describe, execute, sync), and parses and plans the text again every time; its
 * `transaction()` adds BEGIN and COMMIT as two more calls each. On a page of a few small statements those calls
 * and the parsing cost more than the statements. Here a transaction runs as:
 *
 * - BEGIN and the role and claims: one simple-query call (`BEGIN; select set_config(…)`);
 * - each statement: one call (bind, describe, execute and sync in one message buffer) to a named prepared
 *   statement. The first use of a text prepares it (parse and describe: one more call), and its parameter types
 *   are remembered so values are serialised exactly as PGlite's `query()` does (by the type Postgres inferred),
 *   and its answer is read from the bytes by ./pglite-results.ts (PGlite's parser reads anything unusual);
 * - COMMIT (or ROLLBACK): one call.
 *
 * Prepared statements belong to the connection, not to a role: Postgres re-plans a cached plan that depends on
 * row-level security when the current user differs from the one it was planned for, and the policies read the
 * claims (`auth.uid()`) when the statement runs, so a statement prepared for one user is correct for every other
 * (the same reuse PostgREST relies on). A migration that changes a table invalidates the plans that use it; one
 * whose result columns changed (`select *`) is refused once and then prepared again.
 *
 * The caller holds PGlite's query lock for the whole transaction (`runExclusive`): every other path into the
 * database (PGlite's own `query`, `exec`, `transaction`, a backup's dump) takes that lock, so nothing interleaves.
 */
import { type PGlite, type Results, parse, protocol } from '@electric-sql/pglite'
import { readPlainResult } from './pglite-results.ts'

type Message = { name: string }
type Prepared = { name: string; paramTypes: number[] }

/** Prepared statements kept; the least recently used is closed beyond this (dynamic SQL, e.g. filter combinations). */
export const MAX_PREPARED = 500

/** SQLSTATE of "cached plan must not change result type" (feature_not_supported). */
const CACHED_PLAN_CHANGED = '0A000'

function concat(parts: Uint8Array[]): Uint8Array {
	if (parts.length === 1) return parts[0] as Uint8Array
	let length = 0
	for (const part of parts) length += part.length
	const out = new Uint8Array(length)
	let offset = 0
	for (const part of parts) {
		out.set(part, offset)
		offset += part.length
	}
	return out
}

function parseMessages(bytes: Uint8Array): Message[] {
	const messages: Message[] = []
	new protocol.Parser().parse(bytes, message => messages.push(message as Message))
	return messages
}

function firstError(messages: readonly Message[]): Error | undefined {
	return messages.find((m): m is Message & Error => m.name === 'error' && m instanceof Error)
}

/** Adds what PGlite's own `query()` adds to an error (the statement and its parameters), and throws it. */
function fail(error: Error, query: string, params: readonly unknown[] | undefined): never {
	Object.assign(error, { query, params })
	throw error
}

export type PgliteSession = {
	/** Runs `fn` inside BEGIN … COMMIT (ROLLBACK if it throws) with `setup` (simple-query SQL) after BEGIN. */
	transaction<T>(setup: string | null, fn: () => Promise<T>): Promise<T>
	/** One statement with parameters, inside `transaction`. */
	query(text: string, params?: readonly unknown[]): Promise<Results<Record<string, unknown>>>
	/** A script of statements without parameters (simple query protocol), inside `transaction`. */
	exec(sql: string): Promise<void>
	/** How many statements are prepared now (tests). */
	readonly preparedCount: number
}

export function createPgliteSession(pglite: PGlite): PgliteSession {
	const prepared = new Map<string, Prepared>()
	let counter = 0
	/** Statements dropped from `prepared` whose Close is sent with the next message. */
	let closing: string[] = []

	async function call(parts: Uint8Array[]): Promise<Message[]> {
		return (await pglite.execProtocolStream(concat(parts), { syncToFs: false, throwOnError: false })) as Message[]
	}

	/**
	 * The answer's bytes, unparsed (see ./pglite-results.ts). `execProtocolRaw` would also run every message through
	 * PGlite's parser as it arrives (its default receiver collects errors, notices and notifications that way), so a
	 * statement's rows were parsed twice; with a receiver of our own they are only copied. The embedded database
	 * listens to no channel, so no notification is missed.
	 */
	async function callRaw(parts: Uint8Array[]): Promise<Uint8Array> {
		const chunks: Uint8Array[] = []
		// Each chunk is a view of PGlite's memory, reused for the next one: it is copied.
		const onRawData = (chunk: Uint8Array) => void chunks.push(chunk.slice())
		await pglite.execProtocolRawStream(concat(parts), { syncToFs: false, onRawData })
		return chunks.length === 0 ? new Uint8Array(0) : concat(chunks)
	}

	function closeMessages(): Uint8Array[] {
		if (closing.length === 0) return []
		// Close is not transactional and does not fail for a name that is gone; if the message fails (an aborted
		// transaction), the statement stays prepared in the backend unused, which costs only its memory.
		const parts = closing.map(name => protocol.serialize.close({ type: 'S', name }))
		closing = []
		return parts
	}

	async function prepare(text: string, params: readonly unknown[] | undefined): Promise<Prepared> {
		const name = `gs_${++counter}`
		const messages = await call([
			...closeMessages(),
			protocol.serialize.parse({ name, text }),
			protocol.serialize.describe({ type: 'S', name }),
			protocol.serialize.sync(),
		])
		const error = firstError(messages)
		if (error) fail(error, text, params)
		const statement = { name, paramTypes: parse.parseDescribeStatementResults(messages as never) }
		prepared.set(text, statement)
		if (prepared.size > MAX_PREPARED) {
			const oldest = prepared.keys().next().value as string
			closing.push((prepared.get(oldest) as Prepared).name)
			prepared.delete(oldest)
		}
		return statement
	}

	function serialize(statement: Prepared, params: readonly unknown[]): (string | null)[] {
		return params.map((param, i) => {
			if (param === null || param === undefined) return null
			const serializer = pglite.serializers[statement.paramTypes[i] ?? 0]
			return serializer ? (serializer(param) as string) : String(param)
		})
	}

	async function query(text: string, params?: readonly unknown[]): Promise<Results<Record<string, unknown>>> {
		let statement = prepared.get(text)
		if (statement) {
			// Most recently used last, so the first key is the one to drop.
			prepared.delete(text)
			prepared.set(text, statement)
		} else {
			statement = await prepare(text, params)
		}
		const bytes = await callRaw([
			...closeMessages(),
			protocol.serialize.bind({ statement: statement.name, values: serialize(statement, params ?? []) }),
			protocol.serialize.describe({ type: 'P' }),
			protocol.serialize.execute({}),
			protocol.serialize.sync(),
		])
		const plain = readPlainResult(bytes, pglite.parsers)
		if (plain) return plain
		// An error, a notice or anything unusual: PGlite's own parser reads it.
		const messages = parseMessages(bytes)
		const error = firstError(messages)
		if (error) {
			// A table changed under the kept statement ("cached plan must not change result type"): this use fails
			// (the transaction is aborted already), the next one prepares the text again.
			if ((error as Error & { code?: string }).code === CACHED_PLAN_CHANGED && prepared.get(text) === statement) {
				prepared.delete(text)
				closing.push(statement.name)
			}
			fail(error, text, params)
		}
		return parse.parseResults(messages as never, pglite.parsers)[0] as Results<Record<string, unknown>>
	}

	async function simple(sql: string): Promise<Message[]> {
		const messages = await call([protocol.serialize.query(sql)])
		const error = firstError(messages)
		if (error) fail(error, sql, undefined)
		return messages
	}

	async function transaction<T>(setup: string | null, fn: () => Promise<T>): Promise<T> {
		return await pglite.runExclusive(async () => {
			let result: T
			try {
				await simple(setup ? `BEGIN; ${setup}` : 'BEGIN')
				result = await fn()
			} catch (error) {
				// Also after a failed BEGIN script: a ROLLBACK outside a transaction is only a warning.
				await simple('ROLLBACK').catch(() => undefined)
				throw error
			}
			const messages = await simple('COMMIT')
			const done = messages.find((m): m is Message & { text: string } => m.name === 'commandComplete')
			if (done?.text === 'ROLLBACK') {
				// A statement failed and the callback went on as if it had not: nothing was written.
				throw Object.assign(new Error('Transaction was rolled back instead of committed'), { code: '25P02' })
			}
			await pglite.syncToFs()
			return result
		})
	}

	return {
		transaction,
		query,
		exec: async sql => {
			await simple(sql)
		},
		get preparedCount() {
			return prepared.size
		},
	}
}
