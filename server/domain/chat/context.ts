/**
 * What a reply is asked with: the system prompt and the branch above it, newest turns kept within a context
 * budget, with the user's attachments — images for models that can see, text files inlined, the rest named.
 */
import type { Db } from '#server/db/index.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import type { BinaryInput, ChatMessage } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import { attachmentsOf, loadBranch, loadConversation, loadMessage, type Message } from './store.ts'
import { readAll } from './support.ts'

/** Enough of a long conversation for any current model; older turns are left out of the request. */
const MAX_CONTEXT_CHARS = 120_000
const MAX_CONTEXT_IMAGES = 4
const MAX_DOCUMENT_CHARS = 20_000

export type ReplyJob = { replyId: string; conversationId: string; userId: string; modelId: string }

/** The branch above the reply, newest turns kept within the context budget, with its attachments. */
export async function buildRequest(
	deps: { db: Db; storage: Storage },
	job: ReplyJob,
	model: ModelInfo,
): Promise<{ messages: ChatMessage[] }> {
	const { db, storage } = deps
	const { conversation, branch, files } = await db.asUser(job.userId, async tx => {
		const conversation = await loadConversation(tx, job.conversationId)
		const self = await loadMessage(tx, job.conversationId, job.replyId)
		if (!conversation || !self?.parentId) throw new Error('the reply or its chat is gone')
		const { messages } = await loadBranch(tx, job.conversationId, self.parentId, 100_000)
		let used = 0
		const kept: Message[] = []
		for (const m of [...messages].reverse()) {
			if (m.role === 'assistant' && (m.status === 'error' || m.status === 'streaming')) continue
			if (kept.length > 0 && used + m.content.length > MAX_CONTEXT_CHARS) break
			used += m.content.length
			kept.unshift(m)
		}
		const files = await attachmentsOf(
			tx,
			kept.filter(m => m.role === 'user').map(m => m.id),
		)
		return { conversation, branch: kept, files }
	})
	const vision = model.capabilities.includes('vision')
	const imageIds = new Set(
		files
			.filter(f => f.contentType.startsWith('image/'))
			.slice(-MAX_CONTEXT_IMAGES)
			.map(f => f.id),
	)
	const messages: ChatMessage[] = []
	if (conversation.systemPrompt) messages.push({ role: 'system', content: conversation.systemPrompt })
	for (const m of branch) {
		let content = m.content
		const images: BinaryInput[] = []
		for (const file of files.filter(f => f.messageId === m.id)) {
			const label = file.name || 'file'
			if (file.contentType.startsWith('image/')) {
				if (vision && imageIds.has(file.id)) {
					const stored = await storage.get(file.bucket, file.key)
					images.push({ data: await readAll(stored.body), contentType: file.contentType, filename: label })
				} else content += `\n\n[Attached image “${label}” is not shown to this model.]`
			} else if (file.contentType.startsWith('text/') || file.contentType === 'application/json') {
				const stored = await storage.get(file.bucket, file.key)
				const text = new TextDecoder().decode(await readAll(stored.body))
				const cut = text.length > MAX_DOCUMENT_CHARS ? `${text.slice(0, MAX_DOCUMENT_CHARS)}\n[…cut]` : text
				content += `\n\nAttached file “${label}”:\n\`\`\`\n${cut}\n\`\`\``
			} else {
				content += `\n\n[Attached file “${label}” (${file.contentType}) could not be read as text.]`
			}
		}
		messages.push({ role: m.role, content, ...(images.length > 0 ? { images } : {}) })
	}
	return { messages }
}
