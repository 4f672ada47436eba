/**
 * A share page's content made from its rows (rows.ts): files signed for no longer than the link lives, replies
 * rendered, the title, the one-line description and the preview picture for each kind of share.
 */
import * as v from 'valibot'
import type { MarkdownRenderer } from '#server/markdown/index.ts'
import { windowedExpiry, type Storage } from '#server/storage/index.ts'
import type { GenerationOutput } from '../generations/rows.ts'
import { WorkflowDefinitionSchema } from '../workflows/schema.ts'
import type { GenerationRow, Rows } from './rows.ts'
import type { ShareKind } from './schema.ts'

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

const MIXDOWN_MODEL = 'offline:mixdown'

function oneLine(text: string, max = 200): string {
	const flat = text.replace(/\s+/g, ' ').trim()
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

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

export function createContentBuilder(deps: { storage: Storage; markdown: MarkdownRenderer; now: () => number }) {
	const { storage, markdown, now } = deps

	async function sign(
		output: Pick<GenerationOutput, 'bucket' | 'key' | 'contentType'> &
			Partial<Pick<GenerationOutput, 'thumbnails' | 'width' | 'height' | 'duration' | 'waveform'>>,
		expiresAt: Date | null,
	): Promise<SharedMedia> {
		// On a window boundary (so a cached page keeps stable URLs), and never after the link.
		const nowSeconds = Math.floor(now() / 1000)
		let seconds = windowedExpiry(3600, now())
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

	return build
}
