/**
 * Every chat form and API body, shared by the pages (`/chat`, `/chat/:id`) and the `api.*` routes. The server
 * re-validates everything it receives; the same messages appear beside the fields.
 */
import * as v from 'valibot'

import { IMPORT_MAX_MESSAGES, MESSAGE_MAX_CHARS, SYSTEM_PROMPT_MAX_CHARS, TITLE_MAX_CHARS } from './limits.ts'

// The sizes live apart so pages can show them without this module's validation library.
export * from './limits.ts'

const uuid = (what: string) => v.pipe(v.string(`${what} is missing.`), v.trim(), v.uuid(`${what} is not valid.`))

const messageText = v.pipe(
	v.string('Write a message.'),
	v.trim(),
	v.nonEmpty('Write a message.'),
	v.maxLength(MESSAGE_MAX_CHARS, `Keep a message under ${MESSAGE_MAX_CHARS.toLocaleString('en')} characters.`),
)

const model = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'That model id is too long.')))

const systemPrompt = v.optional(
	v.pipe(
		v.string(),
		v.trim(),
		v.maxLength(
			SYSTEM_PROMPT_MAX_CHARS,
			`Keep the system prompt under ${SYSTEM_PROMPT_MAX_CHARS.toLocaleString('en')} characters.`,
		),
	),
)

const title = v.pipe(
	v.string('Give the chat a title.'),
	v.trim(),
	v.nonEmpty('Give the chat a title.'),
	v.maxLength(TITLE_MAX_CHARS, `Keep the title under ${TITLE_MAX_CHARS} characters.`),
)

/**
 * `wait`: the action runs the model to completion before it redirects (no JavaScript). `stream`: it starts the
 * reply and redirects at once; the page follows it over `GET /api/chat/:id/stream`.
 */
export const ReplyModeSchema = v.optional(v.picklist(['wait', 'stream'], 'Unknown reply mode.'), 'wait')
export type ReplyMode = v.InferOutput<typeof ReplyModeSchema>

/** `/chat`: start a conversation, optionally with its first message. */
export const NewChatSchema = v.object({
	intent: v.optional(v.literal('new'), 'new'),
	model,
	systemPrompt,
	content: v.optional(messageText),
	mode: ReplyModeSchema,
})

/** `/chat/:id`: the buttons and forms of a conversation, told apart by `intent`. */
export const ChatActionSchema = v.variant(
	'intent',
	[
		v.object({
			intent: v.literal('send'),
			content: messageText,
			/** The message the new one answers: the leaf of the branch on screen. */
			parentId: v.optional(uuid('The message to reply to')),
			mode: ReplyModeSchema,
		}),
		v.object({
			intent: v.literal('edit'),
			messageId: uuid('The message to edit'),
			text: messageText,
			mode: ReplyModeSchema,
		}),
		v.object({ intent: v.literal('regenerate'), messageId: uuid('The reply to regenerate'), mode: ReplyModeSchema }),
		v.object({ intent: v.literal('stop'), messageId: uuid('The reply to stop') }),
		v.object({ intent: v.literal('settings'), title, model, systemPrompt }),
	],
	'Unknown action.',
)
export type ChatAction = v.InferOutput<typeof ChatActionSchema>

/** Only addresses inside the chat area: a form cannot be used to bounce the browser elsewhere. */
const redirectTo = v.optional(v.pipe(v.string(), v.regex(/^\/chat(?:[/?#][^\\\s]*)?$/, 'Invalid return address.')))

/** The conversation list's buttons (on `/chat` and in a conversation's header). */
export const ConversationActionSchema = v.variant(
	'intent',
	[
		v.object({ intent: v.literal('rename'), conversationId: uuid('The chat'), title, redirectTo }),
		v.object({ intent: v.literal('delete'), conversationId: uuid('The chat'), redirectTo }),
		v.object({ intent: v.literal('restore'), conversationId: uuid('The chat'), redirectTo }),
		v.object({
			intent: v.literal('pin'),
			conversationId: uuid('The chat'),
			pinned: v.pipe(
				v.picklist(['true', 'false'], 'Pin or unpin.'),
				v.transform(s => s === 'true'),
			),
			redirectTo,
		}),
	],
	'Unknown action.',
)

export const ConversationListQuerySchema = v.object({
	q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'Keep the search under 200 characters.'))),
	cursor: v.optional(v.pipe(v.string(), v.maxLength(400))),
})

export const ThreadQuerySchema = v.object({
	/** Show the branch through this message (its latest leaf), and remember it. */
	branch: v.optional(v.pipe(v.string(), v.uuid())),
	/** Show the history above this message (pagination of long branches). */
	before: v.optional(v.pipe(v.string(), v.uuid())),
})

export const StreamQuerySchema = v.object({ message: v.optional(v.pipe(v.string(), v.uuid('Unknown message.'))) })

export const ExportFormatSchema = v.optional(v.picklist(['markdown', 'json'], 'Pick markdown or json.'), 'markdown')

/** `POST /api/title`: (re)write a conversation's title now. */
export const TitleRequestSchema = v.object({ conversationId: uuid('The chat') })

/** `POST /api/analysis`: the non-file fields (the image arrives as the `file` part, or names an attachment). */
export const AnalysisSchema = v.object({
	question: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(2000, 'Keep the question under 2,000 characters.')),
		'',
	),
	model,
	attachmentId: v.optional(uuid('The attachment')),
})

const isoTime = v.pipe(v.string(), v.isoTimestamp('Dates must be ISO timestamps.'))

/** What "Export JSON" writes and "Import" reads: the whole tree, so branches survive a round trip. */
/** What an import expects, in words, for a file of another shape (the validator's own text helps nobody). */
export const IMPORT_EXPECTED =
	'This file is not a conversation export. Expected the JSON file that “Export JSON” makes on a chat: an object with "format": "generation-studio-conversation", a "conversation" with its title, and a list of "messages", each with an id, a role (user, assistant or system) and its text.'

/** The problem to show for a file the import schema refused: our own words when we have them, else the expected shape. */
export function importProblem(messages: readonly string[]): string {
	return messages.find(m => !/^Invalid (type|key|length|value)/.test(m)) ?? IMPORT_EXPECTED
}

export const ChatExportSchema = v.object({
	format: v.literal('generation-studio-conversation', 'This is not a Generation Studio conversation export.'),
	version: v.literal(1, 'This export was made by a newer version; it cannot be imported here.'),
	exportedAt: v.optional(isoTime),
	conversation: v.object({
		title: v.pipe(v.string(), v.maxLength(500)),
		model: v.nullish(v.pipe(v.string(), v.maxLength(200))),
		systemPrompt: v.nullish(v.pipe(v.string(), v.maxLength(SYSTEM_PROMPT_MAX_CHARS))),
		createdAt: v.optional(isoTime),
	}),
	currentLeafId: v.nullish(v.pipe(v.string(), v.maxLength(100))),
	messages: v.pipe(
		v.array(
			v.object({
				id: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
				parentId: v.nullish(v.pipe(v.string(), v.maxLength(100))),
				role: v.picklist(['user', 'assistant', 'system'], 'A message role must be user, assistant or system.'),
				content: v.pipe(v.string(), v.maxLength(200_000, 'A message in the file is too long.')),
				model: v.nullish(v.pipe(v.string(), v.maxLength(200))),
				status: v.optional(v.picklist(['complete', 'streaming', 'error', 'stopped'])),
				error: v.nullish(v.pipe(v.string(), v.maxLength(2000))),
				createdAt: v.optional(isoTime),
			}),
		),
		v.maxLength(
			IMPORT_MAX_MESSAGES,
			`An import can hold at most ${IMPORT_MAX_MESSAGES.toLocaleString('en')} messages.`,
		),
	),
})
export type ChatExport = v.InferOutput<typeof ChatExportSchema>
