/**
 * What the server tells people who did not sign in, and what it keeps: /readyz names each dependency and its
 * state, with details (paths, backends, latency) only for an administrator or a monitor with the configured
 * token; every answer carries a Permissions-Policy; and without SESSION_SECRET the secret that signs cookies
 * and media links is random, made once and kept in DATA_DIR (sessions survive a restart), never a fixed one.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'

const TOKEN = 'readiness-token-for-the-monitor-0123456789'

describe('readiness and headers', () => {
	let server: RunningServer
	let admin: SignedIn
	let user: SignedIn

	beforeAll(async () => {
		server = await startServer({ READINESS_TOKEN: TOKEN, RATE_LIMITS: 'signup=1000/3600' })
		admin = await signUp(server.url)
		user = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
	})

	it('tells anyone each dependency by name and state, and nothing else', async () => {
		const response = await fetch(`${server.url}/readyz`)
		expect(response.status).toBe(200)
		const text = await response.text()
		expect(JSON.parse(text)).toEqual({
			status: 'ready',
			checks: { database: 'ready', jobs: 'ready', rateLimits: 'ready', storage: 'ready' },
		})
		expect(text).not.toMatch(/\/tmp|gs-test-|latency|detail|pglite/i)
		// A signed-in user who is not an administrator, and a wrong token, get the same.
		const asUser = await fetch(`${server.url}/readyz`, { headers: as(user, server.url) })
		expect(await asUser.json()).not.toHaveProperty('checks.database.detail')
		const wrong = await fetch(`${server.url}/readyz`, { headers: { Authorization: 'Bearer not-the-token' } })
		expect(await wrong.json()).not.toHaveProperty('checks.database.detail')
	})

	it('gives the details to an administrator and to the configured token', async () => {
		for (const headers of [as(admin, server.url), { Authorization: `Bearer ${TOKEN}` }]) {
			const report = (await (await fetch(`${server.url}/readyz`, { headers })).json()) as {
				checks: Record<string, { ok: boolean; detail?: string; latencyMs?: number }>
			}
			expect(report.checks.database?.ok).toBe(true)
			expect(report.checks.storage?.detail).toBeTruthy()
			expect(typeof report.checks.database?.latencyMs).toBe('number')
		}
	})

	it('sends a Permissions-Policy that turns off what no page uses', async () => {
		for (const address of ['/', '/login', '/readyz', '/favicon.svg']) {
			const policy = (await fetch(`${server.url}${address}`)).headers.get('permissions-policy') ?? ''
			expect(policy, address).toContain('camera=()')
			expect(policy, address).toContain('microphone=()')
			expect(policy, address).toContain('geolocation=()')
		}
	})
})

describe('development without SESSION_SECRET', () => {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'gs-secret-'))
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

	it(
		'makes a random secret on the first start, keeps it in DATA_DIR, and signs with it after a restart',
		{ timeout: 180_000 },
		async () => {
			const env = { NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'info' }
			const first = await startServer(env)
			let signedIn: SignedIn
			try {
				signedIn = await signUp(first.url)
			} finally {
				await first.stop()
			}
			const file = path.join(dataDir, 'session-secret')
			const secret = readFileSync(file, 'utf8').trim()
			expect(secret).toMatch(/^[0-9a-f]{64}$/)
			expect(statSync(file).mode & 0o777).toBe(0o600)
			expect(first.output()).toContain('made a random one and kept it in DATA_DIR')

			const second = await startServer(env)
			try {
				const settings = await fetch(`${second.url}/settings`, {
					headers: as(signedIn, second.url),
					redirect: 'manual',
				})
				expect(settings.status).toBe(200)
				expect(readFileSync(file, 'utf8').trim()).toBe(secret)
				expect(second.output()).not.toContain('made a random one')
			} finally {
				await second.stop()
			}
		},
	)
})
