/** The database itself rejects bad data, and deleting a user removes everything they own. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbErrorCode, PG_ERROR } from '#server/db/index.ts'
import {
	createConversation,
	createGeneration,
	createTestDb,
	createUser,
	databaseClockPast,
	type TestDb,
	testDrivers,
} from '#tests/support/database.ts'
import { OWNED_TABLES, seedGraph } from './graph.ts'

const code = (expected: string) => (error: unknown) => dbErrorCode(error) === expected

describe.each(testDrivers())('constraints on %s', driver => {
	let t: TestDb
	beforeAll(async () => {
		t = await createTestDb(driver)
	})
	afterAll(async () => {
		await t?.dispose()
	})

	it.each([
		['users.role', "insert into users (email, role) values ('x@example.test', 'root')"],
		[
			'generations.kind',
			"insert into generations (user_id, kind, provider, model) values ($1, 'hologram', 'offline', 'm')",
		],
		[
			'generations.status',
			"insert into generations (user_id, kind, status, provider, model) values ($1, 'image', 'done', 'offline', 'm')",
		],
		['messages.role', "insert into messages (user_id, conversation_id, role) values ($1, $2, 'robot')"],
		[
			'messages.status',
			"insert into messages (user_id, conversation_id, role, status) values ($1, $2, 'user', 'lost')",
		],
		['identities.provider', "insert into identities (user_id, provider, provider_user_id) values ($1, 'myspace', '1')"],
		[
			'api_usage.capability',
			"insert into api_usage (user_id, provider, model, capability) values ($1, 'offline', 'm', 'mindreading')",
		],
		[
			'workflow_runs.status',
			"insert into workflow_runs (user_id, workflow_id, status) values ($1, gen_random_uuid(), 'paused')",
		],
		[
			'shared_content.kind',
			"insert into shared_content (user_id, slug, kind, target_id) values ($1, 'abcdefghijklmnopqrstuv', 'user', $2)",
		],
		[
			'models.capabilities',
			"insert into models (id, provider, capabilities, display_name) values ('offline:x', 'offline', '{telepathy}', 'x')",
		],
		[
			'generations.cost_micros',
			"insert into generations (user_id, kind, provider, model, cost_micros) values ($1, 'image', 'offline', 'm', -1)",
		],
	])('rejects a bad %s value', async (_column, sql) => {
		const user = await createUser(t.db)
		const conversation = await createConversation(t.db, user.id)
		const highest = Math.max(0, ...[...sql.matchAll(/\$(\d)/g)].map(m => Number(m[1])))
		const params = [user.id, conversation.id].slice(0, highest)
		await expect(t.db.privileged(tx => tx.query(sql, params))).rejects.toSatisfy(code(PG_ERROR.checkViolation))
	})

	it('rejects missing foreign keys', async () => {
		const user = await createUser(t.db)
		const missing = '00000000-0000-4000-8000-000000000000'
		await expect(
			t.db.privileged(tx => tx.query('insert into conversations (user_id) values ($1)', [missing])),
		).rejects.toSatisfy(code(PG_ERROR.foreignKeyViolation))
		await expect(
			t.db.privileged(tx =>
				tx.query("insert into messages (user_id, conversation_id, role) values ($1, $2, 'user')", [user.id, missing]),
			),
		).rejects.toSatisfy(code(PG_ERROR.foreignKeyViolation))
		await expect(
			t.db.privileged(tx =>
				tx.query(
					"insert into shared_content (user_id, slug, kind, target_id) values ($1, 'abcdefghijklmnopqrstuv', 'generation', $2)",
					[user.id, missing],
				),
			),
		).rejects.toSatisfy(code(PG_ERROR.foreignKeyViolation))
	})

	it('rejects duplicates of unique keys (email case-insensitively, provider identities, idempotency keys)', async () => {
		const user = await createUser(t.db, { email: 'Dup@Example.test' })
		await expect(createUser(t.db, { email: 'dup@example.TEST' })).rejects.toSatisfy(code(PG_ERROR.uniqueViolation))
		const identity = "insert into identities (user_id, provider, provider_user_id) values ($1, 'google', 'g-1')"
		await t.db.privileged(tx => tx.query(identity, [user.id]))
		const other = await createUser(t.db)
		await expect(t.db.privileged(tx => tx.query(identity, [other.id]))).rejects.toSatisfy(
			code(PG_ERROR.uniqueViolation),
		)
		const key = "insert into idempotency_keys (user_id, key, request_hash) values ($1, 'k-1', 'h')"
		await t.db.privileged(tx => tx.query(key, [user.id]))
		await expect(t.db.privileged(tx => tx.query(key, [user.id]))).rejects.toSatisfy(code(PG_ERROR.uniqueViolation))
		await t.db.privileged(tx => tx.query(key, [other.id])) // per user
	})

	it('keeps a message branch inside its conversation and a leaf pointer valid', async () => {
		const user = await createUser(t.db)
		const one = await createConversation(t.db, user.id)
		const two = await createConversation(t.db, user.id)
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ id: string }>(
				"insert into messages (user_id, conversation_id, role) values ($1, $2, 'user') returning id",
				[user.id, one.id],
			),
		)
		const root = rows[0]?.id
		await expect(
			t.db.privileged(tx =>
				tx.query("insert into messages (user_id, conversation_id, parent_id, role) values ($1, $2, $3, 'assistant')", [
					user.id,
					two.id,
					root,
				]),
			),
		).rejects.toSatisfy(code(PG_ERROR.foreignKeyViolation))
		await expect(
			t.db.privileged(tx => tx.query('update conversations set current_leaf_id = $1 where id = $2', [root, two.id])),
		).rejects.toSatisfy(code(PG_ERROR.foreignKeyViolation))
		await t.db.privileged(tx => tx.query('update conversations set current_leaf_id = $1 where id = $2', [root, one.id]))
		await t.db.privileged(tx => tx.query('delete from messages where id = $1', [root]))
		const { rows: after } = await t.db.privileged(tx =>
			tx.query<{ current_leaf_id: string | null }>('select current_leaf_id from conversations where id = $1', [one.id]),
		)
		expect(after[0]?.current_leaf_id).toBeNull()
	})

	it('keeps updated_at current and fills the search vectors', async () => {
		const user = await createUser(t.db)
		const generation = await createGeneration(t.db, user.id)
		const before = await t.db.privileged(tx =>
			tx.query<{ updated_at: Date }>('select updated_at from generations where id = $1', [generation.id]),
		)
		await databaseClockPast(t.db, before.rows[0]!.updated_at)
		const after = await t.db.privileged(tx =>
			tx.query<{ updated_at: Date }>("update generations set status = 'running' where id = $1 returning updated_at", [
				generation.id,
			]),
		)
		expect(after.rows[0]!.updated_at.getTime()).toBeGreaterThan(before.rows[0]!.updated_at.getTime())
		const conversation = await createConversation(t.db, user.id, { title: 'Painting foxes in winter' })
		const found = await t.db.asUser(user.id, tx =>
			tx.query("select id from conversations where search @@ websearch_to_tsquery('english', 'fox painting')"),
		)
		expect(found.rows).toEqual([{ id: conversation.id }])
	})

	it('removes everything a user owns when the user is deleted, and nothing of anyone else', async () => {
		const gone = await createUser(t.db)
		const kept = await createUser(t.db)
		const goneRows = await seedGraph(t.db, gone.id)
		const keptRows = await seedGraph(t.db, kept.id)
		await t.db.asUser(gone.id, tx => tx.query('delete from users where id = $1', [gone.id]))
		for (const [table, entry] of Object.entries(OWNED_TABLES)) {
			const { rows } = await t.db.privileged(tx =>
				tx.query<{ owner: string; n: number }>(
					`select ${entry.owner} as owner, count(*)::int as n from ${table} where ${entry.owner} = any($1::uuid[]) group by 1`,
					[[gone.id, kept.id]],
				),
			)
			expect(
				rows.find(r => r.owner === gone.id),
				`${table} still has rows of the deleted user`,
			).toBeUndefined()
			expect(rows.find(r => r.owner === kept.id)?.n, `${table} lost rows of another user`).toBe(keptRows[table]?.length)
			expect(goneRows[table]?.length).toBeGreaterThan(0)
		}
	})
})
