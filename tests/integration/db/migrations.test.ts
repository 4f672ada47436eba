/** Migrations: up -> down -> up gives the same schema, they apply on a Supabase-like database, and RLS is on. */
import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type Db, loadMigrations, migrate, migrationStatus, rollback } from '#server/db/index.ts'
import { createTestDb, createUser, type TestDb, testDrivers } from '#tests/support/database.ts'

/** The schema as information_schema and pg_catalog describe it, as comparable text. */
async function schemaSnapshot(db: Db) {
	return await db.privileged(async tx => {
		const columns = await tx.query(
			`select table_name, column_name, data_type, is_nullable, column_default, is_generated, generation_expression
			from information_schema.columns where table_schema = 'public' order by table_name, column_name`,
		)
		const constraints = await tx.query(
			`select conrelid::regclass::text as table, conname, contype, pg_get_constraintdef(oid) as def
			from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`,
		)
		const indexes = await tx.query(
			"select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2",
		)
		const policies = await tx.query(
			"select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies where schemaname = 'public' order by 1, 2",
		)
		const grants = await tx.query(
			`select table_name, grantee, privilege_type from information_schema.role_table_grants
			where table_schema = 'public' and grantee in ('anon', 'authenticated') order by 1, 2, 3`,
		)
		const columnGrants = await tx.query(
			`select table_name, column_name, grantee, privilege_type from information_schema.column_privileges
			where table_schema = 'public' and grantee in ('anon', 'authenticated') order by 1, 2, 3, 4`,
		)
		const triggers = await tx.query(
			`select event_object_table, trigger_name, event_manipulation, action_statement from information_schema.triggers
			where trigger_schema = 'public' order by 1, 2, 3`,
		)
		return {
			columns: columns.rows,
			constraints: constraints.rows,
			indexes: indexes.rows,
			policies: policies.rows,
			grants: grants.rows,
			columnGrants: columnGrants.rows,
			triggers: triggers.rows,
		}
	})
}

async function publicTableCount(db: Db) {
	const { rows } = await db.privileged(tx =>
		tx.query<{ n: number }>(
			"select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'",
		),
	)
	return rows[0]?.n ?? -1
}

describe.each(testDrivers())('migrations on %s', driver => {
	let t: TestDb | undefined
	afterEach(async () => {
		await t?.dispose()
		t = undefined
	})

	it('has a rollback for every migration, named like the Supabase CLI names migrations', () => {
		const migrations = loadMigrations()
		expect(migrations.length).toBeGreaterThan(0)
		for (const m of migrations) {
			expect(m.file).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/)
			expect(m.down.trim().length).toBeGreaterThan(0)
		}
		const rollbacks = fs.readdirSync(new URL('../../../supabase/rollbacks', import.meta.url)).sort()
		expect(rollbacks).toEqual(migrations.map(m => m.file))
	})

	it('goes up -> down -> up with the same schema, one step at a time and all at once', async () => {
		t = await createTestDb(driver, { migrate: false })
		const all = loadMigrations().map(m => m.version)
		expect(await migrate(t.db)).toEqual(all)
		expect(await migrate(t.db)).toEqual([])
		const up = await schemaSnapshot(t.db)
		expect(up.columns.length).toBeGreaterThan(50)

		// one step back and forth for each migration
		for (let i = all.length - 1; i >= 0; i--) {
			expect(await rollback(t.db)).toEqual([all[i]])
		}
		expect(await publicTableCount(t.db)).toBe(0)
		expect(await migrate(t.db)).toEqual(all)
		expect(await schemaSnapshot(t.db)).toEqual(up)

		// rollback --to: everything newer than the first migration, then back up
		const first = all[0] ?? ''
		expect(await rollback(t.db, { to: first })).toEqual(all.slice(1).reverse())
		const status = await migrationStatus(t.db)
		expect(status.filter(s => s.applied).map(s => s.version)).toEqual([first])
		await migrate(t.db)
		expect(await schemaSnapshot(t.db)).toEqual(up)

		// down to nothing and up again, with data in between
		await createUser(t.db)
		await rollback(t.db, { to: '0' })
		expect(await publicTableCount(t.db)).toBe(0)
		await migrate(t.db)
		expect(await schemaSnapshot(t.db)).toEqual(up)
		// Its own time limit: it walks every migration up and down four times, which grows with each migration
		// (about 40 now; on the embedded database each is a WASM Postgres script). Not a budget.
	}, 240_000)

	it('applies each migration once when several processes migrate at the same moment', async () => {
		t = await createTestDb(driver, { migrate: false })
		const db = t.db
		const results = await Promise.all([migrate(db), migrate(db), migrate(db)])
		expect(results.flat().sort()).toEqual(loadMigrations().map(m => m.version))
	})

	it('leaves no table in public without row-level security', async () => {
		t = await createTestDb(driver)
		const { rows } = await t.db.privileged(tx =>
			tx.query(
				"select relname from pg_class where relkind='r' and relnamespace='public'::regnamespace and not relrowsecurity",
			),
		)
		expect(rows).toEqual([])
	})

	it('applies on top of a Supabase-like database, keeps its auth.uid(), and guards storage folders', async () => {
		const preamble = fs.readFileSync(new URL('../../fixtures/supabase-preamble.sql', import.meta.url), 'utf8')
		t = await createTestDb(driver, { preamble })
		const db = t.db
		const { rows: uid } = await db.privileged(tx =>
			tx.query<{ comment: string }>("select obj_description('auth.uid()'::regprocedure, 'pg_proc') as comment"),
		)
		expect(uid[0]?.comment).toBe('supabase auth')

		// Supabase grants everything in public to anon by default; the migrations take it back.
		const { rows: anonGrants } = await db.privileged(tx =>
			tx.query<{ table_name: string; privilege_type: string }>(
				`select table_name, privilege_type from information_schema.role_table_grants
				where table_schema = 'public' and grantee = 'anon'`,
			),
		)
		expect(anonGrants).toEqual([])

		const alice = await createUser(db)
		const bob = await createUser(db)
		const put = (userId: string, name: string) =>
			db.asUser(userId, tx => tx.query("insert into storage.objects (bucket_id, name) values ('media', $1)", [name]))
		await put(alice.id, `${alice.id}/image.png`)
		await expect(put(alice.id, `${bob.id}/image.png`)).rejects.toThrow(/row-level security/)
		await put(bob.id, `${bob.id}/other.png`)
		const seen = await db.asUser(alice.id, tx => tx.query<{ name: string }>('select name from storage.objects'))
		expect(seen.rows.map(r => r.name)).toEqual([`${alice.id}/image.png`])

		// Rolling everything back leaves Supabase's own objects alone.
		await rollback(db, { to: '0' })
		const { rows: still } = await db.privileged(tx =>
			tx.query<{ fn: string | null; policies: number }>(
				`select to_regprocedure('auth.uid()')::text as fn,
				(select count(*)::int from pg_policies where schemaname = 'storage') as policies`,
			),
		)
		expect(still[0]).toEqual({ fn: 'auth.uid()', policies: 0 })
		await migrate(db)
	})
})
