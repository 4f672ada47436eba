/**
 * Share links on PGlite and (with DATABASE_URL) Postgres: make, read, revoke and expire; a conversation link shows
 * its chosen messages only (never another branch, never a system prompt); the public read walks every column anon
 * may read and none is private; views count a person once per window and a crawler once; "Make a copy".
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Services } from '#server/services.ts'
import type { CreateShareInput } from '#server/domain/sharing/schema.ts'
import {
	createConversation,
	createGeneration,
	createMessage,
	createUser,
	testDrivers,
} from '#tests/support/database.ts'
import type { TestUser } from '#tests/support/database.ts'
import { startTestServices } from '#tests/support/services.ts'
import type { TestServices } from '#tests/support/services.ts'

const input = (over: Partial<CreateShareInput> & Pick<CreateShareInput, 'kind' | 'targetId'>): CreateShareInput => ({
	title: '',
	expiresIn: 'never',
	fromMessageId: undefined,
	toMessageId: undefined,
	includeOutputs: false,
	...over,
})

const person = {
	ip: '203.0.113.7',
	userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36',
}
const crawler = { ip: '198.51.100.9', userAgent: 'Twitterbot/1.0' }

/** Columns no share may ever show, whatever the table. */
const PRIVATE_COLUMNS = new Set([
	'user_id',
	'email',
	'password_hash',
	'system_prompt',
	'cost_micros',
	'input_tokens',
	'output_tokens',
	'params',
	'error',
	'idempotency_key',
	'prediction_id',
	'current_leaf_id',
	'inputs',
	'step_results',
	'token_hash',
	'deleted_at',
])

describe.each(testDrivers())('share links on %s', driver => {
	let t: TestServices
	let services: Services
	let owner: TestUser
	let other: TestUser
	const messages: Record<string, string> = {}
	let conversationId = ''

	beforeAll(async () => {
		t = await startTestServices(driver, {}, { workers: false })
		services = t.services
		owner = await createUser(services.db, { email: 'owner-private@example.test', name: 'Owner Private' })
		other = await createUser(services.db)
		// system → q1 → a1 → q2 → a2 (current), and a second version of q2 → a2b (another branch)
		const conversation = await createConversation(services.db, owner.id, { title: 'Tide pools' })
		conversationId = conversation.id
		const add = async (name: string, role: 'user' | 'assistant' | 'system', parent: string | null) => {
			messages[name] = (
				await createMessage(services.db, owner.id, conversationId, { role, content: `${name} text`, parentId: parent })
			).id
		}
		await add('system', 'system', null)
		await add('q1', 'user', messages.system ?? null)
		await add('a1', 'assistant', messages.q1 ?? null)
		await add('q2', 'user', messages.a1 ?? null)
		await add('a2', 'assistant', messages.q2 ?? null)
		await add('q2b', 'user', messages.a1 ?? null)
		await add('a2b', 'assistant', messages.q2b ?? null)
		await services.db.privileged(async tx => {
			await tx.query(
				`update conversations set current_leaf_id = $1, system_prompt = 'secret instructions' where id = $2`,
				[messages.a2, conversationId],
			)
			await tx.query(
				'update messages set cost_micros = 4242, input_tokens = 11, output_tokens = 22 where conversation_id = $1',
				[conversationId],
			)
		})
	}, 120_000)

	afterAll(async () => {
		await t?.dispose()
	})

	test('a conversation link shows the current branch only, without the system prompt, and counts views', async () => {
		const link = await services.sharing.create(
			owner,
			input({ kind: 'conversation', targetId: conversationId, title: 'Pools' }),
		)
		if ('refused' in link) throw new Error(link.message)
		expect(link.slug).toMatch(/^[A-Za-z0-9_-]{22}$/)
		const content = await services.sharing.view(link.slug, person)
		expect(content?.title).toBe('Pools')
		expect(content?.conversation?.messages.map(m => m.id)).toEqual([messages.q1, messages.a1, messages.q2, messages.a2])
		const json = JSON.stringify(content)
		for (const secret of [
			'secret instructions',
			'owner-private@example.test',
			'Owner Private',
			owner.id,
			'q2b text',
			'4242',
		]) {
			expect(json).not.toContain(secret)
		}
		// the same person again within the window: not counted again; someone else: counted
		await services.sharing.view(link.slug, person)
		await services.sharing.view(link.slug, { ...person, ip: '203.0.113.8' })
		// a crawler fetching the preview twice, from two addresses: counted once
		await services.sharing.view(link.slug, crawler)
		await services.sharing.view(link.slug, { ...crawler, ip: '198.51.100.10' })
		const [listed] = await services.sharing.list(owner, { targetId: conversationId })
		expect(listed?.views).toBe(3)
		expect(listed?.status).toBe('live')
	})

	test('a range of the branch, or another branch chosen as the last message', async () => {
		const range = await services.sharing.create(
			owner,
			input({ kind: 'conversation', targetId: conversationId, fromMessageId: messages.a1, toMessageId: messages.q2 }),
		)
		if ('refused' in range) throw new Error(range.message)
		const ranged = await services.sharing.view(range.slug, null)
		expect(ranged?.conversation?.messages.map(m => m.id)).toEqual([messages.a1, messages.q2])
		const bad = await services.sharing.create(
			owner,
			input({ kind: 'conversation', targetId: conversationId, fromMessageId: messages.q2b, toMessageId: messages.a2 }),
		)
		expect('refused' in bad && bad.status).toBe(400)
	})

	test('anon can read only columns that are not private, in every table a share page reads', async () => {
		const { rows } = await services.db.privileged(tx =>
			tx.query<{ table_name: string; column_name: string }>(
				`select table_name, column_name from information_schema.column_privileges
				 where grantee = 'anon' and privilege_type = 'SELECT' and table_schema = 'public'`,
			),
		)
		const tables = new Set(rows.map(r => r.table_name))
		for (const table of ['shared_content', 'conversations', 'messages', 'attachments', 'generations', 'workflows']) {
			expect(tables.has(table), `${table} is readable by anon`).toBe(true)
		}
		for (const table of ['users', 'sessions', 'api_tokens', 'api_usage', 'share_views', 'identities']) {
			expect(tables.has(table), `${table} must not be readable by anon`).toBe(false)
		}
		const exposed = rows.filter(r => PRIVATE_COLUMNS.has(r.column_name)).map(r => `${r.table_name}.${r.column_name}`)
		expect(exposed).toEqual([])
	})

	test('revoking takes effect at once, even for a link whose page was just cached', async () => {
		const link = await services.sharing.create(owner, input({ kind: 'conversation', targetId: conversationId }))
		if ('refused' in link) throw new Error(link.message)
		expect(await services.sharing.view(link.slug, person)).not.toBeNull()
		// someone else cannot revoke it
		expect(await services.sharing.revoke(other, link.id)).toMatchObject({ refused: true, status: 404 })
		expect(await services.sharing.view(link.slug, person)).not.toBeNull()
		const revoked = await services.sharing.revoke(owner, link.id)
		expect('refused' in revoked ? null : revoked.status).toBe('revoked')
		expect(await services.sharing.view(link.slug, person)).toBeNull()
		// revoked by another process (straight in the database): the cached content is not served either
		const second = await services.sharing.create(owner, input({ kind: 'conversation', targetId: conversationId }))
		if ('refused' in second) throw new Error(second.message)
		expect(await services.sharing.view(second.slug, person)).not.toBeNull()
		await services.db.asUser(owner.id, tx =>
			tx.query('update shared_content set revoked_at = now() where id = $1', [second.id]),
		)
		expect(await services.sharing.view(second.slug, person)).toBeNull()
		// and an unknown or malformed slug is the same null
		expect(await services.sharing.view('A'.repeat(22), person)).toBeNull()
		expect(await services.sharing.view('../etc', person)).toBeNull()
	})

	test('an expired link reads as nothing, and the owner sees it as expired', async () => {
		const link = await services.sharing.create(
			owner,
			input({ kind: 'conversation', targetId: conversationId, expiresIn: '1h' }),
		)
		if ('refused' in link) throw new Error(link.message)
		expect(link.expiresAt).not.toBeNull()
		expect(await services.sharing.view(link.slug, person)).not.toBeNull()
		await services.db.asUser(owner.id, tx =>
			tx.query(`update shared_content set expires_at = now() - interval '1 second' where id = $1`, [link.id]),
		)
		expect(await services.sharing.view(link.slug, person)).toBeNull()
		const listed = (await services.sharing.list(owner)).find(l => l.id === link.id)
		expect(listed?.status).toBe('expired')
	})

	test('only the owner can share an item, and only a finished generation', async () => {
		const queued = await createGeneration(services.db, owner.id, { status: 'queued' })
		expect(
			await services.sharing.create(other, input({ kind: 'conversation', targetId: conversationId })),
		).toMatchObject({
			status: 404,
		})
		expect(await services.sharing.create(owner, input({ kind: 'generation', targetId: queued.id }))).toMatchObject({
			status: 409,
		})
		const done = await createGeneration(services.db, owner.id, { status: 'succeeded', prompt: 'a heron at dawn' })
		const link = await services.sharing.create(owner, input({ kind: 'generation', targetId: done.id }))
		if ('refused' in link) throw new Error(link.message)
		const content = await services.sharing.view(link.slug, person)
		expect(content?.generation?.prompt).toBe('a heron at dawn')
		expect(content?.title).toBe('a heron at dawn')
		// the other conversation-only columns stay out of reach through a generation link
		expect(content?.conversation).toBeNull()
	})

	test('a signed-in visitor copies a shared conversation and a shared workflow into their own account', async () => {
		const link = await services.sharing.create(owner, input({ kind: 'conversation', targetId: conversationId }))
		if ('refused' in link) throw new Error(link.message)
		const copied = await services.sharing.copy(other, link.slug)
		if ('refused' in copied) throw new Error(copied.message)
		expect(copied.kind).toBe('conversation')
		const thread = await services.db.asUser(other.id, tx =>
			tx.query<{ role: string; content: string; user_id: string }>(
				`with recursive branch as (
					select m.* , 1 as depth from messages m join conversations c on c.current_leaf_id = m.id where c.id = $1
					union all select m.*, b.depth + 1 from messages m join branch b on m.id = b.parent_id
				) select role, content, user_id from branch order by depth desc`,
				[copied.id],
			),
		)
		expect(thread.rows.map(r => r.content)).toEqual(['q1 text', 'a1 text', 'q2 text', 'a2 text'])
		expect(thread.rows.every(r => r.user_id === other.id)).toBe(true)

		const flow = await services.workflows.create(owner, 'Heron poem', {
			version: 1,
			nodes: [{ id: 'topic', name: 'Topic', kind: 'text', value: 'herons' }],
			edges: [],
		})
		if ('refused' in flow) throw new Error(flow.message)
		// outputs asked for before any run: refused with a reason
		expect(
			await services.sharing.create(owner, input({ kind: 'workflow', targetId: flow.id, includeOutputs: true })),
		).toMatchObject({
			status: 409,
		})
		const shared = await services.sharing.create(owner, input({ kind: 'workflow', targetId: flow.id }))
		if ('refused' in shared) throw new Error(shared.message)
		const view = await services.sharing.view(shared.slug, null)
		expect(view?.workflow?.nodes.map(n => n.name)).toEqual(['Topic'])
		const copy = await services.sharing.copy(other, shared.slug)
		if ('refused' in copy) throw new Error(copy.message)
		const mine = await services.db.asUser(other.id, tx =>
			tx.query<{ name: string }>('select name from workflows where id = $1', [copy.id]),
		)
		expect(mine.rows.map(r => r.name)).toEqual(['Heron poem'])
		// a generation cannot be copied, and a revoked link copies nothing
		await services.sharing.revoke(owner, shared.id)
		expect(await services.sharing.copy(other, shared.slug)).toMatchObject({ status: 404 })
	})
})
