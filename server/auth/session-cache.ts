/**
 * Recently seen sessions, remembered for a few seconds so a signed-in page does not ask the database who is
 * signed in on every request (docs/decisions/016-render-speed.md).
 *
 * Revocation still takes effect: every path in this process that ends or changes a session (sign-out, revoking
 * one session or all of them, a password change, a renamed or deleted account) forgets the entries it affects
 * at once. Another process (several `--role=web` processes on one Postgres) sees a revocation when its entry
 * runs out, so a revoked cookie keeps working there for at most `ttlMs`. An entry never outlives the row's own
 * limits either: its absolute expiry and its idle deadline are checked on every read.
 */
import type { SessionUser } from './types.ts'

/** How stale a remembered session may be in another process; also how often the row is re-read. */
export const SESSION_CACHE_TTL_MS = 5_000
/** Enough for every session active within the TTL on a busy instance; the oldest entry goes first beyond it. */
const MAX_ENTRIES = 10_000

export type CachedSession = {
	sessionId: string
	user: SessionUser
	/** The row's expires_at and last_seen_at + idle limit, in epoch milliseconds. */
	expiresAt: number
	idleUntil: number
}

type Entry = CachedSession & { freshUntil: number }

export class SessionCache {
	private readonly entries = new Map<string, Entry>()

	private readonly ttlMs: number
	private readonly now: () => number

	constructor(ttlMs = SESSION_CACHE_TTL_MS, now: () => number = Date.now) {
		this.ttlMs = ttlMs
		this.now = now
	}

	get(sessionId: string): CachedSession | null {
		const entry = this.entries.get(sessionId)
		if (!entry) return null
		const now = this.now()
		if (entry.freshUntil <= now || entry.expiresAt <= now || entry.idleUntil <= now) {
			this.entries.delete(sessionId)
			return null
		}
		return entry
	}

	set(session: CachedSession) {
		if (this.ttlMs <= 0) return
		this.entries.delete(session.sessionId)
		this.entries.set(session.sessionId, { ...session, freshUntil: this.now() + this.ttlMs })
		// Maps iterate in insertion order: the first key is the oldest entry.
		if (this.entries.size > MAX_ENTRIES) {
			const oldest = this.entries.keys().next().value
			if (oldest !== undefined) this.entries.delete(oldest)
		}
	}

	forgetSession(sessionId: string) {
		this.entries.delete(sessionId)
	}

	/** Every remembered session of the user (signed out everywhere, renamed, deleted, password changed). */
	forgetUser(userId: string) {
		for (const [id, entry] of this.entries) if (entry.user.id === userId) this.entries.delete(id)
	}

	get size(): number {
		return this.entries.size
	}
}
