/**
 * The visitor's side of a share link: the page's content read as role `anon` through the share policies (never
 * privileged code), the view counter, and "Make a copy" for signed-in visitors. Every request asks the database
 * whether the link is still live (and counts the visit) in one statement, so a revoked or expired link is a 404
 * at once, on every process; only the content behind a live link is kept for a few seconds.
 */
import { createHash } from 'node:crypto'
import { isbot } from 'isbot'
import * as v from 'valibot'
import { setShareSlug, type Db, type Tx } from '#server/db/index.ts'
import type { MarkdownRenderer } from '#server/markdown/index.ts'
import type { Storage } from '#server/storage/index.ts'
import type { Actor } from '../actor.ts'
import type { GenerationOutput } from '../generations/rows.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { WorkflowDefinitionSchema } from '../workflows/schema.ts'
import { SLUG_PATTERN, type ShareKind } from './schema.ts'

/** A file on the share page, with a URL signed for no longer than the link lives. */
export type SharedMedia = {
	kind: 'image' | 'video' | 'audio' | 'file'
	contentType: string
	url: string
	/** Images: a gallery-sized copy; videos: nothing yet. */
	previewUrl: string | null
	width: number | null
	height: number | null
	duration: number | null
	/** Audio: a short waveform preview (0..1). */
	peaks: number[] | null
}

export type SharedMessage = {
	id: string
	role: 'user' | 'assistant'
	/** User messages as typed; assistant replies as sanitised HTML. */
	text: string
	html: string | null
	model: string | null
	createdAt: Date
	attachments: Array<{ name: string; media: SharedMedia }>
}

export type SharedGeneration = {
	id: string
	kind: string
	model: string
	prompt: string
	createdAt: Date
	media: SharedMedia[]
}

export type SharedWorkflowNode = { id: string; name: string; kind: string; model: string | null }

export type SharedContent = {
	slug: string
	kind: ShareKind
	title: string
	/** One line for link previews. */
	description: string
	createdAt: Date
	expiresAt: Date | null
	views: number
	/** The picture for link previews, when there is one. */
	preview: SharedMedia | null
	conversation: { title: string; model: string | null; messages: SharedMessage[] } | null
	generation: SharedGeneration | null
	workflow: {
		name: string
		nodes: SharedWorkflowNode[]
		edges: number
		definition: unknown
		run: {
			status: string
			completedAt: Date | null
			outputs: Array<{ nodeId: string; name: string; status: string; text: string | null; media: SharedMedia[] }>
		} | null
	} | null
	audioProject: {
		name: string
		tracks: Array<{ name: string; clips: number }>
		durationSeconds: number
		mixdown: SharedGeneration | null
		sounds: SharedGeneration[]
	} | null
}

export type Visitor = { ip: string; userAgent: string }

/** A person is counted again after this long; a crawler (by its user agent) is counted once. */
export const VIEW_WINDOW_SECONDS = 30 * 60
/** How long the content behind a live link is kept in memory. */
export const CONTENT_TTL_MS = 10_000
const CACHE_ENTRIES = 500
/** Signed URLs end on a boundary of this (so a cached page keeps stable URLs), and never after the link. */
const URL_WINDOW_SECONDS = 1800
const MIXDOWN_MODEL = 'offline:mixdown'

type ShareRow = {
	id: string
	slug: string
	kind: ShareKind
	target_id: string
	title: string | null
	expires_at: Date | null
	message_ids: string[] | null
	run_id: string | null
	generation_ids: string[]
	view_count: number | string
	created_at: Date
}

type GenerationRow = {
	id: string
	kind: string
	status: string
	model: string
	prompt: string
	outputs: GenerationOutput[]
	created_at: Date
}

const GENERATION_COLUMNS = 'id, kind, status, model, prompt, outputs, created_at'

function oneLine(text: string, max = 200): string {
	const flat = text.replace(/\s+/g, ' ').trim()
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/** What the page reads for one live share, all as `anon`. Raw rows; URLs are signed after the transaction. */
async function readRows(tx: Tx) {
	const { rows } = await tx.query<ShareRow>(
		`select id, slug, kind, target_id, title, expires_at, message_ids, run_id, generation_ids, view_count, created_at
		 from public.shared_content`,
	)
	const share = rows[0]
	if (!share) return null
	const media = async (ids: readonly string[]) =>
		ids.length === 0
			? []
			: (
					await tx.query<GenerationRow>(
						`select ${GENERATION_COLUMNS} from public.generations where id = any($1::uuid[]) and status = 'succeeded'`,
						[ids],
					)
				).rows
	if (share.kind === 'conversation') {
		const { rows: conversations } = await tx.query<{ title: string; model: string | null }>(
			'select title, model from public.conversations where id = $1',
			[share.target_id],
		)
		const conversation = conversations[0]
		if (!conversation) return null
		const { rows: messages } = await tx.query<{
			id: string
			role: string
			content: string
			model: string | null
			status: string
			created_at: Date
		}>(
			`select id, role, content, model, status, created_at from public.messages
			 where conversation_id = $1 and role in ('user', 'assistant') and status in ('complete', 'stopped')`,
			[share.target_id],
		)
		const { rows: files } = await tx.query<{
			message_id: string
			bucket: 'media' | 'attachments'
			key: string
			content_type: string
			name: string
		}>(
			`select message_id, bucket, key, content_type, name from public.attachments
			 where message_id = any($1::uuid[]) order by created_at, id`,
			[share.message_ids ?? []],
		)
		return { type: 'conversation', share, conversation, messages, files } as const
	}
	if (share.kind === 'generation') {
		const generation = (await media([share.target_id]))[0]
		return generation ? ({ type: 'generation', share, generation } as const) : null
	}
	if (share.kind === 'workflow') {
		const { rows: workflows } = await tx.query<{ name: string; definition: unknown }>(
			'select name, definition from public.workflows where id = $1',
			[share.target_id],
		)
		const workflow = workflows[0]
		if (!workflow) return null
		const run = share.run_id
			? ((
					await tx.query<{ status: string; completed_at: Date | null }>(
						'select status, completed_at from public.workflow_runs where id = $1',
						[share.run_id],
					)
				).rows[0] ?? null)
			: null
		const nodes = share.run_id
			? (
					await tx.query<{ node_id: string; status: string; output: unknown; generation_id: string | null }>(
						'select node_id, status, output, generation_id from public.workflow_node_runs where run_id = $1',
						[share.run_id],
					)
				).rows
			: []
		return { type: 'workflow', share, workflow, run, nodes, generations: await media(share.generation_ids) } as const
	}
	const { rows: projects } = await tx.query<{ name: string; data: unknown }>(
		'select name, data from public.audio_projects where id = $1',
		[share.target_id],
	)
	const project = projects[0]
	if (!project) return null
	return { type: 'audio_project', share, project, generations: await media(share.generation_ids) } as const
}

type Rows = NonNullable<Awaited<ReturnType<typeof readRows>>>

const ProjectShape = v.looseObject({
	tracks: v.optional(
		v.array(
			v.looseObject({
				name: v.optional(v.string(), 'Track'),
				clips: v.optional(
					v.array(
						v.looseObject({
							start: v.optional(v.number(), 0),
							trimIn: v.optional(v.number(), 0),
							trimOut: v.optional(v.number(), 0),
						}),
					),
					[],
				),
			}),
		),
		[],
	),
})

const NodeOutputShape = v.looseObject({ type: v.string(), text: v.optional(v.string()) })

export function createPublicShares(deps: {
	db: Db
	storage: Storage
	markdown: MarkdownRenderer
	/** Keys the visitor hash, so the stored value cannot be turned back into an address. */
	visitorSecret: string
	workflows: { create(actor: Actor, name: string, definition: unknown): Promise<{ id: string } | Refusal> }
	now?: () => number
}) {
	const { db, storage, markdown } = deps
	const now = deps.now ?? Date.now
	const cache = new Map<string, { content: SharedContent; expires: number }>()

	function visitorKey(slug: string, visitor: Visitor | null): string | null {
		if (!visitor) return null
		const hash = (...parts: string[]) =>
			createHash('sha256')
				.update([deps.visitorSecret, slug, ...parts].join('\u0000'))
				.digest('base64url')
				.slice(0, 32)
		// A crawler is one visitor however many addresses it comes from: counted once, by its user agent.
		return isbot(visitor.userAgent) ? `bot:${hash(visitor.userAgent)}` : `v:${hash(visitor.ip, visitor.userAgent)}`
	}

	function windowFor(key: string | null): number | null {
		return key?.startsWith('bot:') ? null : VIEW_WINDOW_SECONDS
	}

	async function sign(
		output: Pick<GenerationOutput, 'bucket' | 'key' | 'contentType'> &
			Partial<Pick<GenerationOutput, 'thumbnails' | 'width' | 'height' | 'duration' | 'waveform'>>,
		expiresAt: Date | null,
	): Promise<SharedMedia> {
		const nowSeconds = Math.floor(now() / 1000)
		let seconds = Math.ceil((nowSeconds + 3600) / URL_WINDOW_SECONDS) * URL_WINDOW_SECONDS - nowSeconds
		if (expiresAt) seconds = Math.min(seconds, Math.floor(expiresAt.getTime() / 1000) - nowSeconds)
		seconds = Math.max(1, seconds)
		const url = await storage.signedUrl(output.bucket, output.key, { expiresInSeconds: seconds })
		const thumbnails = output.thumbnails ?? []
		// The widest gallery copy up to 1024 px: sharp enough for a page and a link preview.
		const preview = [...thumbnails].reverse().find(t => t.width <= 1024) ?? thumbnails[0]
		const kind = output.contentType.startsWith('image/')
			? 'image'
			: output.contentType.startsWith('video/')
				? 'video'
				: output.contentType.startsWith('audio/')
					? 'audio'
					: 'file'
		return {
			kind,
			contentType: output.contentType,
			url,
			previewUrl: preview ? await storage.signedUrl(output.bucket, preview.key, { expiresInSeconds: seconds }) : null,
			width: output.width ?? null,
			height: output.height ?? null,
			duration: output.duration ?? null,
			peaks: output.waveform?.preview ?? null,
		}
	}

	async function generationView(row: GenerationRow, expiresAt: Date | null): Promise<SharedGeneration> {
		return {
			id: row.id,
			kind: row.kind,
			model: row.model,
			prompt: row.prompt,
			createdAt: row.created_at,
			media: await Promise.all(row.outputs.map(o => sign(o, expiresAt))),
		}
	}

	async function build(rows: Rows): Promise<SharedContent> {
		const { share } = rows
		const expiresAt = share.expires_at
		const base = {
			slug: share.slug,
			kind: share.kind,
			createdAt: share.created_at,
			expiresAt,
			views: Number(share.view_count),
			conversation: null,
			generation: null,
			workflow: null,
			audioProject: null,
		}
		if (rows.type === 'conversation') {
			const order = new Map((share.message_ids ?? []).map((id, i) => [id, i]))
			const messages: SharedMessage[] = await Promise.all(
				rows.messages
					.filter(m => order.has(m.id))
					.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
					.map(async m => ({
						id: m.id,
						role: m.role === 'assistant' ? ('assistant' as const) : ('user' as const),
						text: m.content,
						html: m.role === 'assistant' ? markdown.render(m.content) : null,
						model: m.model,
						createdAt: m.created_at,
						attachments: await Promise.all(
							rows.files
								.filter(f => f.message_id === m.id)
								.map(async f => ({
									name: f.name,
									media: await sign({ bucket: f.bucket, key: f.key, contentType: f.content_type }, expiresAt),
								})),
						),
					})),
			)
			const title = share.title || rows.conversation.title
			const first = messages.find(m => m.role === 'user')
			return {
				...base,
				title,
				description: first ? oneLine(first.text) : `A conversation of ${messages.length} messages.`,
				preview: messages.flatMap(m => m.attachments.map(a => a.media)).find(m => m.kind === 'image') ?? null,
				conversation: { title: rows.conversation.title, model: rows.conversation.model, messages },
			}
		}
		if (rows.type === 'generation') {
			const generation = await generationView(rows.generation, expiresAt)
			const noun = generation.kind === 'image' ? 'An image' : generation.kind === 'video' ? 'A video' : 'A sound'
			return {
				...base,
				title: share.title || oneLine(generation.prompt, 80) || noun,
				description: generation.prompt ? oneLine(generation.prompt) : `${noun} made with ${generation.model}.`,
				preview: generation.media.find(m => m.kind === 'image' || m.previewUrl) ?? null,
				generation,
			}
		}
		if (rows.type === 'workflow') {
			const parsed = v.safeParse(WorkflowDefinitionSchema, rows.workflow.definition)
			const nodes: SharedWorkflowNode[] = parsed.success
				? parsed.output.nodes.map(n => ({
						id: n.id,
						name: n.name,
						kind: n.kind,
						model: 'model' in n && typeof n.model === 'string' ? n.model : null,
					}))
				: []
			const media = new Map<string, SharedGeneration>()
			for (const g of rows.generations) media.set(g.id, await generationView(g, expiresAt))
			const names = new Map(nodes.map(n => [n.id, n.name]))
			const outputs = rows.nodes
				.map(n => {
					const output = v.safeParse(NodeOutputShape, n.output)
					return {
						nodeId: n.node_id,
						name: names.get(n.node_id) ?? n.node_id,
						status: n.status,
						text: output.success && output.output.type === 'text' ? (output.output.text ?? null) : null,
						media: n.generation_id ? (media.get(n.generation_id)?.media ?? []) : [],
					}
				})
				.sort((a, b) => nodes.findIndex(x => x.id === a.nodeId) - nodes.findIndex(x => x.id === b.nodeId))
			const all = [...media.values()].flatMap(g => g.media)
			return {
				...base,
				title: share.title || rows.workflow.name,
				description: `A workflow of ${nodes.length} steps${rows.run ? ', with the outputs of a run' : ''}.`,
				preview: all.find(m => m.kind === 'image') ?? null,
				workflow: {
					name: rows.workflow.name,
					nodes,
					edges: parsed.success ? parsed.output.edges.length : 0,
					definition: parsed.success ? parsed.output : null,
					run: rows.run ? { status: rows.run.status, completedAt: rows.run.completed_at, outputs } : null,
				},
			}
		}
		const project = v.safeParse(ProjectShape, rows.project.data)
		const tracks = project.success ? project.output.tracks : []
		const durationSeconds = Math.max(
			0,
			...tracks.flatMap(t => t.clips.map(c => c.start + Math.max(0, c.trimOut - c.trimIn))),
		)
		const generations = await Promise.all(rows.generations.map(g => generationView(g, expiresAt)))
		return {
			...base,
			title: share.title || rows.project.name,
			description: `A multitrack audio project: ${tracks.length} tracks, ${Math.round(durationSeconds)} seconds.`,
			preview: null,
			audioProject: {
				name: rows.project.name,
				tracks: tracks.map(t => ({ name: t.name, clips: t.clips.length })),
				durationSeconds,
				mixdown: generations.find(g => g.model === MIXDOWN_MODEL) ?? null,
				sounds: generations.filter(g => g.model !== MIXDOWN_MODEL),
			},
		}
	}

	/**
	 * The content of a live link, or null (unknown, revoked or expired: the page answers 404 for all three).
	 * `visitor` counts the visit (null reads without counting: the API, a copy).
	 */
	async function view(slug: string, visitor: Visitor | null): Promise<SharedContent | null> {
		if (!SLUG_PATTERN.test(slug)) return null
		const key = visitorKey(slug, visitor)
		const cached = cache.get(slug)
		const fresh = cached && cached.expires > now() ? cached.content : null
		const rows = await db.asAnon(async tx => {
			await setShareSlug(tx, slug)
			const { rows: live } = await tx.query<{ live: boolean }>('select public.record_share_view($1, $2) as live', [
				key,
				windowFor(key),
			])
			if (!live[0]?.live) return 'gone' as const
			return fresh ? null : await readRows(tx)
		})
		if (rows === 'gone') {
			cache.delete(slug)
			return null
		}
		if (fresh) return fresh
		if (!rows) return null
		const content = await build(rows)
		if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '')
		cache.set(slug, { content, expires: now() + CONTENT_TTL_MS })
		return content
	}

	/** Forgets the content kept for a link (its owner revoked it here; other processes ask the database anyway). */
	function forget(slug: string): void {
		cache.delete(slug)
	}

	/** Copies a shared conversation (its shown messages) or workflow (its definition) into `actor`'s account. */
	async function copy(
		actor: Actor,
		slug: string,
	): Promise<{ kind: 'conversation' | 'workflow'; id: string } | Refusal> {
		const content = await view(slug, null)
		if (!content) return notFound('That share link')
		if (content.workflow) {
			if (!content.workflow.definition) return refuse(422, 'not_copyable', 'This workflow can no longer be copied.')
			const made = await deps.workflows.create(actor, content.workflow.name, content.workflow.definition)
			return 'refused' in made ? made : { kind: 'workflow', id: made.id }
		}
		const conversation = content.conversation
		if (!conversation) return refuse(400, 'not_copyable', 'Only a conversation or a workflow can be copied.')
		const id = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ id: string }>(
				'insert into public.conversations (user_id, title, model) values ($1, $2, $3) returning id',
				[actor.id, conversation.title.slice(0, 500), conversation.model],
			)
			const conversationId = rows[0]?.id ?? ''
			let parent: string | null = null
			for (const message of conversation.messages) {
				const inserted: { rows: Array<{ id: string }> } = await tx.query<{ id: string }>(
					`insert into public.messages (conversation_id, user_id, parent_id, role, content, model, status)
					 values ($1, $2, $3, $4, $5, $6, 'complete') returning id`,
					[conversationId, actor.id, parent, message.role, message.text, message.model],
				)
				parent = inserted.rows[0]?.id ?? null
			}
			await tx.query('update public.conversations set current_leaf_id = $2 where id = $1', [conversationId, parent])
			return conversationId
		})
		return { kind: 'conversation', id }
	}

	return { view, forget, copy }
}
