/**
 * The owner's side of share links: make one (what it shows is fixed then: a conversation's messages, a run's
 * outputs, a project's sounds), list them with their views, revoke one. Everything runs as the owner through
 * row-level security; the share-target trigger refuses a target that is not theirs.
 */
import { randomBytes } from 'node:crypto'
import type { Db, Tx } from '#server/db/index.ts'
import type { Actor } from '../actor.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { SHARE_EXPIRIES, type CreateShareInput, type ShareKind } from './schema.ts'

export type ShareStatus = 'live' | 'revoked' | 'expired'

export type ShareLink = {
	id: string
	slug: string
	kind: ShareKind
	targetId: string
	/** The link's own title, or the shared item's name when it has none. */
	title: string
	customTitle: string | null
	views: number
	status: ShareStatus
	expiresAt: Date | null
	revokedAt: Date | null
	createdAt: Date
}

type LinkRow = {
	id: string
	slug: string
	kind: ShareKind
	target_id: string
	title: string | null
	target_name: string | null
	view_count: number | string
	expires_at: Date | null
	revoked_at: Date | null
	created_at: Date
}

const LINK_COLUMNS = `s.id, s.slug, s.kind, s.target_id, s.title, s.view_count, s.expires_at, s.revoked_at, s.created_at,
	coalesce(c.title, left(g.prompt, 120), w.name, a.name) as target_name`
const LINK_JOINS = `left join public.conversations c on s.kind = 'conversation' and c.id = s.target_id
	left join public.generations g on s.kind = 'generation' and g.id = s.target_id
	left join public.workflows w on s.kind = 'workflow' and w.id = s.target_id
	left join public.audio_projects a on s.kind = 'audio_project' and a.id = s.target_id`

const KIND_WORDS: Record<ShareKind, string> = {
	conversation: 'Conversation',
	generation: 'Generation',
	workflow: 'Workflow',
	audio_project: 'Audio project',
}

function toLink(row: LinkRow, now = new Date()): ShareLink {
	const status: ShareStatus = row.revoked_at ? 'revoked' : row.expires_at && row.expires_at <= now ? 'expired' : 'live'
	return {
		id: row.id,
		slug: row.slug,
		kind: row.kind,
		targetId: row.target_id,
		title: row.title || row.target_name?.trim() || KIND_WORDS[row.kind],
		customTitle: row.title || null,
		views: Number(row.view_count),
		status,
		expiresAt: row.expires_at,
		revokedAt: row.revoked_at,
		createdAt: row.created_at,
	}
}

/** What a new link shows beyond its target, read as the owner when the link is made. */
type Scope = { messageIds: string[] | null; runId: string | null; generationIds: string[] }

const badMessage = (message: string) => refuse(400, 'invalid_range', message, { fields: { fromMessageId: [message] } })

async function conversationScope(tx: Tx, id: string, input: CreateShareInput): Promise<Scope | Refusal> {
	const { rows } = await tx.query<{ current_leaf_id: string | null }>(
		'select current_leaf_id from public.conversations where id = $1 and deleted_at is null',
		[id],
	)
	const conversation = rows[0]
	if (!conversation) return notFound('That conversation')
	const leaf = input.toMessageId ?? conversation.current_leaf_id
	if (!leaf) return refuse(400, 'empty_conversation', 'This conversation has no messages to share yet.')
	// The branch ending at the chosen last message, root first.
	const { rows: branch } = await tx.query<{ id: string }>(
		`with recursive branch as (
			select id, parent_id, 1 as depth from public.messages where id = $1 and conversation_id = $2
			union all
			select m.id, m.parent_id, b.depth + 1 from public.messages m join branch b on m.id = b.parent_id
		)
		select id from branch order by depth desc`,
		[leaf, id],
	)
	if (branch.length === 0) return badMessage('That last message is not in this conversation.')
	let ids = branch.map(r => r.id)
	if (input.fromMessageId) {
		const start = ids.indexOf(input.fromMessageId)
		if (start < 0) return badMessage('The first message must come before the last one, on the same branch.')
		ids = ids.slice(start)
	}
	return { messageIds: ids, runId: null, generationIds: [] }
}

async function workflowScope(tx: Tx, id: string, includeOutputs: boolean): Promise<Scope | Refusal> {
	const { rowCount } = await tx.query('select 1 from public.workflows where id = $1', [id])
	if (rowCount === 0) return notFound('That workflow')
	if (!includeOutputs) return { messageIds: null, runId: null, generationIds: [] }
	const { rows } = await tx.query<{ id: string }>(
		`select id from public.workflow_runs where workflow_id = $1 and status in ('succeeded', 'failed')
		 order by created_at desc, id desc limit 1`,
		[id],
	)
	const run = rows[0]
	if (!run)
		return refuse(409, 'no_run', 'This workflow has not finished a run yet: run it, or share it without outputs.')
	const { rows: media } = await tx.query<{ generation_id: string }>(
		`select n.generation_id from public.workflow_node_runs n
		 join public.generations g on g.id = n.generation_id and g.deleted_at is null
		 where n.run_id = $1 and n.generation_id is not null`,
		[run.id],
	)
	return { messageIds: null, runId: run.id, generationIds: media.map(m => m.generation_id) }
}

async function audioProjectScope(tx: Tx, id: string): Promise<Scope | Refusal> {
	const { rows } = await tx.query<{ data: unknown }>('select data from public.audio_projects where id = $1', [id])
	const project = rows[0]
	if (!project) return notFound('That audio project')
	// The project's sounds and its newest finished mixdown, so the page can play them.
	const { rows: media } = await tx.query<{ id: string }>(
		`select g.id from public.generations g
		 where g.deleted_at is null and g.status = 'succeeded' and (
			g.id in (
				select (clip->>'generationId')::uuid
				from jsonb_array_elements(coalesce($2::jsonb->'tracks', '[]'::jsonb)) track,
					jsonb_array_elements(coalesce(track->'clips', '[]'::jsonb)) clip
				where clip->>'generationId' ~* '^[0-9a-f-]{36}$'
			)
			or g.id = (
				select m.id from public.generations m
				where m.kind = 'audio' and m.params->>'projectId' = $1::text and m.status = 'succeeded' and m.deleted_at is null
				order by m.created_at desc limit 1
			)
		 )`,
		[id, JSON.stringify(project.data)],
	)
	return { messageIds: null, runId: null, generationIds: media.map(m => m.id) }
}

async function generationScope(tx: Tx, id: string): Promise<Scope | Refusal> {
	const { rows } = await tx.query<{ status: string }>(
		'select status from public.generations where id = $1 and deleted_at is null',
		[id],
	)
	const generation = rows[0]
	if (!generation) return notFound('That generation')
	if (generation.status !== 'succeeded') {
		return refuse(409, 'not_finished', 'Only a finished generation can be shared: wait for it, or retry it.')
	}
	return { messageIds: null, runId: null, generationIds: [] }
}

export function createLinks(deps: { db: Db; onRevoke?: (slug: string) => void }) {
	const { db } = deps

	/** Makes a link for something `actor` owns. */
	async function create(actor: Actor, input: CreateShareInput): Promise<ShareLink | Refusal> {
		return db.asUser(actor.id, async tx => {
			const scope =
				input.kind === 'conversation'
					? await conversationScope(tx, input.targetId, input)
					: input.kind === 'workflow'
						? await workflowScope(tx, input.targetId, input.includeOutputs)
						: input.kind === 'audio_project'
							? await audioProjectScope(tx, input.targetId)
							: await generationScope(tx, input.targetId)
			if ('refused' in scope) return scope
			const seconds = SHARE_EXPIRIES[input.expiresIn]
			const slug = randomBytes(16).toString('base64url')
			const { rows } = await tx.query<{ id: string }>(
				`insert into public.shared_content (user_id, slug, kind, target_id, title, expires_at, message_ids, run_id, generation_ids)
				 values ($1, $2, $3, $4, nullif($5, ''), case when $6::integer is null then null else now() + make_interval(secs => $6::integer) end,
					$7::uuid[], $8, $9::uuid[])
				 returning id`,
				[
					actor.id,
					slug,
					input.kind,
					input.targetId,
					input.title,
					seconds,
					scope.messageIds,
					scope.runId,
					scope.generationIds,
				],
			)
			const link = await loadLink(tx, rows[0]?.id ?? '')
			return link ?? notFound('That share link')
		})
	}

	async function loadLink(tx: Tx, id: string): Promise<ShareLink | null> {
		const { rows } = await tx.query<LinkRow>(
			`select ${LINK_COLUMNS} from public.shared_content s ${LINK_JOINS} where s.id = $1`,
			[id],
		)
		return rows[0] ? toLink(rows[0]) : null
	}

	/** Every link `actor` made, newest first. */
	async function list(actor: Actor, options: { kind?: ShareKind; targetId?: string } = {}): Promise<ShareLink[]> {
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<LinkRow>(
				`select ${LINK_COLUMNS} from public.shared_content s ${LINK_JOINS}
				 where ($1::text is null or s.kind = $1) and ($2::uuid is null or s.target_id = $2)
				 order by s.created_at desc, s.id desc limit 500`,
				[options.kind ?? null, options.targetId ?? null],
			)
			return rows.map(row => toLink(row))
		})
	}

	/** Stops a link at once: the next request for it is a 404. */
	async function revoke(actor: Actor, id: string): Promise<ShareLink | Refusal> {
		const link = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ id: string }>(
				'update public.shared_content set revoked_at = coalesce(revoked_at, now()) where id = $1 returning id',
				[id],
			)
			return rows[0] ? loadLink(tx, rows[0].id) : null
		})
		if (!link) return notFound('That share link')
		deps.onRevoke?.(link.slug)
		return link
	}

	return { create, list, revoke }
}
