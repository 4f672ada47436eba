/**
 * Share links: the form and API schemas (valibot only, safe for the browser bundle). The share page, the
 * settings page, `/api/publish` and `/api/share/:slug` all read these.
 */
import * as v from 'valibot'

export const SHARE_KINDS = ['conversation', 'generation', 'workflow', 'audio_project'] as const
export type ShareKind = (typeof SHARE_KINDS)[number]

/** How long a new link works. */
export const SHARE_EXPIRIES = { never: null, '1h': 3600, '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const
export type ShareExpiry = keyof typeof SHARE_EXPIRIES
export const SHARE_EXPIRY_LABELS: Record<ShareExpiry, string> = {
	never: 'Never',
	'1h': 'In an hour',
	'1d': 'In a day',
	'7d': 'In a week',
	'30d': 'In 30 days',
}

/** 22 url-safe characters from 128 random bits; the database accepts 16 to 64. */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]{16,64}$/
export const SHARE_TITLE_MAX = 200

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const uuid = (message: string) => v.pipe(v.string(message), v.trim(), v.regex(UUID, message))
const optionalUuid = (message: string) =>
	v.optional(
		v.pipe(
			v.string(message),
			v.trim(),
			v.transform(s => (s === '' ? undefined : s)),
			v.union([v.undefined(), v.pipe(v.string(), v.regex(UUID, message))], message),
		),
	)
/** A checkbox (`on`), or a JSON boolean. */
const flag = v.optional(
	v.pipe(
		v.union([v.boolean(), v.picklist(['on', 'true', 'false', ''])]),
		v.transform(value => value === true || value === 'on' || value === 'true'),
	),
	false,
)

export const CreateShareSchema = v.object({
	kind: v.picklist(SHARE_KINDS, 'Say what to share: conversation, generation, workflow or audio_project.'),
	targetId: uuid('Say which item to share.'),
	title: v.optional(
		v.pipe(
			v.string('Give the title as text.'),
			v.trim(),
			v.maxLength(SHARE_TITLE_MAX, `A title can be at most ${SHARE_TITLE_MAX} characters.`),
		),
		'',
	),
	expiresIn: v.optional(
		v.picklist(Object.keys(SHARE_EXPIRIES) as ShareExpiry[], 'Pick when the link stops working.'),
		'never',
	),
	/** Conversations: the first and last message of the range shown (default: the whole current branch). */
	fromMessageId: optionalUuid('Pick a message of this conversation.'),
	toMessageId: optionalUuid('Pick a message of this conversation.'),
	/** Workflows: show the last run's outputs too. */
	includeOutputs: flag,
})
export type CreateShareInput = v.InferOutput<typeof CreateShareSchema>

export const ShareSlugSchema = v.pipe(v.string(), v.regex(SLUG_PATTERN, 'That is not a share link.'))

export const SharesActionSchema = v.variant('intent', [
	v.object({ intent: v.literal('revoke'), shareId: uuid('Pick a link to revoke.') }),
])
