/**
 * One user's complete set of rows: something in every user-data table. The RLS, cascade and backup
 * suites seed two of these and check what each user can reach. A new user-data table needs an entry
 * in OWNED_TABLES (the suites fail until it has one).
 */
import { randomBytes } from 'node:crypto'
import type { Db, Tx } from '#server/db/index.ts'

/**
 * Tables that belong to no user: the catalogue, webhook replay protection, the deployment's own settings, and the
 * administrators' audit log (tests/integration/admin/admin.test.ts covers its policies).
 */
export const SHARED_TABLES = ['models', 'webhook_events', 'deployment_settings', 'admin_audit'] as const

export type Graph = Record<string, string[]>

type Refs = Graph
type Insert = (owner: string, refs: Refs) => [string, unknown[]]

export type OwnedTable = {
	/** The column naming the owner (`id` for users). */
	owner: string
	/** A column `authenticated` may update (null: the table is not updatable by users). */
	update: { column: string; value: unknown } | null
	/** Inserts a row owned by `owner`, pointing at the parent rows in `refs`. */
	insert: Insert
}

const slug = () => randomBytes(16).toString('base64url')

/** A table owned through its `user_id`, whose users may change `update` (null: they may not update it). */
const byUser = (update: OwnedTable['update'], insert: Insert): OwnedTable => ({ owner: 'user_id', update, insert })
const set = (column: string, value: unknown) => ({ column, value })

export const OWNED_TABLES: Record<string, OwnedTable> = {
	users: {
		owner: 'id',
		update: { column: 'name', value: 'renamed' },
		insert: () => [`insert into users (email) values ($1)`, [`${slug()}@example.test`]],
	},
	identities: byUser(null, owner => [
		`insert into identities (user_id, provider, provider_user_id) values ($1, 'github', $2)`,
		[owner, slug()],
	]),
	sessions: byUser(null, owner => [
		`insert into sessions (user_id, expires_at) values ($1, now() + interval '1 day')`,
		[owner],
	]),
	api_tokens: byUser(set('name', 'renamed'), owner => [
		`insert into api_tokens (user_id, name, token_hash) values ($1, 'cli', $2)`,
		[owner, slug()],
	]),
	conversations: byUser(set('title', 'renamed'), owner => [
		`insert into conversations (user_id, title) values ($1, 'x')`,
		[owner],
	]),
	messages: byUser(set('content', 'edited'), (owner, refs) => [
		`insert into messages (user_id, conversation_id, parent_id, role, content) values ($1, $2, $3, 'user', 'x')`,
		[owner, refs.conversations?.[0], refs.messages?.[0]],
	]),
	attachments: byUser(set('name', 'renamed'), (owner, refs) => [
		`insert into attachments (user_id, message_id, bucket, key, content_type, size, name)
		values ($1, $2, 'attachments', $3, 'image/png', 10, 'a.png')`,
		[owner, refs.messages?.[0], `${owner}/${slug()}`],
	]),
	generations: byUser(set('status', 'canceled'), (owner, refs) => [
		`insert into generations (user_id, kind, provider, model, prompt, parent_id) values ($1, 'image', 'offline', 'offline:image', 'x', $2)`,
		[owner, refs.generations?.[0]],
	]),
	idempotency_keys: byUser(set('request_hash', 'changed'), owner => [
		`insert into idempotency_keys (user_id, key, request_hash) values ($1, $2, 'h')`,
		[owner, slug()],
	]),
	api_usage: byUser(null, (owner, refs) => [
		`insert into api_usage (user_id, provider, model, capability, input_tokens, output_tokens, cost_micros, generation_id, message_id)
		values ($1, 'offline', 'offline:chat', 'chat', 10, 20, 30, $2, $3)`,
		[owner, refs.generations?.[0], refs.messages?.[0]],
	]),
	// Written by api_usage's triggers; this adds to the row the api_usage entry above made (same day, model and
	// capability), so each user has exactly one rollup row and the graph knows its id.
	api_usage_daily: byUser(null, owner => [
		`insert into api_usage_daily as d (user_id, day, model, capability, calls, input_tokens, output_tokens, cost_micros)
		values ($1, (now() at time zone 'utc')::date, 'offline:chat', 'chat', 1, 10, 20, 30)
		on conflict (user_id, day, model, capability) do update set calls = d.calls + excluded.calls`,
		[owner],
	]),
	workflows: byUser(set('name', 'renamed'), owner => [
		`insert into workflows (user_id, name, definition) values ($1, 'flow', '{"steps":[]}')`,
		[owner],
	]),
	workflow_runs: byUser(set('status', 'canceled'), (owner, refs) => [
		`insert into workflow_runs (user_id, workflow_id) values ($1, $2)`,
		[owner, refs.workflows?.[0]],
	]),
	workflow_node_runs: byUser(null, (owner, refs) => [
		`insert into workflow_node_runs (user_id, run_id, node_id, kind) values ($1, $2, $3, 'text')`,
		[owner, refs.workflow_runs?.[0], `n${slug().slice(0, 8).toLowerCase()}`],
	]),
	audio_projects: byUser(set('name', 'renamed'), owner => [
		`insert into audio_projects (user_id, name) values ($1, 'mix')`,
		[owner],
	]),
	transcripts: byUser(set('name', 'renamed'), (owner, refs) => [
		`insert into transcripts (user_id, provider, model, name, bucket, key, content_type, size, source_generation_id)
		values ($1, 'offline', 'offline:transcribe', 'talk.wav', 'media', $2, 'audio/wav', 10, $3)`,
		[owner, `${owner}/${slug()}`, refs.generations?.[0]],
	]),
	shared_content: byUser(set('revoked_at', new Date()), (owner, refs) => [
		`insert into shared_content (user_id, slug, kind, target_id, message_ids)
		values ($1, $2, 'conversation', $3, array(select id from messages where conversation_id = $3))`,
		[owner, slug(), refs.conversations?.[0]],
	]),
	share_views: byUser(null, (owner, refs) => [
		`insert into share_views (user_id, share_id, visitor) values ($1, $2, $3)`,
		[owner, refs.shared_content?.[0], slug()],
	]),
	// Kept by triggers on generations, attachments and transcripts; seedGraph reads back the rows they made.
	library_counts: byUser(null, owner => [
		`insert into library_counts (user_id, type, kind, model, items) values ($1, 'generation', 'text', $2, 1)`,
		[owner, slug()],
	]),
}

/** Insertion order: parents before children. */
const ORDER = [
	'identities',
	'sessions',
	'api_tokens',
	'conversations',
	'messages',
	'attachments',
	'generations',
	'idempotency_keys',
	'api_usage',
	'api_usage_daily',
	'workflows',
	'workflow_runs',
	'workflow_node_runs',
	'audio_projects',
	'transcripts',
	'shared_content',
	'share_views',
	'library_counts',
]

async function insertReturningId(tx: Tx, [sql, params]: [string, unknown[]]): Promise<string> {
	const { rows } = await tx.query<{ id: string }>(`${sql} returning id`, params)
	const id = rows[0]?.id
	if (!id) throw new Error(`insert returned no id: ${sql}`)
	return id
}

/** Seeds (privileged) one row per owned table for `userId` — two for tables with a self-reference. */
export async function seedGraph(db: Db, userId: string): Promise<Graph> {
	return await db.privileged(async tx => {
		const graph: Graph = { users: [userId] }
		for (const table of ORDER) {
			const entry = OWNED_TABLES[table]
			if (!entry) throw new Error(`no entry for ${table}`)
			const id = await insertReturningId(tx, entry.insert(userId, graph))
			graph[table] = [id]
		}
		// a reply and a derived generation, so the self-references are exercised
		const messages = graph.messages ?? []
		messages.push(await insertReturningId(tx, OWNED_TABLES.messages!.insert(userId, graph)))
		const generations = graph.generations ?? []
		generations.push(await insertReturningId(tx, OWNED_TABLES.generations!.insert(userId, graph)))
		const counts = await tx.query<{ id: string }>('select id from library_counts where user_id = $1', [userId])
		graph.library_counts = counts.rows.map(r => r.id)
		await tx.query('update conversations set current_leaf_id = $1 where id = $2', [
			messages[1],
			graph.conversations?.[0],
		])
		return graph
	})
}

/** Every base table in `public`. */
export async function publicTables(db: Db): Promise<string[]> {
	const { rows } = await db.privileged(tx =>
		tx.query<{ relname: string }>(
			"select relname from pg_class where relkind in ('r', 'p') and relnamespace = 'public'::regnamespace order by relname",
		),
	)
	return rows.map(r => r.relname)
}
