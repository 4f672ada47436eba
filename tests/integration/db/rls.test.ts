/**
 * Row-level security, table by table: what one signed-in user can reach of another's data (nothing),
 * what anon can reach (only a live share, by its slug), and that every table in public is covered.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { dbErrorCode, type Db, setShareSlug } from '#server/db/index.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { useTestDb } from '#tests/support/suite-services.ts'
import { type Graph, OWNED_TABLES, publicTables, SHARED_TABLES, seedGraph } from './graph.ts'

/** Runs `fn`; a permission/RLS/foreign-key error counts as "refused" and returns null. */
async function refusedOr<T>(fn: () => Promise<T>): Promise<T | null> {
	try {
		return await fn()
	} catch (error) {
		const code = dbErrorCode(error)
		if (code === '42501' || code === '23503') return null
		throw error
	}
}

async function stillThere(db: Db, table: string, id: string, column: string, value: unknown) {
	const { rows } = await db.privileged(tx => tx.query(`select ${column} as v from ${table} where id = $1`, [id]))
	expect(rows, `${table} row ${id} must still exist`).toHaveLength(1)
	expect(rows[0]?.v).not.toEqual(value)
}

describe.each(testDrivers())('row-level security on %s', driver => {
	const t = useTestDb(driver)
	let a: Graph
	let b: Graph
	let userA: string
	let userB: string

	beforeAll(async () => {
		userA = (await createUser(t.db)).id
		userB = (await createUser(t.db)).id
		a = await seedGraph(t.db, userA)
		b = await seedGraph(t.db, userB)
	})

	it('covers every table in public: each is either user data with an isolation entry, or shared', async () => {
		const tables = await publicTables(t.db)
		const uncovered = tables.filter(
			name => !(name in OWNED_TABLES) && !(SHARED_TABLES as readonly string[]).includes(name),
		)
		expect(uncovered, 'tables without an isolation entry in tests/integration/db/graph.ts').toEqual([])
		for (const name of Object.keys(OWNED_TABLES)) expect(tables).toContain(name)
	})

	it('has RLS enabled on every public table, and owner policies on every user-data table', async () => {
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ relname: string }>(
				"select relname from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace and not relrowsecurity",
			),
		)
		expect(rows.map(r => r.relname)).toEqual([])
		const { rows: policies } = await t.db.privileged(tx =>
			tx.query<{ tablename: string; qual: string | null; with_check: string | null }>(
				"select tablename, qual, with_check from pg_policies where schemaname = 'public' and 'authenticated' = any(roles)",
			),
		)
		for (const [table, entry] of Object.entries(OWNED_TABLES)) {
			const own = policies.filter(p => p.tablename === table)
			expect(own.length, `${table} has no policy for authenticated`).toBeGreaterThan(0)
			for (const p of own) {
				expect(`${p.qual ?? ''} ${p.with_check ?? ''}`).toMatch(
					new RegExp(`\\b${entry.owner} = \\(\\s*SELECT auth\\.uid\\(\\)`),
				)
			}
		}
	})

	describe.each(Object.entries(OWNED_TABLES))('%s', (table, entry) => {
		it("another user cannot select the owner's rows, and sees only their own", async () => {
			const ids = a[table] ?? []
			expect(ids.length).toBeGreaterThan(0)
			const visible = await t.db.asUser(userB, tx =>
				tx.query<{ id: string; owner: string }>(`select id, ${entry.owner} as owner from ${table}`),
			)
			expect(visible.rows.map(r => r.id).sort()).toEqual([...(b[table] ?? [])].sort())
			expect(visible.rows.every(r => r.owner === userB)).toBe(true)
			const direct = await t.db.asUser(userB, tx =>
				tx.query(`select id from ${table} where id = any($1::uuid[])`, [ids]),
			)
			expect(direct.rowCount).toBe(0)
		})

		it("another user cannot update or delete the owner's rows", async () => {
			const id = a[table]?.[0] ?? ''
			const column = entry.update?.column ?? 'created_at'
			const value = entry.update?.value ?? new Date(0)
			const updated = await refusedOr(() =>
				t.db.asUser(userB, tx => tx.query(`update ${table} set ${column} = $1 where id = $2`, [value, id])),
			)
			expect(updated?.rowCount ?? 0).toBe(0)
			await stillThere(t.db, table, id, column, value)
			const deleted = await refusedOr(() =>
				t.db.asUser(userB, tx => tx.query(`delete from ${table} where id = $1`, [id])),
			)
			expect(deleted?.rowCount ?? 0).toBe(0)
			await stillThere(t.db, table, id, column, value)
		})

		if (entry.update) {
			const { column, value } = entry.update
			it('the owner can update their own row (so the refusal above is RLS, not a broken grant)', async () => {
				const id = b[table]?.[0] ?? ''
				const { rowCount } = await t.db.asUser(userB, tx =>
					tx.query(`update ${table} set ${column} = $1 where id = $2`, [value, id]),
				)
				expect(rowCount).toBe(1)
			})
		}

		it('a user cannot insert a row owned by someone else, nor hang one under their rows', async () => {
			const asOther = entry.insert(userA, a)
			await expect(t.db.asUser(userB, tx => tx.query(...asOther))).rejects.toSatisfy((error: unknown) =>
				['42501', '23503'].includes(dbErrorCode(error) ?? ''),
			)
			if (table === 'users') return
			const usesParents =
				/\$[2-9]/.test(asOther[0]) && !['identities', 'api_tokens', 'idempotency_keys'].includes(table)
			if (!usesParents) return
			// owned by B, but pointing at A's parent rows
			const [sql, params] = entry.insert(userB, a)
			await expect(t.db.asUser(userB, tx => tx.query(sql, params))).rejects.toSatisfy((error: unknown) =>
				['42501', '23503'].includes(dbErrorCode(error) ?? ''),
			)
		})
	})

	it('lets users read the model catalogue but not write it; webhook events are privileged only', async () => {
		await t.db.privileged(tx =>
			tx.query(
				"insert into models (id, provider, capabilities, display_name) values ('offline:chat', 'offline', '{chat,title}', 'Offline chat') on conflict do nothing",
			),
		)
		const { rows } = await t.db.asUser(userA, tx => tx.query<{ id: string }>('select id from models'))
		expect(rows.map(r => r.id)).toContain('offline:chat')
		await expect(
			t.db.asUser(userA, tx =>
				tx.query("insert into models (id, provider, display_name) values ('offline:x', 'offline', 'x')"),
			),
		).rejects.toSatisfy((e: unknown) => dbErrorCode(e) === '42501')
		await expect(t.db.asUser(userA, tx => tx.query('update models set enabled = false'))).rejects.toSatisfy(
			(e: unknown) => dbErrorCode(e) === '42501',
		)
		await expect(t.db.asUser(userA, tx => tx.query('select * from webhook_events'))).rejects.toSatisfy(
			(e: unknown) => dbErrorCode(e) === '42501',
		)
		await expect(t.db.asUser(userA, tx => tx.query('select * from deployment_settings'))).rejects.toSatisfy(
			(e: unknown) => dbErrorCode(e) === '42501',
		)
	})

	it('users cannot read password hashes or token hashes, nor raise their own role', async () => {
		await expect(t.db.asUser(userA, tx => tx.query('select password_hash from users'))).rejects.toSatisfy(
			(e: unknown) => dbErrorCode(e) === '42501',
		)
		await expect(t.db.asUser(userA, tx => tx.query('select token_hash from api_tokens'))).rejects.toSatisfy(
			(e: unknown) => dbErrorCode(e) === '42501',
		)
		await expect(
			t.db.asUser(userA, tx => tx.query("update users set role = 'admin' where id = $1", [userA])),
		).rejects.toSatisfy((e: unknown) => dbErrorCode(e) === '42501')
	})

	describe('anon', () => {
		it('sees nothing without a share slug', async () => {
			const db = t.db
			for (const table of await publicTables(db)) {
				const result = await refusedOr(() => db.asAnon(tx => tx.query(`select 1 from ${table}`)))
				expect(result?.rowCount ?? 0, `anon reads ${table}`).toBe(0)
			}
		})

		it('reads exactly the shared conversation and its messages through the slug, until it is revoked', async () => {
			const shareId = a.shared_content?.[0]
			const { rows: shares } = await t.db.privileged(tx =>
				tx.query<{ slug: string; target_id: string }>('select slug, target_id from shared_content where id = $1', [
					shareId,
				]),
			)
			const share = shares[0]
			if (!share) throw new Error('no share seeded')
			const read = () =>
				t.db.asAnon(async tx => {
					await setShareSlug(tx, share.slug)
					const conversations = await tx.query<{ id: string }>('select id, title from conversations')
					const messages = await tx.query<{ id: string; conversation_id: string }>(
						'select id, conversation_id, content from messages',
					)
					const generations = await tx.query('select id from generations')
					return { conversations: conversations.rows, messages: messages.rows, generations: generations.rows }
				})
			const shared = await read()
			expect(shared.conversations.map(c => c.id)).toEqual([share.target_id])
			// only the messages the link was made with (the seed's reply came later): never another branch
			expect(shared.messages.map(m => m.id)).toEqual([a.messages?.[0]])
			expect(shared.messages.every(m => m.conversation_id === share.target_id)).toBe(true)
			expect(shared.generations).toEqual([])
			// private columns stay private even for the shared row
			await expect(
				t.db.asAnon(async tx => {
					await setShareSlug(tx, share.slug)
					return await tx.query('select system_prompt from conversations')
				}),
			).rejects.toSatisfy((e: unknown) => dbErrorCode(e) === '42501')
			// a wrong slug shows nothing
			const wrong = await t.db.asAnon(async tx => {
				await setShareSlug(tx, 'x'.repeat(22))
				return (await tx.query('select id from conversations')).rowCount
			})
			expect(wrong).toBe(0)
			await t.db.asUser(userA, tx => tx.query('update shared_content set revoked_at = now() where id = $1', [shareId]))
			const revoked = await read()
			expect(revoked.conversations).toEqual([])
			expect(revoked.messages).toEqual([])
		})
	})
})
