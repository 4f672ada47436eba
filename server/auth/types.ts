/** The shapes routes and other services see; `import type` them from '#server/auth/index.ts'. */

export type SessionUser = { id: string; email: string; name: string; role: 'user' | 'admin' }

export type OAuthProvider = 'github' | 'google'

export type ActiveSession = {
	id: string
	createdAt: string
	lastSeenAt: string
	expiresAt: string
	userAgent: string | null
	ip: string | null
	/** The session of the request that asked. */
	current: boolean
}

export type ApiTokenInfo = {
	id: string
	name: string
	createdAt: string
	lastUsedAt: string | null
	revokedAt: string | null
}

export type Identity = { provider: OAuthProvider; email: string | null; createdAt: string }

/** What settings shows about how the user can sign in. */
export type SignInMethods = {
	hasPassword: boolean
	identities: Identity[]
	/** Providers this deployment has configured. */
	available: OAuthProvider[]
}

/** Field errors keyed by form field name, as the forms render them. */
export type FieldErrors = Record<string, string[]>

/** An expected refusal a form shows beside its fields; unexpected failures throw. */
export type Refusal = {
	ok: false
	fields: FieldErrors
	formErrors: string[]
	/** Set when a rate limit refused: the form answers 429 with Retry-After, and the message says how long. */
	retryAfterSeconds?: number
}

/** The outcome of signing in or up: where to send the browser next, with the cookie to set. */
export type SignedIn = { ok: true; user: SessionUser; headers: Headers }

export type ExportArchive = {
	format: 'generation-studio-export'
	version: 1
	exportedAt: string
	user: Record<string, unknown>
	/** Every row the user owns, by table. Secrets (password and token hashes) are left out. */
	tables: Record<string, Array<Record<string, unknown>>>
}
