/** The shapes routes and other services see; `import type` them from '#server/auth/index.ts'. */
import type { FlowMode } from './oauth.ts'

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

/** The accounts service: built by createAuth (./index.ts) from ./requests.ts, ./sign-in.ts and ./settings.ts. */
export interface Auth {
	/** The providers this deployment can sign in with (client id and secret configured). */
	readonly providers: readonly OAuthProvider[]
	/** The signed-in user from the session cookie, or (api paths) an `Authorization: Bearer` personal API token; null if none. */
	getUser(request: Request): Promise<SessionUser | null>
	/** Pages: throws a redirect Response to /login?redirectTo=<path+search>. api paths (/api/…): throws a 401 JSON
	 *  Response `{ error: { code: 'unauthorized', message, requestId } }`. */
	requireUser(request: Request): Promise<SessionUser>
	/** As requireUser, then 403 for non-admins. */
	requireAdmin(request: Request): Promise<SessionUser>
	/**
	 * Forgets what this process remembers of a user's sessions, after an administrator changed the account (role,
	 * disabled): the next request reads the row again.
	 */
	forgetUser(userId: string): void

	/**
	 * Creates a local account and signs it in; refuses a taken e-mail. The first account becomes admin. Only an
	 * account created counts against the `signup` policy (a refusal says how long to wait).
	 */
	signUp(
		request: Request,
		input: { name: string; email: string; password: string; ip: string },
	): Promise<SignedIn | Refusal>
	/** Checks e-mail and password (rate-limited by the route's `signin` policy) and starts a new session. */
	signIn(request: Request, input: { email: string; password: string; ip: string }): Promise<SignedIn | Refusal>
	/** Deletes the request's session row; returns the headers that clear the cookie. */
	signOut(request: Request): Promise<Headers>
	/** The redirect to the provider. `link` connects the provider to the signed-in user instead of signing in. */
	startProviderSignIn(
		request: Request,
		provider: OAuthProvider,
		options: { redirectTo: string; mode: FlowMode },
	): Promise<Response>
	/** Completes the provider callback: a redirect into the app with a new session, or back with a message. */
	finishProviderSignIn(request: Request, provider: OAuthProvider, options: { ip: string }): Promise<Response>
	/** The one-shot message left by a provider sign-in (error or notice), with the header that clears it. */
	takeFlash(request: Request): Promise<{ error: string | null; notice: string | null; headers: Headers }>

	signInMethods(user: SessionUser): Promise<SignInMethods>
	updateProfile(request: Request, user: SessionUser, input: { name: string }): Promise<void>
	/** Needs the current password when the account has one; signs out every other session. */
	changePassword(
		request: Request,
		user: SessionUser,
		input: { currentPassword: string | null; newPassword: string; keepTokens?: boolean },
	): Promise<{ ok: true; revokedTokens: number } | Refusal>
	/** Refuses to remove the last way to sign in. */
	unlinkProvider(request: Request, user: SessionUser, provider: OAuthProvider): Promise<{ ok: true } | Refusal>
	listSessions(request: Request, user: SessionUser): Promise<ActiveSession[]>
	/** Signs one session out; when it is the request's own, the headers clear the cookie. */
	revokeSession(request: Request, user: SessionUser, sessionId: string): Promise<{ headers: Headers | null }>
	/** Deletes every session of the user, this one included; returns the headers that clear the cookie. */
	signOutEverywhere(
		request: Request,
		user: SessionUser,
		options?: { keepTokens?: boolean },
	): Promise<{ headers: Headers; revokedTokens: number }>
	listApiTokens(user: SessionUser): Promise<ApiTokenInfo[]>
	/**
	 * The token is in the result once and never again. Past the `api_token` policy: a refusal with the message
	 * (how long to wait) and the rate-limit headers, for the form to show beside what was typed.
	 */
	createApiToken(
		user: SessionUser,
		input: { name: string; ip: string },
	): Promise<
		| { ok: true; token: string; info: ApiTokenInfo }
		| { ok: false; message: string; retryAfterSeconds: number; headers: Record<string, string> }
	>
	/** Revokes a live token, undoably for UNDO_SECONDS; the name of the token revoked, or null. */
	revokeApiToken(user: SessionUser, tokenId: string): Promise<string | null>
	/** Undo of a revocation while its window is open. */
	restoreApiToken(user: SessionUser, tokenId: string): Promise<boolean>
	/** The purge job's part for a revoked token. */
	purgeApiToken(tokenId: string): Promise<void>
	/** Every row the user owns, as one JSON document. */
	exportData(user: SessionUser): Promise<ExportArchive>
	/**
	 * Needs the account's e-mail typed as confirmation. The account is disabled and signed out everywhere at once;
	 * `restoreToken` undoes that for UNDO_SECONDS (docs/decisions/015), after which every row and stored file of
	 * the user is purged.
	 */
	deleteAccount(
		request: Request,
		user: SessionUser,
		input: { confirmEmail: string },
	): Promise<{ ok: true; headers: Headers; restoreToken: string } | Refusal>
	/** Undo of an account deletion with its credential: the account back, and signed in on this browser. */
	restoreAccount(
		request: Request,
		input: { restoreToken: string; ip: string },
	): Promise<{ ok: true; user: SessionUser; headers: Headers } | { ok: false }>
	/** The purge job's part: every row and stored file of a deleted account, once its window is over. */
	purgeAccount(userId: string): Promise<void>
	close(): Promise<void>
}
