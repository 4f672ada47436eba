/**
 * The embedded driver reads a statement's answer from PGlite's protocol bytes itself (server/db/pglite-results.ts).
 * Every value must come back exactly as PGlite's own `query()` gives it, whatever its type; and the transactions
 * around the statements keep their meaning (opening script first, all or nothing, errors thrown).
 */
import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteSession, type PgliteSession } from '#server/db/pglite-session.ts'
import { readPlainResult } from '#server/db/pglite-results.ts'

let pglite: PGlite
let session: PgliteSession

beforeAll(async () => {
	pglite = await PGlite.create('memory://', { parsers: { 20: (value: string) => Number(value) } })
	session = createPgliteSession(pglite)
	await pglite.exec(
		`create table t (id serial primary key, label text, n int8, score numeric, at timestamptz, tags text[])`,
	)
})
afterAll(async () => {
	await pglite.close()
})

const STATEMENTS: Array<[string, unknown[]]> = [
	[
		`select 'plain' as text, 'héllo wörld ✓ 😀' as multibyte, '' as empty, null::text as nothing, 42 as int4,
			9007199254740991::int8 as int8, 1.5::float8 as float8, 12.340::numeric as numeric, true as yes, false as no,
			'{"a":[1,2,{"b":null}]}'::jsonb as jsonb, '[1, "x"]'::json as json, '2026-12-02T10:00:00.123Z'::timestamptz as at,
			'2026-12-02'::date as day, '7f1c2b9e-1111-4222-8333-444455556666'::uuid as id, array['a', 'b,c', null] as texts,
			array[1, 2, 3] as ints, '\\x00ff10'::bytea as bytes, interval '1 day 2 hours' as span`,
		[],
	],
	['select $1::text as echoed, $2::int as number, $3::jsonb as doc', ['a\nb "quoted"', 7, JSON.stringify({ k: 'v' })]],
	['select g as n, repeat($1, g) as s from generate_series(1, 50) g', ['ab']],
	['select 1 as same, 2 as same', []],
	['select 1 where false', []],
	[
		`insert into t (label, n, score, at, tags) values ($1, $2, $3, now(), $4) returning label, n, score, tags`,
		['x', 5, '1.25', ['p', 'q']],
	],
	[`insert into t (label) select 'bulk ' || g from generate_series(1, 3) g`, []],
	[`update t set label = label || '!' where label like 'bulk%'`, []],
	[`delete from t where label = 'nothing here'`, []],
]

describe('a statement answer read from the protocol bytes', () => {
	it('gives every value exactly as PGlite’s own query does', async () => {
		for (const [sql, params] of STATEMENTS) {
			const own = await pglite.query(sql, params)
			const ours = await session.transaction(null, () => session.query(sql, params))
			expect(ours.rows, sql).toEqual(own.rows)
			expect(ours.fields, sql).toEqual(own.fields)
			expect(ours.affectedRows ?? 0, sql).toBe(own.affectedRows ?? 0)
		}
	})

	it('leaves an answer with an error to PGlite’s parser, and the error is thrown as before', async () => {
		const failing = 'select 1 / $1::int as x'
		await expect(session.transaction(null, () => session.query(failing, [0]))).rejects.toMatchObject({
			code: '22012',
			query: failing,
		})
		const raw = await pglite.execProtocolRaw(
			new TextEncoder().encode(''), // nothing sent, nothing answered
			{ syncToFs: false },
		)
		expect(readPlainResult(raw, pglite.parsers)).toBeNull()
	})
})

describe('a transaction of the embedded driver', () => {
	const setRole = "select set_config('application_name', 'opened', true)"

	it('runs its opening script before the first statement, whether that is prepared already or not', async () => {
		const text = "select current_setting('application_name') as name, now() = statement_timestamp() as fresh"
		for (let i = 0; i < 2; i++) {
			const { rows } = await session.transaction(setRole, () => session.query(text))
			expect(rows[0]).toMatchObject({ name: 'opened' })
		}
		// The setting was local to each transaction.
		expect(
			(await pglite.query<{ name: string }>('select current_setting($1) as name', ['application_name'])).rows[0]?.name,
		).not.toBe('opened')
	})

	it('keeps every statement of the callback in one transaction, and rolls all of it back on a failure', async () => {
		await session.transaction(null, async () => {
			await session.query(`insert into t (label) values ('tx-a')`)
			await session.query(`insert into t (label) values ('tx-b')`)
		})
		await expect(
			session.transaction(null, async () => {
				await session.query(`insert into t (label) values ('tx-c')`)
				await session.query('select 1 / $1::int as x', [0])
			}),
		).rejects.toMatchObject({ code: '22012' })
		const { rows } = await pglite.query<{ label: string }>(`select label from t where label like 'tx-%' order by label`)
		expect(rows.map(r => r.label)).toEqual(['tx-a', 'tx-b'])
	})

	it('throws the opening script’s own error, and the statement after it changes nothing', async () => {
		const broken = "select set_config('role', 'no_such_role_here', true)"
		await expect(
			session.transaction(broken, () => session.query(`insert into t (label) values ('after-broken-opening')`)),
		).rejects.toThrow(/no_such_role_here/)
		const { rows } = await pglite.query(`select 1 from t where label = 'after-broken-opening'`)
		expect(rows).toHaveLength(0)
		expect(pglite.isInTransaction()).toBe(false)
	})

	it('may run no statement at all, and the next one works', async () => {
		expect(await session.transaction(setRole, async () => 'nothing ran')).toBe('nothing ran')
		expect(pglite.isInTransaction()).toBe(false)
		const { rows } = await session.transaction(null, () => session.query('select 2 as two'))
		expect(rows[0]).toEqual({ two: 2 })
	})

	it('opens before a script run with exec', async () => {
		await session.transaction(setRole, async () => {
			await session.exec(`insert into t (label) select current_setting('application_name') || '-exec'`)
		})
		const { rows } = await pglite.query(`select 1 from t where label = 'opened-exec'`)
		expect(rows).toHaveLength(1)
	})
})
