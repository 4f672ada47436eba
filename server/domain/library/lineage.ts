/**
 * Where an item came from and what was made from it: the parent generation (a variation, an upscale, an edit),
 * the workflow run and node that made it, the audio project a mixdown renders, the chat message a file was
 * attached to, the library item a transcript was made from — and, the other way, the generations made from it
 * and the transcripts of it. Read as the user; deleted generations are left out.
 */
import type { Tx } from '#server/db/index.ts'
import type { ItemRef } from './schema.ts'

export type LineageLink = { type: 'generation' | 'transcript'; id: string; title: string; kind: string }

export type Lineage = {
	parent: LineageLink | null
	workflowRun: { runId: string; workflowId: string; workflowName: string; nodeId: string } | null
	project: { id: string; name: string } | null
	message: { id: string; conversationId: string; conversationTitle: string; excerpt: string } | null
	children: LineageLink[]
}

const EMPTY: Lineage = { parent: null, workflowRun: null, project: null, message: null, children: [] }

export async function loadLineage(tx: Tx, ref: ItemRef): Promise<Lineage> {
	if (ref.type === 'attachment') {
		const { rows } = await tx.query<{ id: string; conversation_id: string; title: string; content: string }>(
			`select m.id, m.conversation_id, c.title, left(m.content, 200) as content
			 from public.attachments a join public.messages m on m.id = a.message_id
			 join public.conversations c on c.id = m.conversation_id and c.deleted_at is null
			 where a.id = $1`,
			[ref.id],
		)
		const m = rows[0]
		return {
			...EMPTY,
			message: m
				? { id: m.id, conversationId: m.conversation_id, conversationTitle: m.title, excerpt: m.content }
				: null,
		}
	}
	if (ref.type === 'transcript') {
		const { rows } = await tx.query<{ id: string; prompt: string; kind: string }>(
			`select g.id, g.prompt, g.kind from public.transcripts t
			 join public.generations g on g.id = t.source_generation_id and g.deleted_at is null where t.id = $1`,
			[ref.id],
		)
		const g = rows[0]
		return { ...EMPTY, parent: g ? { type: 'generation', id: g.id, title: g.prompt, kind: g.kind } : null }
	}
	const parent = await tx.query<{ id: string; prompt: string; kind: string }>(
		`select p.id, p.prompt, p.kind from public.generations g
		 join public.generations p on p.id = g.parent_id and p.deleted_at is null where g.id = $1`,
		[ref.id],
	)
	const run = await tx.query<{ run_id: string; workflow_id: string; name: string; node_id: string }>(
		`select n.run_id, r.workflow_id, w.name, n.node_id from public.workflow_node_runs n
		 join public.workflow_runs r on r.id = n.run_id join public.workflows w on w.id = r.workflow_id
		 where n.generation_id = $1 limit 1`,
		[ref.id],
	)
	const project = await tx.query<{ id: string; name: string }>(
		`select p.id, p.name from public.generations g join public.audio_projects p on p.id::text = g.params->>'projectId'
		 where g.id = $1`,
		[ref.id],
	)
	const children = await tx.query<{ type: 'generation' | 'transcript'; id: string; title: string; kind: string }>(
		`select * from (
			select 'generation' as type, id, prompt as title, kind, created_at from public.generations
			where parent_id = $1 and deleted_at is null
			union all
			select 'transcript', id, name, 'transcript', created_at from public.transcripts where source_generation_id = $1
		) c order by created_at, id limit 48`,
		[ref.id],
	)
	const p = parent.rows[0]
	const r = run.rows[0]
	return {
		parent: p ? { type: 'generation', id: p.id, title: p.prompt, kind: p.kind } : null,
		workflowRun: r ? { runId: r.run_id, workflowId: r.workflow_id, workflowName: r.name, nodeId: r.node_id } : null,
		project: project.rows[0] ?? null,
		message: null,
		children: children.rows.map(c => ({ type: c.type, id: c.id, title: c.title, kind: c.kind })),
	}
}
