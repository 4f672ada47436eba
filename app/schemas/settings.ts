/** The forms of /settings: one schema per page, the mutations told apart by the submit button's `intent`. */
import * as v from 'valibot'
import { NameSchema, NewPasswordSchema, ProviderSchema } from './auth.ts'

const Uuid = v.pipe(v.string('Missing id.'), v.uuid('Unknown id.'))

const KeepTokensSchema = v.optional(
	v.pipe(
		v.literal('yes', 'Unknown choice for API tokens.'),
		v.transform(() => true),
	),
	undefined,
)

export const ProfileActionSchema = v.variant(
	'intent',
	[
		v.object({ intent: v.literal('profile'), name: NameSchema }),
		v.object({
			intent: v.literal('password'),
			currentPassword: v.optional(v.string()),
			newPassword: NewPasswordSchema,
			// A checkbox: present to keep API tokens working; absent (the default) revokes them.
			keepTokens: KeepTokensSchema,
		}),
		v.object({ intent: v.literal('unlink'), provider: ProviderSchema }),
	],
	'Unknown action.',
)

export const SessionsActionSchema = v.variant(
	'intent',
	[
		v.object({ intent: v.literal('revoke'), sessionId: Uuid }),
		v.object({ intent: v.literal('revoke-all'), keepTokens: KeepTokensSchema }),
	],
	'Unknown action.',
)

export const TokenNameSchema = v.pipe(
	v.string('Name the token, e.g. "laptop script".'),
	v.trim(),
	v.nonEmpty('Name the token, e.g. "laptop script".'),
	v.maxLength(100, 'Keep the name under 100 characters.'),
)

export const TokensActionSchema = v.variant(
	'intent',
	[
		v.object({ intent: v.literal('create'), name: TokenNameSchema }),
		v.object({ intent: v.literal('revoke'), tokenId: Uuid }),
		v.object({ intent: v.literal('restore'), tokenId: Uuid }),
	],
	'Unknown action.',
)

/** The Undo of an account deletion: its one-time credential, from the flash message. */
export const RestoreAccountSchema = v.object({
	restoreToken: v.pipe(
		v.string('The undo link is incomplete.'),
		v.regex(/^gs_[\w-]{43}$/, 'The undo link is not valid.'),
	),
})

export const DeleteAccountSchema = v.object({
	intent: v.literal('delete', 'Unknown action.'),
	confirmEmail: v.pipe(
		v.string('Type the e-mail address of this account to confirm.'),
		v.trim(),
		v.nonEmpty('Type the e-mail address of this account to confirm.'),
	),
})
