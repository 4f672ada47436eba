/**
 * Sessions are rows in `sessions`; the browser holds only a signed cookie naming the row. Signing out deletes
 * the row, so a copied cookie stops working at once (a cookie-only session could not be revoked). A second,
 * short-lived cookie carries the OAuth state between the start of a provider sign-in and its callback.
 */
import { createCookie, createCookieSessionStorage } from '@remix-run/node'
import type { Cookie, SessionStorage } from '@remix-run/node'
import type { Config } from '#server/config.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { isUuid } from '#server/uuid.ts'
import type { SessionUser } from './types.ts'

const DAY_SECONDS = 86_400
/** last_seen_at is written at most this often per session: one write per active user every few minutes. */
const TOUCH_INTERVAL_MS = 5 * 60_000
/** Long enough to sign in at a provider, short enough that an abandoned attempt does not linger. */
const FLOW_SECONDS = 10 * 60

/**
 * The cookie settings, and why:
 * - `__Host-` prefix in production: the browser accepts the cookie only from this exact host, over HTTPS,
 *   with Path=/ and no Domain, so a sibling subdomain can neither set nor shadow it.
 * - HttpOnly: page scripts (and anything injected into them) cannot read it.
 * - Secure in production: never sent over plain HTTP. Development on http://localhost cannot use it.
 * - SameSite=Lax: not sent on cross-site POSTs, which with the Origin check in server/app.ts stops CSRF, yet
 *   still sent on top-level navigations, so a link into the studio and the OAuth callback (a redirect from
 *   the provider) arrive signed in.
 * - Signed with config.sessionSecrets: the first signs, all verify, so secrets rotate without signing
 *   everyone out. The value is only a random row id; the row is the authority.
 * - Max-Age is the absolute session lifetime; the idle limit is enforced on the row (last_seen_at).
 */
export function createSessionCookie(config: Pick<Config, 'isProduction' | 'sessionSecrets' | 'session'>): Cookie {
	return createCookie(config.isProduction ? '__Host-gs_session' : 'gs_session', {
		httpOnly: true,
		secure: config.isProduction,
		sameSite: 'lax',
		path: '/',
		secrets: config.sessionSecrets,
		maxAge: config.session.maxDays * DAY_SECONDS,
	})
}

/** The OAuth state, PKCE verifier, where to go afterwards and one-shot messages; same settings, ten minutes. */
export function createFlowStorage(config: Pick<Config, 'isProduction' | 'sessionSecrets'>): SessionStorage {
	return createCookieSessionStorage({
		cookie: createCookie(config.isProduction ? '__Host-gs_flow' : 'gs_flow', {
			httpOnly: true,
			secure: config.isProduction,
			sameSite: 'lax',
			path: '/',
			secrets: config.sessionSecrets,
			maxAge: FLOW_SECONDS,
		}),
	})
}

export type SessionMeta = { userAgent: string | null; ip: string | null }

/** Thrown when a session would be started for an account an administrator disabled. */
export class AccountDisabledError extends Error {
	constructor() {
		super(ACCOUNT_DISABLED)
		this.name = 'AccountDisabledError'
	}
}

/** What a disabled account is told when it tries to sign in. */
export const ACCOUNT_DISABLED = 'This account has been disabled by an administrator. Ask them to enable it again.'

/**
 * A new session for a live account. The account is checked in the same statement that inserts the row, so a
 * sign-in racing an administrator's "disable" either ends before it (and the disable deletes the session) or
 * starts no session at all.
 */
export async function insertSession(tx: Tx, userId: string, meta: SessionMeta, maxDays: number): Promise<string> {
	const { rows } = await tx.query<{ id: string }>(
		`insert into sessions (user_id, expires_at, user_agent, ip)
		select u.id, now() + make_interval(days => $2), $3, $4 from users u
		where u.id = $1 and u.disabled_at is null
		returning id`,
		[userId, maxDays, meta.userAgent?.slice(0, 1000) ?? null, meta.ip?.slice(0, 64) ?? null],
	)
	const id = rows[0]?.id
	if (!id) throw new AccountDisabledError()
	return id
}

/** Forgets the user's sessions that have run out, so the list in settings shows only live ones. */
export async function pruneSessions(tx: Tx, userId: string, idleDays: number): Promise<void> {
	await tx.query(
		`delete from sessions where user_id = $1 and (expires_at <= now() or last_seen_at <= now() - make_interval(days => $2))`,
		[userId, idleDays],
	)
}

type SessionRow = {
	session_id: string
	expires_at: Date
	last_seen_at: Date
	touched: boolean
	id: string
	email: string
	name: string
	role: string
}

export type FoundSession = {
	sessionId: string
	user: SessionUser
	/** The row's absolute expiry and the moment it goes idle, in epoch milliseconds (for the session cache). */
	expiresAt: number
	idleUntil: number
}

/**
 * The live session behind a cookie value and its user: not expired, not idle for longer than allowed. One
 * statement on the sessions primary key (no transaction around it): the read, and the last_seen_at write when
 * the row was last touched more than TOUCH_INTERVAL_MS ago. Privileged, because nobody is signed in yet while
 * the cookie is being checked.
 */
export async function findSession(db: Db, sessionId: string, idleDays: number): Promise<FoundSession | null> {
	if (!isUuid(sessionId)) return null
	const { rows } = await db.privilegedExecuteSql(
		`with live as (
			select s.id as session_id, s.expires_at, s.last_seen_at, u.id, u.email, u.name, u.role
			from sessions s join users u on u.id = s.user_id
			where s.id = $1 and s.expires_at > now() and s.last_seen_at > now() - make_interval(days => $2)
				and u.deleted_at is null and u.disabled_at is null
		), touched as (
			update sessions set last_seen_at = now()
			where id = (select session_id from live) and last_seen_at < now() - make_interval(secs => $3)
			returning last_seen_at
		)
		select live.*, exists (select 1 from touched) as touched from live`,
		[sessionId, idleDays, TOUCH_INTERVAL_MS / 1000],
	)
	const row = rows[0] as SessionRow | undefined
	if (!row) return null
	const lastSeen = row.touched ? Date.now() : new Date(row.last_seen_at).getTime()
	return {
		sessionId: row.session_id,
		user: toSessionUser(row),
		expiresAt: new Date(row.expires_at).getTime(),
		idleUntil: lastSeen + idleDays * DAY_SECONDS * 1000,
	}
}

export function toSessionUser(row: { id: string; email: string; name: string; role: string }): SessionUser {
	return { id: row.id, email: row.email, name: row.name, role: row.role === 'admin' ? 'admin' : 'user' }
}
