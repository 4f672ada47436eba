import { describe, expect, it } from 'vitest'
import { rateLimitHeaders } from '#server/limits/http.ts'
import type { LimitResult, Limits } from '#server/limits/index.ts'
import { listKeys } from '#tests/support/redis.ts'
import { waitFor } from '#tests/support/wait.ts'
import { backendCases, useLimitsFactory } from './backends.ts'

async function consumeTimes(limits: Limits, times: number, ...args: Parameters<Limits['consume']>) {
	const results: LimitResult[] = []
	for (let i = 0; i < times; i++) results.push(await limits.consume(...args))
	return results
}

describe.each(backendCases())('rate limits on $label', backendCase => {
	const factory = useLimitsFactory(backendCase)

	it('refuses the (points+1)th call in the window, with the wait and headers', async () => {
		const limits = await factory.open({ chat: { points: 3, durationSeconds: 60 } })
		const subject = { ip: '203.0.113.1', userId: 'user-a' }

		const allowed = await consumeTimes(limits, 3, 'chat', subject)
		expect(allowed.map(r => [r.allowed, r.remaining])).toEqual([
			[true, 2],
			[true, 1],
			[true, 0],
		])
		for (const r of allowed) {
			expect(r.backend).toBe(backendCase.backend)
			expect(r.retryAfterSeconds).toBe(0)
			expect(r.resetSeconds).toBeGreaterThan(0)
			expect(r.resetSeconds).toBeLessThanOrEqual(60)
		}

		const refused = await limits.consume('chat', subject)
		expect(refused).toMatchObject({ policy: 'chat', allowed: false, limit: 3, remaining: 0, windowSeconds: 60 })
		expect(refused.backend).toBe(backendCase.backend)
		expect(refused.retryAfterSeconds).toBeGreaterThan(0)
		expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60)

		const headers = rateLimitHeaders(refused)
		expect(headers['Retry-After']).toBe(String(refused.retryAfterSeconds))
		expect(headers['RateLimit-Limit']).toBe('3')
		expect(headers['RateLimit-Remaining']).toBe('0')
		expect(Number(headers['RateLimit-Reset'])).toBeGreaterThan(0)
		expect(headers['RateLimit-Policy']).toBe('3;w=60')

		// Still refused on later calls in the same window.
		expect((await limits.consume('chat', subject)).allowed).toBe(false)

		const url = backendCase.url()
		// One key per bucket, beside the epoch that tells a restarted Redis from a reset.
		if (url)
			expect((await listKeys(url, factory.prefix)).sort()).toEqual([
				`${factory.prefix}:chat:u:user-a`,
				`${factory.prefix}:epoch`,
			])
	})

	it('keeps a bucket per subject', async () => {
		const limits = await factory.open({
			generation: { points: 2, durationSeconds: 60 },
			catalogue: { points: 2, durationSeconds: 60 },
		})
		const ada = { ip: '203.0.113.1', userId: 'ada' }
		await consumeTimes(limits, 2, 'generation', ada)
		expect((await limits.consume('generation', ada)).allowed).toBe(false)
		// Per-user: another account is untouched, and the same account from another address is still limited.
		expect((await limits.consume('generation', { ip: '203.0.113.1', userId: 'bob' })).allowed).toBe(true)
		expect((await limits.consume('generation', { ...ada, ip: '198.51.100.7' })).allowed).toBe(false)
		// Policies do not share buckets.
		expect((await limits.consume('chat', ada)).allowed).toBe(true)

		// Per-address: another address is untouched.
		await consumeTimes(limits, 2, 'catalogue', { ip: '203.0.113.1' })
		expect((await limits.consume('catalogue', { ip: '203.0.113.1' })).allowed).toBe(false)
		expect((await limits.consume('catalogue', { ip: '203.0.113.2' })).allowed).toBe(true)
		expect((await limits.consume('catalogue', { ip: '::ffff:203.0.113.1' })).allowed).toBe(false)
	})

	it('refuses the 11th wrong sign-in in the window and blocks the pair; a success resets it', async () => {
		const limits = await factory.open()
		const attacker = { ip: '192.0.2.50', email: 'victim@example.com' }

		const attempts = await consumeTimes(limits, 10, 'signin', attacker)
		expect(attempts.every(r => r.allowed)).toBe(true)
		expect(attempts.at(-1)?.remaining).toBe(0)

		const eleventh = await limits.consume('signin', { ...attacker, email: 'VICTIM@example.com' })
		expect(eleventh.allowed).toBe(false)
		expect(eleventh.limit).toBe(10)
		// Blocked for the policy's block time from this refusal.
		expect(eleventh.retryAfterSeconds).toBeGreaterThan(800)
		expect(eleventh.retryAfterSeconds).toBeLessThanOrEqual(900)
		expect((await limits.consume('signin', attacker)).allowed).toBe(false)

		// Another account from the same address, or the same account from elsewhere, has its own count.
		expect((await limits.consume('signin', { ...attacker, email: 'other@example.com' })).allowed).toBe(true)
		expect((await limits.consume('signin', { ...attacker, ip: '192.0.2.51' })).allowed).toBe(true)

		await limits.reset('signin', attacker)
		const afterReset = await limits.consume('signin', attacker)
		expect(afterReset).toMatchObject({ allowed: true, remaining: 9 })
	})

	it('uses the figures from the overrides', async () => {
		const defaults = await factory.open()
		const user = { ip: '203.0.113.1', userId: 'figures' }
		const tenAllowed = await consumeTimes(defaults, 10, 'generation', user)
		expect(tenAllowed.every(r => r.allowed && r.limit === 10 && r.windowSeconds === 60)).toBe(true)
		expect((await defaults.consume('generation', user)).allowed).toBe(false)

		const raised = await factory.open(
			{ generation: { points: 12, durationSeconds: 60 } },
			{ keyPrefix: `${factory.prefix}:raised` },
		)
		const twelve = await consumeTimes(raised, 12, 'generation', user)
		expect(twelve.every(r => r.allowed && r.limit === 12)).toBe(true)
		expect((await raised.consume('generation', user)).allowed).toBe(false)
		expect(raised.policies.generation.points).toBe(12)
	})

	it('starts counting again once a short window has passed', async () => {
		const limits = await factory.open({ title: { points: 2, durationSeconds: 1 } })
		const user = { ip: '203.0.113.1', userId: 'patient' }
		await consumeTimes(limits, 2, 'title', user)
		const refused = await limits.consume('title', user)
		expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1, windowSeconds: 1 })
		// The window running out is what is under test, and neither backend takes a clock (Redis expires the key
		// itself), so the one-second window is waited out: by asking until a call is allowed, not by a fixed sleep.
		// A refused call does not lengthen the window, so the first one allowed opens a fresh one.
		const again = await waitFor(
			'the one-second window to pass',
			async () => {
				const result = await limits.consume('title', user)
				return result.allowed && result
			},
			{ timeoutMs: 5_000, intervalMs: 100 },
		)
		expect(again).toMatchObject({ allowed: true, remaining: 1 })
	})

	it('gives points back with reward', async () => {
		const limits = await factory.open({ upload: { points: 2, durationSeconds: 60 } })
		const user = { ip: '203.0.113.1', userId: 'uploader' }
		await consumeTimes(limits, 2, 'upload', user)
		await limits.reward('upload', user)
		expect(await limits.consume('upload', user)).toMatchObject({ allowed: true, remaining: 0 })
		expect((await limits.consume('upload', user)).allowed).toBe(false)
	})
})
