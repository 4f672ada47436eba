/**
 * The SQL of the chat: conversations, the message tree and its branches. Every function takes an open
 * transaction (normally `db.asUser`, so row-level security applies) and does no network I/O.
 *
 * A conversation is a tree of messages (`parent_id`); what a person sees is one branch, from a leaf up to the
 * root, walked with a recursive CTE and cut to a window so a long conversation never loads in full.
 */
import type { Tx } from '#server/db/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { MessageStatus } from './live.ts'

export const DEFAULT_TITLE = 'New chat'

export type MessageRole = 'user' | 'assistant' | 'system'

export type Conversation = {
	id: string
	userId: string
	title: string
	model: string | null
	systemPrompt: string | null
	pinned: boolean
	currentLeafId: string | null
	createdAt: Date
	updatedAt: Date
}

export type Message = {
	id: string
	conversationId: string
	userId: string
	parentId: string | null
	role: MessageRole
	content: string
	model: string | null
	status: MessageStatus
	error: string | null
	inputTokens: number | null
	outputTokens: number | null
	costMicros: number
	createdAt: Date
	updatedAt: Date
}

export type SiblingInfo = {
	/** 1-based position among the messages that answer the same parent (oldest first). */
	index: number
	count: number
	previousId: string | null
	nextId: string | null
}

export type AttachmentRow = {
	id: string
	messageId: string | null
	bucket: 'media' | 'attachments'
	key: string
	contentType: string
	size: number
	name: string
}

type ConversationRow = {
	id: string
	user_id: string
	title: string
	model: string | null
	system_prompt: string | null
	pinned: boolean
	current_leaf_id: string | null
	created_at: Date
	updated_at: Date
}

type MessageRow = {
	id: string
	conversation_id: string
	user_id: string
	parent_id: string | null
	role: MessageRole
	content: string
	model: string | null
	status: MessageStatus
	error: string | null
	input_tokens: number | null
	output_tokens: number | null
	cost_micros: number | string
	created_at: Date
	updated_at: Date
}

export const CONVERSATION_COLUMNS =
	'id, user_id, title, model, system_prompt, pinned, current_leaf_id, created_at, updated_at'
export const MESSAGE_COLUMNS = `id, conversation_id, user_id, parent_id, role, content, model, status, error, input_tokens,
	output_tokens, cost_micros, created_at, updated_at`
const prefixed = (alias: string, columns: string) =>
	columns
		.split(',')
		.map(c => `${alias}.${c.trim()}`)
		.join(', ')

export function toConversation(row: ConversationRow): Conversation {
	return {
		id: row.id,
		userId: row.user_id,
		title: row.title,
		model: row.model,
		systemPrompt: row.system_prompt,
		pinned: row.pinned,
		currentLeafId: row.current_leaf_id,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	}
}

export function toMessage(row: MessageRow): Message {
	return {
		id: row.id,
		conversationId: row.conversation_id,
		userId: row.user_id,
		parentId: row.parent_id,
		role: row.role,
		content: row.content,
		model: row.model,
		status: row.status,
		error: row.error,
		inputTokens: row.input_tokens,
		outputTokens: row.output_tokens,
		costMicros: Number(row.cost_micros),
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	}
}

/** What every outward view of a message starts from: the export and the thread page. */
export function messageBasics(m: Message) {
	const { id, parentId, role, content, model, status, error } = m
	return { id, parentId, role, content, model, status, error }
}

export async function loadConversation(tx: Tx, id: string, options: { forUpdate?: boolean } = {}) {
	if (!isUuid(id)) return null
	const { rows } = await tx.query<ConversationRow>(
		`select ${CONVERSATION_COLUMNS} from public.conversations
		 where id = $1 and deleted_at is null${options.forUpdate ? ' for update' : ''}`,
		[id],
	)
	return rows[0] ? toConversation(rows[0]) : null
}

export async function loadMessage(tx: Tx, conversationId: string, id: string): Promise<Message | null> {
	if (!isUuid(id)) return null
	const { rows } = await tx.query<MessageRow>(
		`select ${MESSAGE_COLUMNS} from public.messages where id = $1 and conversation_id = $2`,
		[id, conversationId],
	)
	return rows[0] ? toMessage(rows[0]) : null
}

export async function insertMessage(
	tx: Tx,
	message: Pick<Message, 'conversationId' | 'userId' | 'parentId' | 'role' | 'content' | 'model' | 'status'>,
): Promise<Message> {
	const { rows } = await tx.query<MessageRow>(
		// Strictly after the chat's newest message, so creation order is total within a chat: a message and its
		// reply share a transaction (now() would tie them), and PGlite's clock ticks only every millisecond.
		`insert into public.messages (conversation_id, user_id, parent_id, role, content, model, status, created_at)
		 values ($1, $2, $3, $4, $5, $6, $7, greatest(clock_timestamp(),
			(select max(created_at) from public.messages where conversation_id = $1) + interval '1 microsecond'))
		 returning ${MESSAGE_COLUMNS}`,
		[
			message.conversationId,
			message.userId,
			message.parentId,
			message.role,
			message.content,
			message.model,
			message.status,
		],
	)
	return toMessage(rows[0] as MessageRow)
}

export async function setCurrentLeaf(tx: Tx, conversationId: string, leafId: string | null) {
	await tx.query('update public.conversations set current_leaf_id = $2 where id = $1', [conversationId, leafId])
}

/**
 * The branch ending at `leafId`, root first, at most `limit` messages (the ones nearest the leaf); `more` says
 * whether older messages exist above the window.
 */
export async function loadBranch(
	tx: Tx,
	conversationId: string,
	leafId: string,
	limit: number,
): Promise<{ messages: Message[]; more: boolean }> {
	const { rows } = await tx.query<MessageRow & { depth: number }>(
		`with recursive branch as (
			select id, parent_id, 1 as depth from public.messages where id = $1 and conversation_id = $2
			union all
			select m.id, m.parent_id, b.depth + 1 from public.messages m join branch b on m.id = b.parent_id
			where b.depth <= $3
		)
		select ${prefixed('m', MESSAGE_COLUMNS)}, b.depth from branch b join public.messages m on m.id = b.id
		order by b.depth desc`,
		[leafId, conversationId, limit],
	)
	const more = rows.length > limit
	return { messages: (more ? rows.slice(1) : rows).map(toMessage), more }
}

/**
 * What the thread on screen needs, in one statement: the window of the branch ending at `leafId` (as
 * `loadBranch`), each message's place among its sibling versions (1-based, oldest first, with its neighbours) and the attachments of the
 * user messages in it (as `attachmentsOf`). A page view asks once instead of three times.
 */
export async function loadBranchView(
	tx: Tx,
	conversationId: string,
	leafId: string,
	limit: number,
): Promise<{ messages: Message[]; more: boolean; siblings: Map<string, SiblingInfo>; files: AttachmentRow[] }> {
	const { rows } = await tx.query<
		MessageRow & {
			depth: number
			position: number | string
			total: number | string
			previous_id: string | null
			next_id: string | null
			files: Array<{
				id: string
				bucket: AttachmentRow['bucket']
				key: string
				content_type: string
				size: number | string
				name: string
			}> | null
		}
	>(
		`with recursive branch as (
			select id, parent_id, 1 as depth from public.messages where id = $1 and conversation_id = $2
			union all
			-- One primary-key lookup per step, whatever the planner believes about the table's size (without
			-- statistics it would rather scan all of the user's messages on every step).
			select p.id, p.parent_id, b.depth + 1 from branch b
			cross join lateral (select id, parent_id from public.messages where id = b.parent_id limit 1) p
			where b.depth <= $3
		), versions as (
			select v.id, row_number() over w as position, count(*) over (partition by v.parent_id) as total,
				lag(v.id) over w as previous_id, lead(v.id) over w as next_id
			from public.messages v
			where v.conversation_id = $2 and (
				v.parent_id in (select parent_id from branch)
				or (v.parent_id is null and exists (select 1 from branch where parent_id is null))
			)
			window w as (partition by v.parent_id order by v.created_at, v.id)
		)
		select ${prefixed('m', MESSAGE_COLUMNS)}, b.depth, v.position, v.total, v.previous_id, v.next_id,
			case when m.role = 'user' then (
				select json_agg(json_build_object('id', a.id, 'bucket', a.bucket, 'key', a.key,
					'content_type', a.content_type, 'size', a.size, 'name', a.name) order by a.created_at, a.id)
				from public.attachments a where a.message_id = m.id
			) end as files
		from branch b join public.messages m on m.id = b.id join versions v on v.id = b.id
		order by b.depth desc`,
		[leafId, conversationId, limit],
	)
	const more = rows.length > limit
	const shown = more ? rows.slice(1) : rows
	const siblings = new Map<string, SiblingInfo>()
	const files: AttachmentRow[] = []
	for (const row of shown) {
		siblings.set(row.id, {
			index: Number(row.position),
			count: Number(row.total),
			previousId: row.previous_id,
			nextId: row.next_id,
		})
		for (const f of row.files ?? []) {
			files.push({
				id: f.id,
				messageId: row.id,
				bucket: f.bucket,
				key: f.key,
				contentType: f.content_type,
				size: Number(f.size),
				name: f.name,
			})
		}
	}
	return { messages: shown.map(toMessage), more, siblings, files }
}

/** Where the branch through `messageId` ends: its most recently created descendant leaf (itself if none). */
export async function latestLeafUnder(tx: Tx, conversationId: string, messageId: string): Promise<string | null> {
	if (!isUuid(messageId)) return null
	const { rows } = await tx.query<{ id: string }>(
		`with recursive below as (
			select id, created_at from public.messages where id = $1 and conversation_id = $2
			union all
			select m.id, m.created_at from public.messages m join below b on m.parent_id = b.id
		)
		select b.id from below b
		where not exists (select 1 from public.messages c where c.parent_id = b.id)
		order by b.created_at desc, b.id desc limit 1`,
		[messageId, conversationId],
	)
	return rows[0]?.id ?? null
}

/** The newest leaf of the whole conversation, for one whose remembered leaf was deleted. */
export async function newestLeaf(tx: Tx, conversationId: string): Promise<string | null> {
	const { rows } = await tx.query<{ id: string }>(
		`select m.id from public.messages m where m.conversation_id = $1
		 and not exists (select 1 from public.messages c where c.parent_id = m.id)
		 order by m.created_at desc, m.id desc limit 1`,
		[conversationId],
	)
	return rows[0]?.id ?? null
}

export async function attachmentsOf(tx: Tx, messageIds: readonly string[]): Promise<AttachmentRow[]> {
	if (messageIds.length === 0) return []
	const { rows } = await tx.query<{
		id: string
		message_id: string | null
		bucket: 'media' | 'attachments'
		key: string
		content_type: string
		size: number | string
		name: string
	}>(
		`select id, message_id, bucket, key, content_type, size, name from public.attachments
		 where message_id = any($1::uuid[]) order by created_at, id`,
		[messageIds],
	)
	return rows.map(r => ({
		id: r.id,
		messageId: r.message_id,
		bucket: r.bucket,
		key: r.key,
		contentType: r.content_type,
		size: Number(r.size),
		name: r.name,
	}))
}

/** The files of one message, in the order they were attached (their times differ by a microsecond each). */
export async function insertAttachments(
	tx: Tx,
	userId: string,
	messageId: string,
	files: ReadonlyArray<Pick<AttachmentRow, 'bucket' | 'key' | 'contentType' | 'size' | 'name'>>,
): Promise<void> {
	for (const [i, file] of files.entries()) {
		await tx.query(
			`insert into public.attachments (user_id, message_id, bucket, key, content_type, size, name, created_at)
			 values ($1, $2, $3, $4, $5, $6, $7, clock_timestamp() + $8 * interval '1 microsecond')`,
			[userId, messageId, file.bucket, file.key, file.contentType, file.size, file.name.slice(0, 500), i],
		)
	}
}
