/**
 * The thread on screen: one branch of a chat, a window of messages ending at its leaf (or above it, to read
 * older history), each with its sibling versions, its attachments as signed URLs and, for replies, sanitised
 * HTML. Choosing a branch is remembered, so the next visit opens where the person left off.
 */
import type { Db, Tx } from '#server/db/index.ts'
import type { MarkdownRenderer } from '#server/markdown/index.ts'
import type { Storage } from '#server/storage/index.ts'
import { notFound, type Refusal } from '../refusal.ts'
import {
	latestLeafUnder,
	loadBranchView,
	loadConversation,
	loadMessage,
	messageBasics,
	newestLeaf,
	setCurrentLeaf,
	type AttachmentRow,
	type Conversation,
	type Message,
	type SiblingInfo,
} from './store.ts'
import type { Actor } from '../actor.ts'

export type AttachmentView = Pick<AttachmentRow, 'id' | 'name' | 'contentType' | 'size'> & {
	kind: 'image' | 'video' | 'audio' | 'document'
	/** A signed URL that works without a session until it expires. */
	url: string
}

export type MessageView = Pick<
	Message,
	'id' | 'parentId' | 'role' | 'content' | 'model' | 'status' | 'error' | 'costMicros' | 'inputTokens' | 'outputTokens'
> & {
	createdAt: Date
	/** Sanitised HTML of an assistant reply (user messages are shown as the text they typed). */
	html: string | null
	siblings: SiblingInfo
	attachments: AttachmentView[]
}

export type Thread = {
	conversation: Conversation
	messages: MessageView[]
	/** The last message of the branch: new messages answer it. */
	leafId: string | null
	/** Pass as `before` to see the messages above the window; null at the top. */
	earlierBefore: string | null
	/** True when the window ends above the leaf (showing older history). */
	showingEarlier: boolean
	/** A reply on this branch that is still being written, to follow over the stream. */
	streamingId: string | null
}

const SIGNED_URL_SECONDS = 3600

function attachmentKind(contentType: string): AttachmentView['kind'] {
	if (contentType.startsWith('image/')) return 'image'
	if (contentType.startsWith('video/')) return 'video'
	if (contentType.startsWith('audio/')) return 'audio'
	return 'document'
}

export function createThreadReader(deps: {
	db: Db
	storage: Storage
	markdown: MarkdownRenderer
	/** Messages shown per page of a branch. */
	windowSize: number
	/** Marks replies cut off by a crash as failed (the reply runner knows which are alive). */
	settleStale: (tx: Tx, messages: Message[]) => Promise<void>
}) {
	const { db, storage, markdown, windowSize, settleStale } = deps

	async function thread(
		actor: Actor,
		id: string,
		options: { branch?: string | undefined; before?: string | undefined; window?: number } = {},
	): Promise<Thread | Refusal> {
		const limit = Math.max(1, Math.min(options.window ?? windowSize, 500))
		const loaded = await db.asUser(actor.id, async tx => {
			const conversation = await loadConversation(tx, id)
			if (!conversation) return null
			let leafId = conversation.currentLeafId
			if (options.branch) {
				const chosen = await latestLeafUnder(tx, conversation.id, options.branch)
				if (chosen && chosen !== leafId) {
					// Switching branch is remembered: the next visit opens where the person left off.
					await setCurrentLeaf(tx, conversation.id, chosen)
					conversation.currentLeafId = chosen
				}
				leafId = chosen ?? leafId
			}
			if (!leafId) {
				leafId = await newestLeaf(tx, conversation.id)
				if (leafId) await setCurrentLeaf(tx, conversation.id, leafId)
			}
			if (!leafId) {
				return {
					conversation,
					leafId: null,
					messages: [],
					more: false,
					siblings: new Map(),
					files: [],
					showingEarlier: false,
				}
			}
			let start = leafId
			let showingEarlier = false
			if (options.before) {
				const anchor = await loadMessage(tx, conversation.id, options.before)
				if (anchor?.parentId) {
					start = anchor.parentId
					showingEarlier = true
				}
			}
			const { messages, more, siblings, files } = await loadBranchView(tx, conversation.id, start, limit)
			await settleStale(tx, messages)
			return { conversation, leafId, messages, more, siblings, files, showingEarlier }
		})
		if (!loaded) return notFound('That chat')
		const urls = await Promise.all(
			loaded.files.map(async f => ({
				...f,
				url: await storage.signedUrl(f.bucket, f.key, { expiresInSeconds: SIGNED_URL_SECONDS }),
			})),
		)
		const messages: MessageView[] = loaded.messages.map(m => ({
			...messageBasics(m),
			costMicros: m.costMicros,
			inputTokens: m.inputTokens,
			outputTokens: m.outputTokens,
			createdAt: m.createdAt,
			html: m.role === 'assistant' && m.content ? markdown.render(m.content) : null,
			siblings: loaded.siblings.get(m.id) ?? { index: 1, count: 1, previousId: null, nextId: null },
			attachments: urls
				.filter(f => f.messageId === m.id)
				.map(f => ({
					id: f.id,
					name: f.name,
					contentType: f.contentType,
					size: f.size,
					kind: attachmentKind(f.contentType),
					url: f.url,
				})),
		}))
		return {
			conversation: loaded.conversation,
			messages,
			leafId: loaded.leafId,
			earlierBefore: loaded.more ? (messages[0]?.id ?? null) : null,
			showingEarlier: loaded.showingEarlier,
			streamingId: [...messages].reverse().find(m => m.status === 'streaming')?.id ?? null,
		}
	}

	return { thread }
}
