/**
 * What a share page shows, read for one live share as role `anon` through the share policies: raw rows (URLs are
 * signed after the transaction, in content.ts).
 */
import type { Tx } from '#server/db/index.ts'
import type { GenerationOutput } from '../generations/rows.ts'
import type { ShareKind } from './schema.ts'

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

export type GenerationRow = {
	id: string
	kind: string
	status: string
	model: string
	prompt: string
	outputs: GenerationOutput[]
	created_at: Date
}

const GENERATION_COLUMNS = 'id, kind, status, model, prompt, outputs, created_at'

/** What the page reads for one live share, all as `anon`. Raw rows; URLs are signed after the transaction. */
export async function readRows(tx: Tx) {
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

export type Rows = NonNullable<Awaited<ReturnType<typeof readRows>>>
