/**
 * Redis going away must neither fail requests nor lift the limits: calls keep answering fast from the memory
 * insurance limiter, which carries on from the last counts Redis gave, and health() says what is happening.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLimits, type Limits, type Subject } from '#server/limits/index.ts'
import { startPrivateRedis, uniqueKeyPrefix, type PrivateRedis } from '#tests/support/redis.ts'

let server: PrivateRedis | null = null
let limits: Limits | null = null

afterEach(async () => {
	server?.resume()
	await limits?.close()
	await server?.cleanup()
	limits = null
	server = null
})

/** Consumes and measures how long the answer took. */
async function timedConsume(l: Limits, ...args: [Parameters<Limits['consume']>[0], Subject]) {
	const started = performance.now()
	const result = await l.consume(...args)
	return { ...result, ms: performance.now() - started }
}

async function waitForHealthy(l: Limits, timeoutMs = 15_000) {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const health = await l.health()
		if (health.ok) return health
		if (Date.now() > deadline) throw new Error(`limits did not recover: ${health.detail ?? ''}`)
		await new Promise(resolve => setTimeout(resolve, 100))
	}
}

describe('a Redis outage', () => {
	it('pulling the plug: answers stay fast, never throw, stay limited, and health recovers with Redis', async () => {
		server = await startPrivateRedis()
		limits = await createLimits({
			redisUrl: server.url,
			overrides: { chat: { points: 5, durationSeconds: 60 } },
			keyPrefix: uniqueKeyPrefix('outage'),
		})
		expect(await limits.health()).toEqual({ ok: true, backend: 'redis' })
		const user = { ip: '203.0.113.1', userId: 'during-outage' }
		const before = [
			await limits.consume('chat', user),
			await limits.consume('chat', user),
			await limits.consume('chat', user),
		]
		expect(before.map(r => [r.remaining, r.backend])).toEqual([
			[4, 'redis'],
			[3, 'redis'],
			[2, 'redis'],
		])

		await server.stop({ hard: true })

		const during = []
		for (let i = 0; i < 4; i++) during.push(await timedConsume(limits, 'chat', user))
		for (const r of during) {
			expect(r.ms).toBeLessThan(600)
			expect(r.backend).toBe('memory')
		}
		// Carries on from Redis's last count (3 used): two more, then refused. The outage lifted nothing.
		expect(during.map(r => [r.allowed, r.remaining])).toEqual([
			[true, 1],
			[true, 0],
			[false, 0],
			[false, 0],
		])
		expect(during[2]?.retryAfterSeconds).toBeGreaterThan(0)
		expect(during[2]?.retryAfterSeconds).toBeLessThanOrEqual(60)
		// Another user still gets their own full allowance.
		expect(await limits.consume('chat', { ...user, userId: 'someone-else' })).toMatchObject({
			allowed: true,
			remaining: 4,
			backend: 'memory',
		})
		// reward and reset do not throw either.
		await limits.reward('chat', user)
		await limits.reset('write', user)

		const health = await limits.health()
		expect(health.ok).toBe(false)
		expect(health.backend).toBe('redis')
		expect(health.detail).toMatch(/counted in memory/)

		await server.start()
		expect(await waitForHealthy(limits)).toEqual({ ok: true, backend: 'redis' })
		// Redis answers again (it restarted empty: it kept nothing on disk).
		expect(await limits.consume('chat', user)).toMatchObject({ allowed: true, remaining: 4, backend: 'redis' })
	})

	it('keeps a sign-in block through the outage', async () => {
		server = await startPrivateRedis()
		limits = await createLimits({ redisUrl: server.url, overrides: {}, keyPrefix: uniqueKeyPrefix('outage') })
		const attacker = { ip: '192.0.2.9', email: 'victim@example.com' }
		for (let i = 0; i < 10; i++) expect((await limits.consume('signin', attacker)).allowed).toBe(true)
		expect(await limits.consume('signin', attacker)).toMatchObject({ allowed: false, backend: 'redis' })

		await server.stop({ hard: true })
		const during = await timedConsume(limits, 'signin', attacker)
		expect(during).toMatchObject({ allowed: false, backend: 'memory' })
		expect(during.retryAfterSeconds).toBeGreaterThan(800)
		expect(during.ms).toBeLessThan(600)
	})

	it('a hung Redis (connection open, no answers) costs each call no more than the command deadline', async () => {
		server = await startPrivateRedis()
		limits = await createLimits({
			redisUrl: server.url,
			overrides: { analysis: { points: 3, durationSeconds: 60 } },
			keyPrefix: uniqueKeyPrefix('outage'),
			commandTimeoutMs: 200,
		})
		const user = { ip: '203.0.113.1', userId: 'hung' }
		expect(await limits.consume('analysis', user)).toMatchObject({ remaining: 2, backend: 'redis' })

		server.pause()
		const during = []
		for (let i = 0; i < 3; i++) during.push(await timedConsume(limits, 'analysis', user))
		expect(during.map(r => [r.allowed, r.remaining, r.backend])).toEqual([
			[true, 1, 'memory'],
			[true, 0, 'memory'],
			[false, 0, 'memory'],
		])
		for (const r of during) expect(r.ms).toBeLessThan(600)
		const health = await limits.health()
		expect(health).toMatchObject({ ok: false, backend: 'redis' })
		expect(health.detail).toMatch(/did not answer/)

		server.resume()
		expect(await waitForHealthy(limits)).toEqual({ ok: true, backend: 'redis' })
	})

	it('starting while Redis is down serves from memory, then switches to Redis when it appears', async () => {
		server = await startPrivateRedis({ start: false })
		const started = performance.now()
		limits = await createLimits({
			redisUrl: server.url,
			overrides: { upload: { points: 2, durationSeconds: 60 } },
			keyPrefix: uniqueKeyPrefix('outage'),
		})
		expect(performance.now() - started).toBeLessThan(3_000)
		expect(limits.backend).toBe('redis')
		const health = await limits.health()
		expect(health.ok).toBe(false)
		expect(health.detail).toMatch(/counted in memory/)

		const user = { ip: '203.0.113.1', userId: 'early' }
		const results = [await timedConsume(limits, 'upload', user), await timedConsume(limits, 'upload', user)]
		results.push(await timedConsume(limits, 'upload', user))
		expect(results.map(r => [r.allowed, r.backend])).toEqual([
			[true, 'memory'],
			[true, 'memory'],
			[false, 'memory'],
		])
		for (const r of results) expect(r.ms).toBeLessThan(600)

		await server.start()
		expect(await waitForHealthy(limits)).toEqual({ ok: true, backend: 'redis' })
		expect(await limits.consume('upload', user)).toMatchObject({ allowed: true, remaining: 1, backend: 'redis' })
	})
})
