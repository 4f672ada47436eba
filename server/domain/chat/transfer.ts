/**
 * Export and import of a whole chat: Markdown of the branch on screen, or JSON of every branch, and a JSON
 * export back in as a new chat (new ids, every branch kept). The file formats are in ./exchange.ts.
 */
import { randomUUID } from 'node:crypto'
import type { ChatExport } from './schema.ts'
import type { Db } from '#server/db/index.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { notFound, refuse, type Refusal } from '../refusal.ts'
import { exportFilename, planImport, toExportJson, toExportMarkdown } from './exchange.ts'
import {
	CONVERSATION_COLUMNS,
	DEFAULT_TITLE,
	MESSAGE_COLUMNS,
	attachmentsOf,
	loadBranch,
	loadConversation,
	newestLeaf,
	setCurrentLeaf,
	toConversation,
	toMessage,
	type Conversation,
	type Message,
} from './store.ts'
import type { Actor } from '../actor.ts'

export function createTransfer(deps: { db: Db; providers: ProviderRegistry; defaultModel: () => string }) {
	const { db, providers, defaultModel } = deps

	async function exportConversation(
		actor: Actor,
		id: string,
		format: 'markdown' | 'json',
	): Promise<{ filename: string; contentType: string; body: string } | Refusal> {
		const data = await db.asUser(actor.id, async tx => {
			const conversation = await loadConversation(tx, id)
			if (!conversation) return null
			let messages: Message[]
			if (format === 'json') {
				const { rows } = await tx.query<Parameters<typeof toMessage>[0]>(
					`select ${MESSAGE_COLUMNS} from public.messages where conversation_id = $1 order by created_at, id`,
					[conversation.id],
				)
				messages = rows.map(toMessage)
			} else {
				const leaf = conversation.currentLeafId ?? (await newestLeaf(tx, conversation.id))
				messages = leaf ? (await loadBranch(tx, conversation.id, leaf, 100_000)).messages : []
			}
			const files = await attachmentsOf(
				tx,
				messages.map(m => m.id),
			)
			return { conversation, messages, files }
		})
		if (!data) return notFound('That chat')
		const withFiles = data.messages.map(m => ({
			...m,
			attachments: data.files
				.filter(f => f.messageId === m.id)
				.map(f => ({ name: f.name, contentType: f.contentType, size: f.size })),
		}))
		if (format === 'json') {
			return {
				filename: exportFilename(data.conversation.title, 'json'),
				contentType: 'application/json; charset=utf-8',
				body: JSON.stringify(toExportJson(data.conversation, withFiles), null, 2),
			}
		}
		return {
			filename: exportFilename(data.conversation.title, 'md'),
			contentType: 'text/markdown; charset=utf-8',
			body: toExportMarkdown(data.conversation, withFiles),
		}
	}

	/** A JSON export as a new chat (new ids, every branch kept). Attachments are listed in exports, not carried. */
	async function importConversation(actor: Actor, data: ChatExport): Promise<Conversation | Refusal> {
		const plan = planImport(data, randomUUID)
		if (typeof plan === 'string') return refuse(400, 'invalid_import', plan, { fields: { file: [plan] } })
		const model =
			data.conversation.model && providers.model(data.conversation.model) ? data.conversation.model : defaultModel()
		return db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Parameters<typeof toConversation>[0]>(
				`insert into public.conversations (user_id, title, model, system_prompt) values ($1, $2, $3, $4)
				 returning ${CONVERSATION_COLUMNS}`,
				[
					actor.id,
					data.conversation.title.trim().slice(0, 500) || DEFAULT_TITLE,
					model,
					data.conversation.systemPrompt || null,
				],
			)
			const conversation = toConversation(rows[0] as Parameters<typeof toConversation>[0])
			if (plan.rows.length > 0) {
				// One statement for the whole tree: parents and children land together, checked at its end.
				await tx.query(
					`insert into public.messages (id, conversation_id, user_id, parent_id, role, content, model, status, error, created_at)
					 select r.id, $1, $2, r.parent_id, r.role, r.content, r.model, r.status, r.error, r.created_at
					 from jsonb_to_recordset($3::jsonb) as r(id uuid, parent_id uuid, role text, content text, model text,
						status text, error text, created_at timestamptz)`,
					[conversation.id, actor.id, JSON.stringify(plan.rows)],
				)
				await setCurrentLeaf(tx, conversation.id, plan.currentLeafId)
				conversation.currentLeafId = plan.currentLeafId
			}
			return conversation
		})
	}

	return { exportConversation, importConversation }
}
