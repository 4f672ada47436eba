/**
 * The sign-in and sign-up forms, shared by the pages and the server's re-validation. Both public forms carry
 * a honeypot field (`website`): people never see it, form-filling bots do, and a filled one is refused.
 */
import * as v from 'valibot'

import { HONEYPOT_FIELD, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './auth-fields.ts'

export { HONEYPOT_FIELD, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH }

/**
 * A redirect target that stays on this site: a path starting with one `/`, before and after normalising.
 * Anything that a browser could read as another host (`//evil`, `/\evil`, `/.//evil`, `https://…`, control
 * characters) falls back to `fallback`.
 */
export function safeRedirect(to: unknown, fallback = '/'): string {
	if (typeof to !== 'string') return fallback
	const value = to.trim()
	// eslint-disable-next-line no-control-regex
	if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) {
		return fallback
	}
	try {
		const base = 'http://studio.invalid'
		const url = new URL(value, base)
		if (url.origin !== base) return fallback
		// Checked again after normalising: dot segments (`/.//evil`, `/..//evil`, `/%2e//evil`) collapse into a
		// path that starts with `//`, which a browser reads as another host.
		const path = `${url.pathname}${url.search}${url.hash}`
		return path.startsWith('//') || path.includes('\\') ? fallback : path
	} catch {
		return fallback
	}
}

export const EmailSchema = v.pipe(
	v.string('Enter your e-mail address.'),
	v.trim(),
	v.nonEmpty('Enter your e-mail address.'),
	v.maxLength(320, 'That e-mail address is too long.'),
	v.email('Enter a valid e-mail address, like name@example.com.'),
)

export const NewPasswordSchema = v.pipe(
	v.string('Choose a password.'),
	v.nonEmpty('Choose a password.'),
	v.minLength(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`),
	v.maxLength(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`),
)

export const NameSchema = v.pipe(
	v.string('Enter your name.'),
	v.trim(),
	v.nonEmpty('Enter your name.'),
	v.maxLength(200, 'Keep your name under 200 characters.'),
)

const RedirectToSchema = v.pipe(
	v.optional(v.string(), '/'),
	v.transform(to => safeRedirect(to)),
)

/** Must stay empty; the form reader (app/utils/input.server.ts) drops empty fields, so any value at all is a bot. */
const Honeypot = v.optional(v.pipe(v.string(), v.maxLength(0, 'Leave this field empty.')))

export const SignInSchema = v.object({
	email: EmailSchema,
	password: v.pipe(
		v.string('Enter your password.'),
		v.nonEmpty('Enter your password.'),
		v.maxLength(PASSWORD_MAX_LENGTH, 'That password is too long.'),
	),
	redirectTo: RedirectToSchema,
	[HONEYPOT_FIELD]: Honeypot,
})

export const SignUpSchema = v.object({
	name: NameSchema,
	email: EmailSchema,
	password: NewPasswordSchema,
	redirectTo: RedirectToSchema,
	[HONEYPOT_FIELD]: Honeypot,
})

export const PROVIDERS = ['github', 'google'] as const

export const ProviderSchema = v.picklist(PROVIDERS, 'Unknown sign-in provider.')

export const ProviderStartSchema = v.object({
	redirectTo: RedirectToSchema,
	intent: v.optional(v.picklist(['signin', 'link'], 'Unknown intent.'), 'signin'),
})
