/**
 * Conversations as files: Markdown (the branch on screen, for reading and pasting elsewhere) and JSON (the whole
 * tree with every branch, which `import` reads back). Pure functions; the SQL is in ./index.ts.
 */
import type { ChatExport } from './schema.ts'
import { messageBasics, type Conversation, type Message } from './store.ts'

export const EXPORT_FORMAT = 'generation-studio-conversation'

export type ExportedAttachment = { name: string; contentType: string; size: number }

export function toExportJson(
	conversation: Conversation,
	messages: ReadonlyArray<Message & { attachments?: ExportedAttachment[] }>,
	now = new Date(),
) {
	return {
		format: EXPORT_FORMAT,
		version: 1,
		exportedAt: now.toISOString(),
		conversation: {
			title: conversation.title,
			model: conversation.model,
			systemPrompt: conversation.systemPrompt,
			createdAt: conversation.createdAt.toISOString(),
		},
		currentLeafId: conversation.currentLeafId,
		messages: messages.map(m => ({
			...messageBasics(m),
			createdAt: m.createdAt.toISOString(),
			// Files are listed for the record; their bytes stay in storage and are not part of the export.
			...(m.attachments && m.attachments.length > 0 ? { attachments: m.attachments } : {}),
		})),
	} satisfies ChatExport & { messages: Array<{ attachments?: ExportedAttachment[] }> }
}

const ROLE_HEADING: Record<Message['role'], string> = { user: 'You', assistant: 'Assistant', system: 'System' }

export function toExportMarkdown(
	conversation: Conversation,
	branch: ReadonlyArray<Message & { attachments?: ExportedAttachment[] }>,
	now = new Date(),
): string {
	const lines = [`# ${oneLine(conversation.title)}`, '']
	const facts = [`Exported ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`]
	if (conversation.model) facts.push(`model ${conversation.model}`)
	lines.push(`_${facts.join(' · ')}_`, '')
	if (conversation.systemPrompt) lines.push('## System prompt', '', conversation.systemPrompt, '')
	for (const message of branch) {
		const who = ROLE_HEADING[message.role]
		const note =
			message.status === 'stopped'
				? ' (stopped)'
				: message.status === 'error'
					? ' (failed)'
					: message.status === 'streaming'
						? ' (still being written)'
						: ''
		lines.push(`## ${who}${message.role === 'assistant' && message.model ? ` · ${message.model}` : ''}${note}`, '')
		lines.push(message.content || '_(empty)_', '')
		for (const a of message.attachments ?? [])
			lines.push(`- Attachment: ${oneLine(a.name || 'file')} (${a.contentType})`)
		if ((message.attachments ?? []).length > 0) lines.push('')
		if (message.status === 'error' && message.error) lines.push(`> ${oneLine(message.error)}`, '')
	}
	return `${lines.join('\n').trimEnd()}\n`
}

function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim()
}

/** A file name from the title: letters, digits and dashes, never empty. */
export function exportFilename(title: string, extension: 'md' | 'json'): string {
	const base =
		title
			.normalize('NFKD')
			.replace(/[^\w\s-]/g, '')
			.trim()
			.replace(/[\s_]+/g, '-')
			.toLowerCase()
			.slice(0, 60)
			.replace(/^-+|-+$/g, '') || 'conversation'
	return `${base}.${extension}`
}

export type ImportPlan = {
	rows: Array<{
		id: string
		parent_id: string | null
		role: Message['role']
		content: string
		model: string | null
		status: Message['status']
		error: string | null
		created_at: string
	}>
	currentLeafId: string | null
}

/**
 * New ids for every message, parents resolved through them. Parents are written before their children
 * (the file's order otherwise), and a file whose messages answer each other in a circle is refused. Original
 * times are kept where they make sense — they order the versions of a message — but made strictly increasing,
 * and never later than now. Returns a message for the person when the file does not hold together.
 */
export function planImport(data: ChatExport, newId: () => string, now = new Date()): ImportPlan | string {
	const byId = new Map<string, number>()
	for (const [i, message] of data.messages.entries()) {
		if (byId.has(message.id)) return `Message ${i + 1} repeats the id ${JSON.stringify(message.id)}.`
		byId.set(message.id, i)
	}
	for (const [i, message] of data.messages.entries()) {
		if (message.parentId != null && !byId.has(message.parentId)) {
			return `Message ${i + 1} answers a message that is not in the file.`
		}
	}
	// Depth-first up the parent chain: each message after its parent, in file order otherwise.
	const order: number[] = []
	const state = new Uint8Array(data.messages.length) // 0 new, 1 on the current path, 2 placed
	for (let start = 0; start < data.messages.length; start++) {
		const path: number[] = []
		let at: number | undefined = start
		while (at !== undefined && state[at] === 0) {
			state[at] = 1
			path.push(at)
			const parentId: string | null | undefined = data.messages[at]?.parentId
			at = parentId != null ? byId.get(parentId) : undefined
		}
		if (at !== undefined && state[at] === 1) return 'Some messages in the file answer each other in a circle.'
		for (const i of path.reverse()) {
			state[i] = 2
			order.push(i)
		}
	}
	const ids = new Map<string, string>()
	const rows: ImportPlan['rows'] = []
	let lastTime = 0
	for (const i of order) {
		const message = data.messages[i]
		if (!message) continue
		const id = newId()
		ids.set(message.id, id)
		const parsed = message.createdAt ? Date.parse(message.createdAt) : Number.NaN
		const time = Math.max(Number.isNaN(parsed) ? now.getTime() : Math.min(parsed, now.getTime()), lastTime + 1)
		lastTime = time
		rows.push({
			id,
			parent_id: message.parentId != null ? (ids.get(message.parentId) ?? null) : null,
			role: message.role,
			content: message.content,
			model: message.model ?? null,
			// A reply that was still streaming when exported ends where the file ends.
			status: message.status === 'streaming' ? 'stopped' : (message.status ?? 'complete'),
			error: message.status === 'error' ? (message.error ?? null) : null,
			created_at: new Date(time).toISOString(),
		})
	}
	const leaf = data.currentLeafId ? (ids.get(data.currentLeafId) ?? null) : null
	return { rows, currentLeafId: leaf ?? rows[rows.length - 1]?.id ?? null }
}
