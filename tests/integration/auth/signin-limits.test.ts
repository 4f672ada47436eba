/**
 * The sign-in limit through the built server: 10 attempts per address and e-mail in 15 minutes, counted before
 * the password is checked, then a block. A forged X-Forwarded-For changes nothing unless TRUST_PROXY says the
 * proxy is ours; two processes on one Redis share the count; and with Redis gone mid-test, requests are still
 * answered and still limited (the in-memory insurance copy carries the count on).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { subjectKey } from '#server/limits/index.ts'
import { testDrivers } from '#tests/support/database.ts'
import { deleteKeys, sharedRedisUrl, startPrivateRedis, type PrivateRedis } from '#tests/support/redis.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { client, location, MANY_SIGNUPS, serverDatabase, signUp, type ServerDatabase } from './helpers.ts'
import { PASSWORD, uniqueEmail } from '#tests/support/http-auth.ts'

const WRONG = 'definitely not the password'

async function attempt(base: string, email: string, password = WRONG, headers: Record<string, string> = {}) {
	return await client(base).post('/login', { email, password }, headers)
}

describe.each(testDrivers())('the sign-in limit on %s', driver => {
	let database: ServerDatabase
	let server: RunningServer

	beforeAll(async () => {
		database = await serverDatabase(driver)
		server = await startServer({ ...database.env, ...MANY_SIGNUPS })
	})
	afterAll(async () => {
		await server?.stop()
		await database?.dispose()
	})

	it('refuses the eleventh wrong password with 429, Retry-After and the wait in words, even with the right one', async () => {
		const { email } = await signUp(client(server.url))
		for (let i = 1; i <= 10; i++) expect((await attempt(server.url, email)).status, `attempt ${i}`).toBe(400)

		const eleventh = await attempt(server.url, email)
		expect(eleventh.status).toBe(429)
		const retryAfter = Number(eleventh.headers.get('retry-after'))
		expect(retryAfter).toBeGreaterThan(800)
		expect(retryAfter).toBeLessThanOrEqual(900)
		expect(eleventh.headers.get('ratelimit-limit')).toBe('10')
		expect(eleventh.headers.get('ratelimit-remaining')).toBe('0')
		expect(eleventh.headers.get('ratelimit-policy')).toBe('10;w=900')
		expect(eleventh.headers.get('cache-control')).toBe('no-store')
		const page = await eleventh.text()
		expect(page).toContain('Too many sign-in attempts. Please try again in about 15 minutes.')

		// Blocked means blocked: the right password waits too, and no session is made.
		const right = await attempt(server.url, email, PASSWORD)
		expect(right.status).toBe(429)
		expect(right.headers.getSetCookie().some(c => c.startsWith('gs_session='))).toBe(false)
	})

	it('starts the count again after a successful sign-in', async () => {
		const { email } = await signUp(client(server.url))
		for (let i = 0; i < 9; i++) await attempt(server.url, email)
		expect((await attempt(server.url, email, PASSWORD)).status).toBe(303)
		for (let i = 1; i <= 10; i++) expect((await attempt(server.url, email)).status, `attempt ${i}`).toBe(400)
		expect((await attempt(server.url, email)).status).toBe(429)
	})

	it('counts by the socket address when TRUST_PROXY is unset, whatever X-Forwarded-For claims', async () => {
		const email = uniqueEmail('spoofed')
		for (let i = 1; i <= 10; i++) {
			const response = await attempt(server.url, email, WRONG, { 'X-Forwarded-For': `203.0.113.${i}` })
			expect(response.status).toBe(400)
		}
		const next = await attempt(server.url, email, WRONG, { 'X-Forwarded-For': '198.51.100.200' })
		expect(next.status).toBe(429)
	})

	it('answers a signed-in user on /login with a redirect, not a form', async () => {
		const c = client(server.url)
		await signUp(c)
		const response = await c.get('/login?redirectTo=%2Fsettings')
		expect(response.status).toBe(302)
		expect(location(response)).toBe('/settings')
	})
})

describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
	let server: RunningServer

	beforeAll(async () => {
		server = await startServer({ TRUST_PROXY: 'loopback' })
	})
	afterAll(async () => {
		await server?.stop()
	})

	it('counts each forwarded client separately', async () => {
		const email = uniqueEmail('proxied')
		const from = (ip: string) => ({ 'X-Forwarded-For': ip })
		for (let i = 0; i < 10; i++) expect((await attempt(server.url, email, WRONG, from('203.0.113.1'))).status).toBe(400)
		expect((await attempt(server.url, email, WRONG, from('203.0.113.1'))).status).toBe(429)
		expect((await attempt(server.url, email, WRONG, from('203.0.113.2'))).status).toBe(400)
	})
})

type RedisCase = { label: string; url(): string; setup(): Promise<void>; teardown(): Promise<void> }

function redisCases(): RedisCase[] {
	let redis: PrivateRedis | null = null
	const cases: RedisCase[] = [
		{
			label: 'a private redis-server',
			url: () => redis?.url ?? '',
			setup: async () => {
				redis = await startPrivateRedis()
			},
			teardown: async () => {
				await redis?.cleanup()
			},
		},
	]
	const shared = sharedRedisUrl()
	if (shared)
		cases.push({ label: `REDIS_URL`, url: () => shared, setup: async () => undefined, teardown: async () => undefined })
	return cases
}

describe.each(redisCases())('two processes on $label', redisCase => {
	let database: ServerDatabase
	let first: RunningServer
	let second: RunningServer
	const emails: string[] = []

	beforeAll(async () => {
		await redisCase.setup()
		// One database for both when DATABASE_URL is set; otherwise each has its own embedded one (the limit is
		// counted before any account is looked up, so it does not matter here).
		database = await serverDatabase(process.env.DATABASE_URL ? 'postgres' : 'pglite')
		const env = { ...database.env, REDIS_URL: redisCase.url() }
		// One after the other: the first migrates the database, the second finds it migrated.
		first = await startServer(env)
		second = await startServer(env)
	})
	afterEach(async () => {
		// On a shared Redis, remove exactly the buckets this suite made.
		for (const email of emails.splice(0)) {
			await deleteKeys(redisCase.url(), `gs:rl:signin:${subjectKey('ip+email', { ip: '127.0.0.1', email })}`)
		}
	})
	afterAll(async () => {
		await Promise.all([first?.stop(), second?.stop()])
		await database?.dispose()
		await redisCase.teardown()
	})

	it('shares one count: five attempts on each, then both refuse', async () => {
		const email = uniqueEmail('shared')
		emails.push(email)
		for (let i = 0; i < 5; i++) {
			expect((await attempt(first.url, email)).status).toBe(400)
			expect((await attempt(second.url, email)).status).toBe(400)
		}
		expect((await attempt(first.url, email)).status).toBe(429)
		expect((await attempt(second.url, email)).status).toBe(429)
	})
})

describe('with Redis stopped in the middle', () => {
	let redis: PrivateRedis
	let server: RunningServer

	beforeAll(async () => {
		redis = await startPrivateRedis()
		server = await startServer({ REDIS_URL: redis.url, ...MANY_SIGNUPS })
	})
	afterAll(async () => {
		await server?.stop()
		await redis?.cleanup()
	})

	it('still answers every request and still refuses the eleventh attempt', async () => {
		const email = uniqueEmail('outage')
		const other = await signUp(client(server.url))
		for (let i = 0; i < 5; i++) expect((await attempt(server.url, email)).status).toBe(400)

		await redis.stop({ hard: true })
		for (let i = 0; i < 5; i++) expect((await attempt(server.url, email)).status, `attempt ${6 + i}`).toBe(400)
		expect((await attempt(server.url, email)).status).toBe(429)

		// Everything else keeps working: a good sign-in, a protected page.
		const c = client(server.url)
		expect((await c.post('/login', { email: other.email, password: PASSWORD })).status).toBe(303)
		expect((await c.get('/settings')).status).toBe(200)
		const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string }
		expect(ready.status).toBe('degraded')
	})
})
