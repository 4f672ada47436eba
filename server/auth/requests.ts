/**
 * Who is asking: the user behind a request (session cookie, or a personal API token on /api/ paths), looked up
 * once per request and remembered for a few seconds; the guards that throw a login redirect or a JSON 401/403;
 * starting and clearing sessions; the one-shot flash message of a provider sign-in.
 */
import { redirect } from '@remix-run/node'
import type { Config } from '#server/config.ts'
import type { Db } from '#server/db/index.ts'
import { requestScope } from '#server/logger.ts'
import { isUuid } from '#server/uuid.ts'
import {
	ACCOUNT_DISABLED,
	createFlowStorage,
	createSessionCookie,
	findSession,
	insertSession,
	pruneSessions,
} from './session.ts'
import { SessionCache } from './session-cache.ts'
import { bearerToken, findTokenUser } from './tokens.ts'
import type { Refusal, SessionUser } from './types.ts'

export function refusal(fields: Record<string, string[]>, formErrors: string[] = []): Refusal {
	return { ok: false, fields, formErrors }
}

function isApiPath(request: Request): boolean {
	return new URL(request.url).pathname.startsWith('/api/')
}

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
	const requestId = requestScope.getStore()?.requestId ?? ''
	return new Response(JSON.stringify({ error: { code, message, requestId } }), {
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

export type RequestAuth = ReturnType<typeof createRequestAuth>

export function createRequestAuth(deps: {
	config: Pick<Config, 'isProduction' | 'sessionSecrets' | 'session'>
	db: Db
	/** Recently seen sessions (tests pass one with their own lifetime or clock). */
	sessionCache?: SessionCache
}) {
	const { config, db } = deps
	const idleDays = config.session.idleDays
	const sessionCookie = createSessionCookie(config)
	const flowStorage = createFlowStorage(config)

	// One lookup per HTTP request, however many loaders ask: remembered for the request's scope.
	const resolved = new WeakMap<object, Promise<SessionUser | null>>()
	// Requests whose bearer token belongs to an account an administrator disabled: told so, not a bare 401.
	const disabledTokens = new WeakSet<object>()
	// And a recently seen session is not looked up again for a few seconds (see ./session-cache.ts): every
	// change that ends or alters sessions forgets what it affects, before it answers.
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
				const found = token ? await findTokenUser(db, token) : null
				if (found !== 'disabled') return found
				const scope = requestScope.getStore()
				if (scope) disabledTokens.add(scope)
				return null
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
			const scope = requestScope.getStore()
			if (scope && disabledTokens.has(scope)) throw jsonError(403, 'account_disabled', ACCOUNT_DISABLED)
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

	async function requireAdmin(request: Request): Promise<SessionUser> {
		const user = await requireUser(request)
		if (user.role !== 'admin') throw jsonError(403, 'forbidden', 'This needs an administrator account.')
		return user
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

	/** Headers that set a one-shot message for the next page (added to `extra`, when given). */
	async function flashHeaders(message: { error?: string; notice?: string }, extra?: Headers): Promise<Headers> {
		const flow = await flowStorage.getSession()
		if (message.error) flow.flash('error', message.error)
		if (message.notice) flow.flash('notice', message.notice)
		const headers = new Headers(extra)
		headers.append('Set-Cookie', await flowStorage.commitSession(flow))
		return headers
	}

	async function takeFlash(request: Request) {
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
	}

	return {
		idleDays,
		flowStorage,
		/** Forgets what a change to sessions or a user affects (this request's lookup, the recent-session cache). */
		forget,
		/** Forgets one session in the recent-session cache only. */
		forgetSession: (sessionId: string) => recent.forgetSession(sessionId),
		readSessionId,
		clearCookieHeaders,
		getUser,
		requireUser,
		requireAdmin,
		startSession,
		flashHeaders,
		takeFlash,
		/** The header that ends a provider sign-in's flow cookie. */
		clearFlowHeader: async () => await flowStorage.destroySession(await flowStorage.getSession()),
	}
}
