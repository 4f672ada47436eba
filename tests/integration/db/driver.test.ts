/** The Db contract, on both drivers: who each door acts as, transactions, queueing, types, health. */
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgliteDb, createDb, type Db } from '#server/db/index.ts'
import { sleep } from '#server/sleep.ts'
import { createTestDb, createUser, makeTempDir, type TestDb, testDrivers } from '#tests/support/database.ts'
import { waitFor } from '#tests/support/wait.ts'

describe.each(testDrivers())('Db on %s', driver => {
	let t: TestDb
	let db: Db
	beforeAll(async () => {
		t = await createTestDb(driver)
		db = t.db
	})
	afterAll(async () => {
		await t?.dispose()
	})

	it('is the driver the config asks for', async () => {
		expect(db.kind).toBe(driver)
		const dataDir = makeTempDir()
		const again = await createDb(driver === 'postgres' ? t.config : { ...t.config, dataDir })
		expect(again.kind).toBe(driver)
		await again.close()
		fs.rmSync(dataDir, { recursive: true, force: true })
	})

	it('asUser acts as authenticated with the claims PostgREST would set, for that transaction only', async () => {
		const user = await createUser(db)
		const inside = await db.asUser(user.id, tx =>
			tx.query<{ role: string; claims: unknown; uid: string }>(
				"select current_user as role, current_setting('request.jwt.claims', true)::jsonb as claims, auth.uid() as uid",
			),
		)
		expect(inside.rows[0]).toEqual({
			role: 'authenticated',
			claims: { sub: user.id, role: 'authenticated' },
			uid: user.id,
		})
		const after = await db.privileged(tx =>
			tx.query<{ role: string; claims: string | null }>(
				"select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims",
			),
		)
		expect(after.rows[0]?.role).not.toBe('authenticated')
		expect(after.rows[0]?.claims).toBeNull()
		const anon = await db.asAnon(tx =>
			tx.query<{ role: string; uid: string | null }>('select current_user as role, auth.uid() as uid'),
		)
		expect(anon.rows[0]).toEqual({ role: 'anon', uid: null })
	})

	it('refuses a user id that is not a UUID', async () => {
		await expect(db.asUser("x' or '1'='1", async () => 1)).rejects.toThrow(/UUID/)
	})

	it('commits on success and rolls back on error', async () => {
		const user = await createUser(db)
		await expect(
			db.asUser(user.id, async tx => {
				await tx.query("insert into conversations (user_id, title) values ($1, 'lost')", [user.id])
				throw new Error('changed my mind')
			}),
		).rejects.toThrow('changed my mind')
		await db.asUser(user.id, tx =>
			tx.query("insert into conversations (user_id, title) values ($1, 'kept')", [user.id]),
		)
		const { rows } = await db.privileged(tx =>
			tx.query<{ title: string }>('select title from conversations where user_id = $1', [user.id]),
		)
		expect(rows.map(r => r.title)).toEqual(['kept'])
	})

	it('answers the same statement text for each user with that user’s rows, also after it failed once', async () => {
		const [a, b] = [await createUser(db), await createUser(db)]
		const insert = 'insert into conversations (user_id, title) values ($1, $2)'
		const mine = 'select title from conversations order by title'
		for (const [user, title] of [
			[a, 'of a'],
			[b, 'of b'],
		] as const) {
			await db.asUser(user.id, tx => tx.query(insert, [user.id, title]))
		}
		// The same text, run again and again (PGlite keeps it prepared), for one user then the other and as anon.
		for (let i = 0; i < 8; i++) {
			const user = i % 2 ? a : b
			const { rows } = await db.asUser(user.id, tx => tx.query<{ title: string }>(mine))
			expect(rows.map(r => r.title)).toEqual([user === a ? 'of a' : 'of b'])
		}
		expect((await db.asAnon(tx => tx.query(mine))).rows).toEqual([])
		// Row-level security refuses a row for someone else; the statement and the next transaction still work.
		await expect(db.asUser(a.id, tx => tx.query(insert, [b.id, 'forged']))).rejects.toMatchObject({ code: '42501' })
		await expect(db.asUser(a.id, tx => tx.query('select * from no_such_table'))).rejects.toThrow(/no_such_table/)
		await db.asUser(a.id, tx => tx.query(insert, [a.id, 'of a, again']))
		const { rows } = await db.asUser(a.id, tx => tx.query<{ title: string }>(mine))
		expect(rows.map(r => r.title)).toEqual(['of a', 'of a, again'])
		// A callback that swallows a failed statement does not commit what came before it.
		// (PGlite says so with an error; node-postgres's COMMIT answers ROLLBACK without one.)
		await db
			.asUser(a.id, async tx => {
				await tx.query(insert, [a.id, 'not kept'])
				await tx.query('select 1/0').catch(() => undefined)
			})
			.catch(() => undefined)
		expect((await db.asUser(a.id, tx => tx.query(mine))).rows).toHaveLength(2)
	})

	it('a table changed under a statement kept prepared: one failure at most, then the new columns', async () => {
		const table = `kept_shape_${Date.now()}`
		await db.privileged(tx => tx.query(`create table ${table} (a int)`))
		try {
			await db.privileged(tx => tx.query(`insert into ${table} values (1)`))
			const read = `select * from ${table}`
			expect((await db.privileged(tx => tx.query(read))).rows).toEqual([{ a: 1 }])
			await db.privileged(tx => tx.query(`alter table ${table} add column b int default 2`))
			// PGlite keeps the statement prepared, and Postgres refuses a kept plan whose columns changed; node-postgres
			// prepares nothing, so there it is planned again.
			const first = await db
				.privileged(tx => tx.query(read))
				.then(
					r => r.rows,
					(error: unknown) => error,
				)
			if (driver === 'pglite') expect(first).toMatchObject({ code: '0A000' })
			else expect(first).toEqual([{ a: 1, b: 2 }])
			// The refused statement is forgotten, so the next use prepares it again.
			expect((await db.privileged(tx => tx.query(read))).rows).toEqual([{ a: 1, b: 2 }])
		} finally {
			await db.privileged(tx => tx.query(`drop table ${table}`))
		}
	})

	it('refuses a transaction opened inside another (it would deadlock on PGlite)', async () => {
		await expect(db.privileged(() => db.privileged(async () => 1))).rejects.toThrow(/inside another/)
		await expect(db.privileged(() => db.privilegedExecuteSql('select 1'))).rejects.toThrow(/inside a transaction/)
	})

	it('returns int8 as numbers, timestamptz as Dates and jsonb as values', async () => {
		const { rows } = await db.privileged(tx =>
			tx.query<{ n: number; at: Date; doc: unknown; list: string[] }>(
				"select count(*) as n, now() as at, '{\"a\":[1,2]}'::jsonb as doc, array['chat','title'] as list from pg_class",
			),
		)
		expect(typeof rows[0]?.n).toBe('number')
		expect(rows[0]?.at).toBeInstanceOf(Date)
		expect(rows[0]?.doc).toEqual({ a: [1, 2] })
		expect(rows[0]?.list).toEqual(['chat', 'title'])
	})

	it('queues concurrent transactions instead of interleaving them', async () => {
		const user = await createUser(db)
		const { rows } = await db.privileged(tx =>
			tx.query<{ id: string }>(
				"insert into workflows (user_id, name, definition) values ($1, 'counter', '{\"n\":0}') returning id",
				[user.id],
			),
		)
		const id = rows[0]?.id
		// read, wait, write: without isolation between callers, increments would be lost
		await Promise.all(
			Array.from({ length: 12 }, () =>
				db.asUser(user.id, async tx => {
					const current = await tx.query<{ n: number }>(
						"select (definition->>'n')::int as n from workflows where id = $1 for update",
						[id],
					)
					// The pause between read and write is the race under test: it gives the other callers the chance to
					// read the same value, which only isolation between them stops. No condition to wait for here.
					await sleep(3)
					await tx.query("update workflows set definition = jsonb_build_object('n', $1::int) where id = $2", [
						(current.rows[0]?.n ?? 0) + 1,
						id,
					])
				}),
			),
		)
		const final = await db.privileged(tx =>
			tx.query<{ n: number }>("select (definition->>'n')::int as n from workflows where id = $1", [id]),
		)
		expect(final.rows[0]?.n).toBe(12)

		// a statement issued while a transaction is open never sees (or joins) that transaction
		let release: () => void = () => {}
		const gate = new Promise<void>(resolve => {
			release = resolve
		})
		let inserted = false
		const open = db.privileged(async tx => {
			await tx.query("insert into webhook_events (id, provider) values ('uncommitted', 'replicate')")
			inserted = true
			await gate
			throw new Error('roll back')
		})
		await waitFor('the open transaction to hold its row', () => inserted)
		const outside = db.privilegedExecuteSql("select count(*) as n from webhook_events where id = 'uncommitted'")
		// On a pool the statement runs beside the open transaction and answers at once; on PGlite's one connection it
		// waits its turn behind it, so there is no answer to wait for: it gets 20 ms to run (and wrongly join) first.
		await Promise.race([outside, sleep(20)])
		release()
		await expect(open).rejects.toThrow('roll back')
		expect((await outside).rows[0]?.n).toBe(0)
	})

	it('reports health, and closes once', async () => {
		const health = await db.health()
		expect(health.ok).toBe(true)
		expect(health.latencyMs).toBeGreaterThanOrEqual(0)
		const other = driver === 'pglite' ? await createPgliteDb({ dataDir: 'memory://' }) : await createDb(t.config)
		await other.close()
		await other.close()
		expect((await other.health()).ok).toBe(false)
		await expect(other.privileged(async () => 1)).rejects.toThrow(/closed/)
	})

	if (driver === 'pglite') {
		it('keeps a second opener off the same data directory', async () => {
			const root = makeTempDir()
			const dir = `${root}/pg`
			const first = await createPgliteDb({ dataDir: dir })
			await expect(createPgliteDb({ dataDir: dir })).rejects.toThrow(/in use by process/)
			await first.close()
			const second = await createPgliteDb({ dataDir: dir })
			await second.close()
			fs.rmSync(root, { recursive: true, force: true })
		})
	}
})
