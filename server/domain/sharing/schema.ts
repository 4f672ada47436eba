/**
 * Share links: the form and API schemas (valibot only, safe for the browser bundle; a component that needs only the
 * constants imports ./options.ts, which leaves the validation library out of its page's JavaScript). The share page, the
 * settings page, `/api/publish` and `/api/share/:slug` all read these.
 */
import * as v from 'valibot'
import { SHARE_EXPIRIES, SHARE_KINDS, SHARE_TITLE_MAX, SLUG_PATTERN, type ShareExpiry } from './options.ts'

export {
	SHARE_EXPIRIES,
	SHARE_EXPIRY_LABELS,
	SHARE_KINDS,
	SHARE_TITLE_MAX,
	SLUG_PATTERN,
	type ShareExpiry,
	type ShareKind,
} from './options.ts'

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
