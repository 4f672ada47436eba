/** The recently-seen-session cache on its own: its lifetime, the row's limits, forgetting, and its size bound. */
import { describe, expect, it } from 'vitest'
import { SessionCache } from '#server/auth/session-cache.ts'

const user = (id: string) => ({ id, email: `${id}@example.test`, name: id, role: 'user' as const })

describe('SessionCache', () => {
	it('answers for its lifetime only, and never past the row’s expiry or idle deadline', () => {
		let now = 1_000_000
		const cache = new SessionCache(5_000, () => now)
		cache.set({ sessionId: 's1', user: user('u1'), expiresAt: now + 60_000, idleUntil: now + 60_000 })
		cache.set({ sessionId: 's2', user: user('u2'), expiresAt: now + 1_000, idleUntil: now + 60_000 })
		cache.set({ sessionId: 's3', user: user('u3'), expiresAt: now + 60_000, idleUntil: now + 2_000 })
		expect(cache.get('s1')?.user.id).toBe('u1')
		now += 1_000
		expect(cache.get('s2')).toBeNull()
		expect(cache.get('s3')?.user.id).toBe('u3')
		now += 1_000
		expect(cache.get('s3')).toBeNull()
		now += 2_999
		expect(cache.get('s1')?.user.id).toBe('u1')
		now += 1
		expect(cache.get('s1')).toBeNull()
		expect(cache.size).toBe(0)
	})

	it('forgets one session, or every session of a user', () => {
		const cache = new SessionCache(5_000)
		const far = Date.now() + 60_000
		cache.set({ sessionId: 'a1', user: user('a'), expiresAt: far, idleUntil: far })
		cache.set({ sessionId: 'a2', user: user('a'), expiresAt: far, idleUntil: far })
		cache.set({ sessionId: 'b1', user: user('b'), expiresAt: far, idleUntil: far })
		cache.forgetSession('a1')
		expect(cache.get('a1')).toBeNull()
		expect(cache.get('a2')).not.toBeNull()
		cache.forgetUser('a')
		expect(cache.get('a2')).toBeNull()
		expect(cache.get('b1')).not.toBeNull()
	})

	it('remembers nothing with a lifetime of 0, and drops the oldest entry past its size bound', () => {
		const off = new SessionCache(0)
		const far = Date.now() + 60_000
		off.set({ sessionId: 's', user: user('u'), expiresAt: far, idleUntil: far })
		expect(off.get('s')).toBeNull()
		const cache = new SessionCache(5_000)
		for (let i = 0; i <= 10_000; i++) cache.set({ sessionId: `s${i}`, user: user('u'), expiresAt: far, idleUntil: far })
		expect(cache.size).toBe(10_000)
		expect(cache.get('s0')).toBeNull()
		expect(cache.get('s10000')).not.toBeNull()
	})
})
