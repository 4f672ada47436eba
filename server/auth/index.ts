/**
 * Accounts and sign-in: local accounts (e-mail + password, scrypt), GitHub and Google when configured,
 * database-backed sessions, personal API tokens, and the settings behind them. Built once in
 * server/services.ts; routes reach it as `context.services.auth` (thin wrappers in app/utils/auth.server.ts).
 * See docs/decisions/005-central-route-protection.md for how every route is guarded.
 */
import { redirect } from '@remix-run/node'
import { Authenticator, AuthorizationError } from 'remix-auth'
import { FormStrategy } from 'remix-auth-form'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import type { Jobs } from '#server/jobs/index.ts'
import type { Limits } from '#server/limits/index.ts'
import { rateLimitHeaders, rateLimitMessage } from '#server/limits/http.ts'
import { logger, requestScope } from '#server/logger.ts'
import {
	countOwnedRows,
	createLocalUser,
	exportUserData,
	findUserByEmail,
	isPurgeDue,
	listIdentities,
	markUserDeleted,
	passwordHashOf,
	resolveProviderUser,
	restoreDeletedUser,
	setPasswordHash,
	unlinkIdentity,
	updateName,
} from './accounts.ts'
import { createOAuthFlows, PROVIDER_LABELS } from './oauth.ts'
import type { FlowMode } from './oauth.ts'
import { decoyHash, hashPassword, verifyPassword } from './password.ts'
import { isUuid } from '#server/uuid.ts'
import { createFlowStorage, createSessionCookie, findSession, insertSession, pruneSessions } from './session.ts'
import { SessionCache } from './session-cache.ts'
import { tokensOutcome } from './messages.ts'
import {
	bearerToken,
	findTokenUser,
	hashToken,
	insertToken,
	listTokens,
	newToken,
	purgeToken,
	restoreToken,
	revokeAllTokens,
	revokeToken,
} from './tokens.ts'
import type {
	ActiveSession,
	ApiTokenInfo,
	ExportArchive,
	OAuthProvider,
	Refusal,
	SessionUser,
	SignedIn,
	SignInMethods,
} from './types.ts'

export type * from './types.ts'
export type { FlowMode } from './oauth.ts'
export { PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH } from './password.ts'

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

export type AuthDeps = {
	config: Config
	db: Db
	/** Deleting an account or revoking a token enqueues its purge. */
	jobs: Pick<Jobs, 'enqueue'>
	limits: Limits
	/** When files are stored, account deletion removes the user's files too. */
	storage?: { removeUserFiles(userId: string): Promise<number> } | null
	/** Recently seen sessions (tests pass one with their own lifetime or clock). */
	sessionCache?: SessionCache
}

class InvalidCredentials extends Error {}

const SIGN_IN_FAILED = 'That e-mail and password do not match an account.'

function refusal(fields: Record<string, string[]>, formErrors: string[] = []): Refusal {
	return { ok: false, fields, formErrors }
}

function requestIdNow(): string {
	return requestScope.getStore()?.requestId ?? ''
}

function isApiPath(request: Request): boolean {
	return new URL(request.url).pathname.startsWith('/api/')
}

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify({ error: { code, message, requestId: requestIdNow() } }), {
		status,
		headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
	})
}

/** Where to send a signed-out visitor: the login page, then back to the address they asked for. */
export function loginRedirect(request: Request): Response {
	const url = new URL(request.url)
	url.searchParams.delete('_data')
	const back = `${url.pathname}${url.search}`
	return redirect(back === '/' ? '/login' : `/login?redirectTo=${encodeURIComponent(back)}`)
}

export async function createAuth(deps: AuthDeps): Promise<Auth> {
	const { config, db, jobs, limits } = deps
	const storage = deps.storage ?? null
	const idleDays = config.session.idleDays
	const sessionCookie = createSessionCookie(config)
	const flowStorage = createFlowStorage(config)
	const oauth = createOAuthFlows(config, flowStorage)
	const decoy = await decoyHash()

	// remix-auth's form strategy for local accounts: it hands the submitted form to `verify`, which answers
	// with the user or throws. Only an InvalidCredentials error means "wrong e-mail or password".
	const local = new Authenticator<SessionUser>(flowStorage, { throwOnError: true })
	local.use(
		new FormStrategy<SessionUser>(async ({ form }) => {
			const email = String(form.get('email') ?? '')
			const password = String(form.get('password') ?? '')
			const account = await findUserByEmail(db, email)
			// Unknown e-mails are checked against a decoy hash so they take as long as a wrong password.
			const matches = await verifyPassword(password, account?.passwordHash ?? decoy)
			if (!account || !account.passwordHash || !matches) throw new InvalidCredentials(SIGN_IN_FAILED)
			const { passwordHash: _hash, ...user } = account
			return user
		}),
		'password',
	)

	// One lookup per HTTP request, however many loaders ask: remembered for the request's scope.
	const resolved = new WeakMap<object, Promise<SessionUser | null>>()
	// And a recently seen session is not looked up again for a few seconds (see ./session-cache.ts): every
	// change below that ends or alters sessions forgets what it affects, before it answers.
	const recent = deps.sessionCache ?? new SessionCache()
	const forget = (change: { sessionId?: string | null; userId?: string } = {}) => {
		const scope = requestScope.getStore()
		if (scope) resolved.delete(scope)
		if (change.sessionId) recent.forgetSession(change.sessionId)
		if (change.userId) recent.forgetUser(change.userId)
	}

	async function readSessionId(request: Request): Promise<string | null> {
		const value: unknown = await sessionCookie.parse(request.headers.get('Cookie'))
		return isUuid(value) ? value : null
	}

	async function clearCookieHeaders(): Promise<Headers> {
		const headers = new Headers()
		headers.append('Set-Cookie', await sessionCookie.serialize('', { maxAge: 0, expires: new Date(0) }))
		return headers
	}

	async function resolveUser(request: Request): Promise<SessionUser | null> {
		if (isApiPath(request)) {
			const token = bearerToken(request)
			// A request that names a token is judged by it alone: a bad token is a 401, not a cookie fallback.
			if (token !== null || request.headers.has('authorization')) {
				return token ? await findTokenUser(db, token) : null
			}
		}
		const sessionId = await readSessionId(request)
		if (!sessionId) return null
		const remembered = recent.get(sessionId)
		if (remembered) return remembered.user
		const found = await findSession(db, sessionId, idleDays)
		if (!found) return null
		recent.set(found)
		return found.user
	}

	async function getUser(request: Request): Promise<SessionUser | null> {
		const scope = requestScope.getStore()
		let pending = scope ? resolved.get(scope) : undefined
		if (!pending) {
			pending = resolveUser(request)
			if (scope) resolved.set(scope, pending)
		}
		const user = await pending
		// The access log line and every later log line of this request carry the user id.
		if (user && scope) scope.userId = user.id
		return user
	}

	async function requireUser(request: Request): Promise<SessionUser> {
		const user = await getUser(request)
		if (user) return user
		if (isApiPath(request)) {
			throw jsonError(
				401,
				'unauthorized',
				'Sign in, or send a personal API token as "Authorization: Bearer <token>".',
				{
					'WWW-Authenticate': 'Bearer',
				},
			)
		}
		throw loginRedirect(request)
	}

	/** A new session row (never the old id again) and the cookie naming it. */
	async function startSession(request: Request, user: SessionUser, ip: string): Promise<Headers> {
		const previous = await readSessionId(request)
		const sessionId = await db.privileged(async tx => {
			if (previous) await tx.query('delete from sessions where id = $1', [previous])
			await pruneSessions(tx, user.id, idleDays)
			return await insertSession(
				tx,
				user.id,
				{ userAgent: request.headers.get('user-agent'), ip },
				config.session.maxDays,
			)
		})
		forget({ sessionId: previous })
		const headers = new Headers()
		headers.append('Set-Cookie', await sessionCookie.serialize(sessionId))
		return headers
	}

	async function flashRedirect(to: string, message: { error?: string; notice?: string }, extra?: Headers) {
		const flow = await flowStorage.getSession()
		if (message.error) flow.flash('error', message.error)
		if (message.notice) flow.flash('notice', message.notice)
		const headers = new Headers(extra)
		headers.append('Set-Cookie', await flowStorage.commitSession(flow))
		return redirect(to, { headers })
	}

	async function clearFlowHeader(): Promise<string> {
		return await flowStorage.destroySession(await flowStorage.getSession())
	}

	return {
		providers: oauth.providers,
		getUser,
		requireUser,

		async requireAdmin(request) {
			const user = await requireUser(request)
			if (user.role !== 'admin') throw jsonError(403, 'forbidden', 'This needs an administrator account.')
			return user
		},

		async signUp(request, { name, email, password, ip }) {
			// Counted before the insert, so parallel sign-ups cannot race past it, and given back when refused.
			const limit = await limits.consume('signup', { ip })
			if (!limit.allowed)
				return { ...refusal({}, [rateLimitMessage(limit)]), retryAfterSeconds: limit.retryAfterSeconds }
			const user = await createLocalUser(db, { email, name, passwordHash: await hashPassword(password) })
			if (!user) {
				await limits.reward('signup', { ip })
				return refusal({ email: ['An account with this e-mail already exists. Sign in instead.'] })
			}
			logger.info('account created', { user_id: user.id, method: 'password', role: user.role })
			return { ok: true, user, headers: await startSession(request, user, ip) }
		},

		async signIn(request, { email, password, ip }) {
			const formRequest = new Request(request.url, { method: 'POST', body: new URLSearchParams({ email, password }) })
			let user: SessionUser
			try {
				user = await local.authenticate('password', formRequest, { throwOnError: true })
			} catch (error) {
				if (error instanceof AuthorizationError && error.cause instanceof InvalidCredentials) {
					return refusal({}, [SIGN_IN_FAILED])
				}
				throw error instanceof AuthorizationError && error.cause ? error.cause : error
			}
			// The attempts counted by the route's `signin` policy start again after a success.
			await limits.reset('signin', { ip, email })
			return { ok: true, user, headers: await startSession(request, user, ip) }
		},

		async signOut(request) {
			const sessionId = await readSessionId(request)
			if (sessionId) await db.privileged(tx => tx.query('delete from sessions where id = $1', [sessionId]))
			forget({ sessionId })
			return await clearCookieHeaders()
		},

		async startProviderSignIn(request, provider, { redirectTo, mode }) {
			if (!oauth.providers.includes(provider)) throw new Response('Not found', { status: 404 })
			if (mode === 'link') await requireUser(request)
			return await oauth.start(request, provider, { redirectTo, mode })
		},

		async finishProviderSignIn(request, provider, { ip }) {
			if (!oauth.providers.includes(provider)) throw new Response('Not found', { status: 404 })
			const result = await oauth.finish(request, provider)
			const back = result.mode === 'link' ? '/settings' : '/login'
			if (!result.ok) return await flashRedirect(back, { error: result.message })
			const linkTo = result.mode === 'link' ? await getUser(request) : null
			if (result.mode === 'link' && !linkTo) return await flashRedirect('/login', { error: 'Sign in first.' })
			const outcome = await resolveProviderUser(db, result.profile, linkTo)
			if (!outcome.ok) return await flashRedirect(back, { error: outcome.message })
			const label = PROVIDER_LABELS[provider]
			if (linkTo) {
				logger.info('sign-in method connected', { user_id: linkTo.id, provider })
				return await flashRedirect('/settings', { notice: `${label} is now connected to your account.` })
			}
			if (outcome.created)
				logger.info('account created', { user_id: outcome.user.id, method: provider, role: outcome.user.role })
			await limits.reset('signin', { ip })
			const headers = await startSession(request, outcome.user, ip)
			headers.append('Set-Cookie', await clearFlowHeader())
			return redirect(result.redirectTo, { headers })
		},

		async takeFlash(request) {
			const flow = await flowStorage.getSession(request.headers.get('Cookie'))
			const error: unknown = flow.get('error')
			const notice: unknown = flow.get('notice')
			const headers = new Headers()
			if (error !== undefined || notice !== undefined) {
				headers.append('Set-Cookie', await flowStorage.commitSession(flow))
			}
			return {
				error: typeof error === 'string' ? error : null,
				notice: typeof notice === 'string' ? notice : null,
				headers,
			}
		},

		async signInMethods(user) {
			const [hash, identities] = await Promise.all([passwordHashOf(db, user.id), listIdentities(db, user.id)])
			return { hasPassword: hash !== null, identities, available: [...oauth.providers] }
		},

		async updateProfile(_request, user, { name }) {
			await updateName(db, user.id, name)
			forget({ userId: user.id })
		},

		async changePassword(request, user, { currentPassword, newPassword, keepTokens = false }) {
			const current = await passwordHashOf(db, user.id)
			if (current !== null) {
				if (!currentPassword) return refusal({ currentPassword: ['Enter your current password.'] })
				if (!(await verifyPassword(currentPassword, current))) {
					return refusal({ currentPassword: ['That is not your current password.'] })
				}
			}
			const { revokedTokens } = await setPasswordHash(db, user.id, await hashPassword(newPassword), {
				keepSessionId: await readSessionId(request),
				revokeTokens: !keepTokens,
			})
			// The other sessions are gone; this one is read again on its next request.
			forget({ userId: user.id })
			logger.info('password changed', { user_id: user.id, revoked_tokens: revokedTokens })
			return { ok: true, revokedTokens }
		},

		async unlinkProvider(_request, user, provider) {
			const outcome = await unlinkIdentity(db, user.id, provider)
			if (outcome === 'last') {
				return refusal({}, [
					`${PROVIDER_LABELS[provider]} is your only way to sign in. Set a password first, then disconnect it.`,
				])
			}
			return { ok: true }
		},

		async listSessions(request, user) {
			const current = await readSessionId(request)
			const { rows } = await db.asUser(user.id, tx =>
				tx.query<{
					id: string
					created_at: Date
					last_seen_at: Date
					expires_at: Date
					user_agent: string | null
					ip: string | null
				}>(
					`select id, created_at, last_seen_at, expires_at, user_agent, ip from sessions
					where expires_at > now() and last_seen_at > now() - make_interval(days => $1)
					order by last_seen_at desc`,
					[idleDays],
				),
			)
			return rows.map(r => ({
				id: r.id,
				createdAt: new Date(r.created_at).toISOString(),
				lastSeenAt: new Date(r.last_seen_at).toISOString(),
				expiresAt: new Date(r.expires_at).toISOString(),
				userAgent: r.user_agent,
				ip: r.ip,
				current: r.id === current,
			}))
		},

		async revokeSession(request, user, sessionId) {
			if (!isUuid(sessionId)) return { headers: null }
			await db.asUser(user.id, tx => tx.query('delete from sessions where id = $1', [sessionId]))
			recent.forgetSession(sessionId)
			if (sessionId !== (await readSessionId(request))) return { headers: null }
			forget({ sessionId })
			return { headers: await clearCookieHeaders() }
		},

		async signOutEverywhere(_request, user, { keepTokens = false } = {}) {
			// Tokens go too unless kept: "everywhere" includes the scripts a lost laptop could still run.
			const revokedTokens = await db.asUser(user.id, async tx => {
				await tx.query('delete from sessions where user_id = $1', [user.id])
				return keepTokens ? 0 : await revokeAllTokens(tx, user.id)
			})
			logger.info('signed out everywhere', { user_id: user.id, revoked_tokens: revokedTokens })
			forget({ userId: user.id })
			// The sign-in page that follows says what happened.
			const headers = await clearCookieHeaders()
			const flow = await flowStorage.getSession()
			flow.flash('notice', `You are signed out everywhere. ${tokensOutcome(revokedTokens, keepTokens)}`)
			headers.append('Set-Cookie', await flowStorage.commitSession(flow))
			return { headers, revokedTokens }
		},

		listApiTokens: user => listTokens(db, user.id),

		async createApiToken(user, { name, ip }) {
			const result = await limits.consume('api_token', { ip, userId: user.id })
			if (!result.allowed) {
				return {
					ok: false,
					message: rateLimitMessage(result),
					retryAfterSeconds: result.retryAfterSeconds,
					headers: rateLimitHeaders(result),
				}
			}
			const created = await insertToken(db, user.id, name)
			logger.info('api token created', { user_id: user.id, token_id: created.info.id })
			return { ok: true, ...created }
		},

		async revokeApiToken(user, tokenId) {
			if (!isUuid(tokenId)) return null
			return await revokeToken(db, jobs, user.id, tokenId)
		},

		async restoreApiToken(user, tokenId) {
			if (!isUuid(tokenId)) return false
			return await restoreToken(db, user.id, tokenId)
		},

		purgeApiToken: tokenId => (isUuid(tokenId) ? purgeToken(db, tokenId) : Promise.resolve()),

		exportData: user => exportUserData(db, user.id),

		async deleteAccount(_request, user, { confirmEmail }) {
			if (confirmEmail.trim().toLowerCase() !== user.email.toLowerCase()) {
				return refusal({ confirmEmail: ['Type the e-mail address of this account to confirm.'] })
			}
			const restoreToken = newToken()
			if (!(await markUserDeleted(db, jobs, user.id, hashToken(restoreToken)))) {
				return refusal({}, ['This account is already being deleted.'])
			}
			logger.info('account deleted, purge scheduled', { user_id: user.id })
			forget({ userId: user.id })
			return { ok: true, headers: await clearCookieHeaders(), restoreToken }
		},

		async restoreAccount(request, { restoreToken, ip }) {
			const user = await restoreDeletedUser(db, hashToken(restoreToken))
			if (!user) return { ok: false }
			logger.info('account deletion undone', { user_id: user.id })
			return { ok: true, user, headers: await startSession(request, user, ip) }
		},

		async purgeAccount(userId) {
			if (!isUuid(userId) || !(await isPurgeDue(db, userId))) return
			// Files first: if removing them fails, the job is tried again with the account still there to find them.
			if (storage) await storage.removeUserFiles(userId)
			await db.privileged(tx => tx.query('delete from users where id = $1', [userId]))
			const left = Object.entries(await countOwnedRows(db, userId)).filter(([, n]) => n > 0)
			if (left.length > 0) logger.error('account deletion left rows behind', { user_id: userId, tables: left })
			// Anything stored while the rows were being deleted goes too.
			if (storage) {
				await storage.removeUserFiles(userId).catch((error: unknown) => {
					logger.error('removing files after account deletion failed', { user_id: userId, error })
				})
			}
			logger.info('account purged', { user_id: userId })
		},

		async close() {
			// Nothing to close: sessions live in the database, which services.ts closes.
		},
	}
}
