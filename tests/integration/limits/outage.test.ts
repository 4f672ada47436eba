/**
 * Redis going away must neither fail requests nor lift the limits: calls keep answering fast from the memory
 * insurance limiter, which carries on from the last counts Redis gave, and health() says what is happening.
 * When Redis comes back (empty, after a restart), what memory counted meanwhile keeps the stricter verdict until
 * its window or block ends, and is written back so other processes see it. A frozen Redis opens a circuit
 * breaker: requests stop paying a command deadline each.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLimits, type Limits, type Subject } from '#server/limits/index.ts'
import { startPrivateRedis, uniqueKeyPrefix, type PrivateRedis } from '#tests/support/redis.ts'
import { waitFor } from '#tests/support/wait.ts'

let server: PrivateRedis | null = null
let limits: Limits | null = null
let other: Limits | null = null

afterEach(async () => {
	server?.resume()
	await limits?.close()
	await other?.close()
	await server?.cleanup()
	limits = null
	other = null
	server = null
})

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b)
	return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Consumes and measures how long the answer took. */
async function timedConsume(l: Limits, ...args: [Parameters<Limits['consume']>[0], Subject]) {
	const started = performance.now()
	const result = await l.consume(...args)
	return { ...result, ms: performance.now() - started }
}

async function waitForHealthy(l: Limits) {
	return await waitFor('the limits to count in Redis again', async () => {
		const health = await l.health()
		return health.ok ? health : null
	})
}

/** Redis started again, and the limits counting in it once more. */
async function restartRedis(redis: PrivateRedis, l: Limits) {
	await redis.start()
	expect(await waitForHealthy(l)).toEqual({ ok: true, backend: 'redis' })
}

/**
 * After Redis came back empty: the attacker is still blocked for the rest of the block, by these limits and by
 * another process's, which never saw the block (it was written back).
 */
async function expectStillBlocked(redis: PrivateRedis, l: Limits, keyPrefix: string, attacker: Subject) {
	const after = await l.consume('signin', attacker)
	expect(after).toMatchObject({ allowed: false, backend: 'redis' })
	expect(after.retryAfterSeconds).toBeGreaterThan(800)
	other = await createLimits({ redisUrl: redis.url, overrides: {}, keyPrefix })
	expect(await other.consume('signin', attacker)).toMatchObject({ allowed: false, backend: 'redis' })
}

describe('a Redis outage', () => {
	it('pulling the plug: answers stay fast, never throw, stay limited, and health recovers with Redis', async () => {
		server = await startPrivateRedis()
		const keyPrefix = uniqueKeyPrefix('outage')
		limits = await createLimits({
			redisUrl: server.url,
			overrides: { chat: { points: 5, durationSeconds: 60 } },
			keyPrefix,
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

		await restartRedis(server, limits)
		// Redis answers again, but restarted empty (it kept nothing on disk): the outage's count still stands...
		expect(await limits.consume('chat', user)).toMatchObject({ allowed: false, backend: 'redis' })
		// ...for another process too, since it was written back; the other user carries on from their outage count.
		other = await createLimits({
			redisUrl: server.url,
			overrides: { chat: { points: 5, durationSeconds: 60 } },
			keyPrefix,
		})
		expect(await other.consume('chat', user)).toMatchObject({ allowed: false, backend: 'redis' })
		const someoneElse = { ...user, userId: 'someone-else' }
		expect(await limits.consume('chat', someoneElse)).toMatchObject({ allowed: true, remaining: 3, backend: 'redis' })
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

		await restartRedis(server, limits)
		// The user spent the window in memory: still refused. Someone new is counted by Redis.
		expect(await limits.consume('upload', user)).toMatchObject({ allowed: false, backend: 'redis' })
		const someoneNew = { ...user, userId: 'new' }
		expect(await limits.consume('upload', someoneNew)).toMatchObject({ allowed: true, remaining: 1, backend: 'redis' })
	})

	it('a brute-force block made before the outage holds when Redis restarts empty', async () => {
		server = await startPrivateRedis()
		const keyPrefix = uniqueKeyPrefix('outage')
		limits = await createLimits({ redisUrl: server.url, overrides: {}, keyPrefix })
		const attacker = { ip: '192.0.2.9', email: 'victim@example.com' }
		for (let i = 0; i < 10; i++) expect((await limits.consume('signin', attacker)).allowed).toBe(true)
		expect(await limits.consume('signin', attacker)).toMatchObject({ allowed: false, backend: 'redis' })

		// The attacker waits while Redis restarts and comes back with nothing.
		await server.stop({ hard: true })
		await restartRedis(server, limits)

		// Written back: a process that never saw the block refuses too.
		await expectStillBlocked(server, limits, keyPrefix, attacker)
		// Nobody else is caught by it.
		expect(await limits.consume('signin', { ...attacker, email: 'someone@example.com' })).toMatchObject({
			allowed: true,
			remaining: 9,
		})
	})

	it('a brute-force block made while Redis is down holds when Redis comes back empty', async () => {
		server = await startPrivateRedis()
		const keyPrefix = uniqueKeyPrefix('outage')
		limits = await createLimits({ redisUrl: server.url, overrides: {}, keyPrefix })
		const attacker = { ip: '192.0.2.10', email: 'victim@example.com' }
		expect(await limits.consume('signin', attacker)).toMatchObject({ allowed: true, backend: 'redis' })

		await server.stop({ hard: true })
		for (let i = 0; i < 9; i++) expect(await limits.consume('signin', attacker)).toMatchObject({ allowed: true })
		expect(await limits.consume('signin', attacker)).toMatchObject({ allowed: false, backend: 'memory' })

		await restartRedis(server, limits)
		await expectStillBlocked(server, limits, keyPrefix, attacker)
	})

	it('a frozen Redis (SIGSTOP) adds less than 50 ms at the median, and health says so at once', async () => {
		server = await startPrivateRedis()
		// The product's own defaults: command deadline, breaker and probe.
		limits = await createLimits({ redisUrl: server.url, overrides: {}, keyPrefix: uniqueKeyPrefix('outage') })
		const timings = async (label: string) => {
			const ms: number[] = []
			for (let i = 0; i < 40; i++)
				ms.push((await timedConsume(limits as Limits, 'write', { ip: '203.0.113.5', userId: label })).ms)
			return ms
		}
		const healthy = await timings('before')

		server.pause()
		const frozen = await timings('during')
		expect(median(frozen) - median(healthy)).toBeLessThan(50)
		const started = performance.now()
		const health = await limits.health()
		expect(performance.now() - started).toBeLessThan(50)
		expect(health).toMatchObject({ ok: false, backend: 'redis' })
		expect(health.detail).toMatch(/did not answer/)

		server.resume()
		expect(await waitForHealthy(limits)).toEqual({ ok: true, backend: 'redis' })
		expect(await limits.consume('write', { ip: '203.0.113.5', userId: 'after' })).toMatchObject({ backend: 'redis' })
	})
})
