/**
 * Fault drills against the built server on the machine's Postgres: its backends terminated under signed-in load
 * (the process lives, answers 503, recovers, and jobs cut off complete once), and a database that stops answering
 * without closing the connection (readiness says so within its time limit).
 */
import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createScratchPostgresDatabase } from '#tests/support/database.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

const LIMITS = 'global=1000000/60,signup=1000/3600,generation=1000/60,write=1000/60'

/** Waits for `fn`, counting a throw (the server restarting, the database away) as not yet. */
function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000) {
	return waitFor(what, () => fn().catch(() => null), { timeoutMs })
}

type Seen = { path: string; status: number; contentType: string; body: string; retryAfter: string | null }

describe.each(process.env.DATABASE_URL ? ['postgres'] : [])('database faults on %s', () => {
	let scratch: { url: string; drop(): Promise<void> }
	let admin: pg.Client
	let database: string

	beforeAll(async () => {
		scratch = await createScratchPostgresDatabase()
		database = new URL(scratch.url).pathname.slice(1)
		admin = new pg.Client({ connectionString: scratch.url })
		await admin.connect()
	})
	afterAll(async () => {
		await admin?.end()
		await scratch?.drop()
	})

	/** The app's connections to its database (not ours, the admin's). */
	async function appBackends(): Promise<number> {
		const { rows } = await admin.query<{ n: number }>(
			'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
			[database],
		)
		return rows[0]?.n ?? 0
	}

	test('backends terminated under load: the process lives, answers 503, then recovers; interrupted jobs complete once', async () => {
		const server = await startServer({ DATABASE_URL: scratch.url, RATE_LIMITS: LIMITS })
		try {
			const user = await signUp(server.url)
			const generate = async (i: number) => {
				const response = await fetch(`${server.url}/api/generate/image`, {
					method: 'POST',
					headers: as(user, server.url, { 'Content-Type': 'application/json' }),
					body: JSON.stringify({ prompt: `a lighthouse, take ${i}` }),
				})
				expect(response.status).toBe(202)
				return ((await response.json()) as { generation: { id: string } }).generation.id
			}
			const ids: string[] = []
			for (let i = 0; i < 12; i++) ids.push(await generate(i))

			// Signed-in load on a page and on an API route, until the drill is over.
			const seen: Seen[] = []
			let stop = false
			const loop = async (path: string) => {
				while (!stop) {
					const response = await fetch(`${server.url}${path}`, { headers: as(user, server.url) })
					seen.push({
						path,
						status: response.status,
						contentType: response.headers.get('content-type') ?? '',
						body: await response.text(),
						retryAfter: response.headers.get('retry-after'),
					})
				}
			}
			const loops = [
				...Array.from({ length: 4 }, () => loop('/chat')),
				...Array.from({ length: 4 }, () => loop(`/api/generations/${ids[0]}`)),
			]

			// The load is being served before the drill starts (on a busy machine the first answers can take a while).
			await until('a page served under load', async () => seen.some(s => s.status === 200))

			// Cut every connection of the app, eight times, each time once it has connected again.
			let terminated = 0
			for (let round = 0; round < 8; round++) {
				await until('the app to reconnect', async () => (await appBackends()) > 0)
				const { rows } = await admin.query<{ n: number }>(
					`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
						 where datname = $1 and pid <> pg_backend_pid()) t`,
					[database],
				)
				terminated += rows[0]?.n ?? 0
			}
			await until('a 503 during the drill', async () => seen.some(s => s.status === 503), 10_000)
			stop = true
			await Promise.all(loops)

			expect(terminated).toBeGreaterThanOrEqual(8)
			expect(server.child.exitCode).toBeNull()
			expect(server.output()).not.toContain("Unhandled 'error' event")
			// Every answer was either served or a clean 503: JSON error shape on the API, the error page on pages.
			expect(new Set(seen.map(s => s.status))).toEqual(new Set([200, 503]))
			for (const s of seen.filter(x => x.status === 503)) {
				expect({ path: s.path, retryAfter: s.retryAfter }).toEqual({ path: s.path, retryAfter: '5' })
				if (s.path.startsWith('/api/')) {
					expect(s.contentType).toMatch(/application\/json/)
					expect(JSON.parse(s.body)).toMatchObject({ error: { code: 'unavailable', requestId: expect.any(String) } })
				} else {
					expect(s.contentType).toMatch(/text\/html/)
					expect(s.body).toContain('data-error-status="503"')
					expect(s.body).toContain('The database is not answering right now')
				}
			}

			// Recovered: ready, pages served, and every job done exactly once.
			await until('readiness', async () => (await fetch(`${server.url}/readyz`)).status === 200)
			expect((await fetch(`${server.url}/chat`, { headers: as(user, server.url) })).status).toBe(200)
			const statuses = await until(
				'every generation to finish',
				async () => {
					const { rows } = await admin.query<{ status: string }>(
						'select status from generations where id = any($1::uuid[])',
						[ids],
					)
					return rows.every(r => r.status === 'succeeded' || r.status === 'failed') ? rows : null
				},
				90_000,
			)
			expect(statuses.map(s => s.status)).toEqual(ids.map(() => 'succeeded'))
			const { rows: usage } = await admin.query<{ generation_id: string; n: number }>(
				'select generation_id, count(*)::int as n from api_usage where generation_id = any($1::uuid[]) group by 1',
				[ids],
			)
			expect(usage).toHaveLength(ids.length)
			expect(usage.every(u => u.n === 1)).toBe(true)
			expect(await generate(99)).toMatch(/^[0-9a-f-]{36}$/)
		} finally {
			await server.stop()
		}
	}, 180_000)

	describe('a database that stops answering without closing the connection', () => {
		const READINESS_TOKEN = 'readiness-token-for-the-frozen-link-test-0123456789'
		let server: RunningServer
		let user: SignedIn
		let proxy: net.Server
		let frozen = false
		const held = new Set<net.Socket>()

		beforeAll(async () => {
			// A TCP proxy to Postgres that can hold every packet, as a dead link or a stuck failover would.
			const target = new URL(scratch.url)
			proxy = net.createServer(client => {
				const upstream = net.connect(Number(target.port || 5432), target.hostname)
				for (const socket of [client, upstream]) {
					held.add(socket)
					socket.on('error', () => undefined)
					socket.on('close', () => held.delete(socket))
					if (frozen) socket.pause()
				}
				client.pipe(upstream)
				upstream.pipe(client)
			})
			await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
			const port = (proxy.address() as net.AddressInfo).port
			const url = new URL(scratch.url)
			url.host = `127.0.0.1:${port}`
			server = await startServer({ DATABASE_URL: url.toString(), RATE_LIMITS: LIMITS, READINESS_TOKEN })
			user = await signUp(server.url)
		}, 120_000)
		afterAll(async () => {
			frozen = false
			for (const socket of held) socket.resume()
			await server?.stop()
			for (const socket of held) socket.destroy()
			await new Promise<void>(resolve => proxy.close(() => resolve()))
		})

		test('/readyz answers 503 within its check time limit, and recovers when packets flow again', async () => {
			expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
			frozen = true
			for (const socket of held) socket.pause()
			const started = performance.now()
			// The readiness token is shown each check's detail (this database's first account, the admin, is another test's).
			const response = await fetch(`${server.url}/readyz`, { headers: { Authorization: `Bearer ${READINESS_TOKEN}` } })
			const elapsed = performance.now() - started
			expect(response.status).toBe(503)
			const report = (await response.json()) as { checks: Record<string, { ok: boolean; detail?: string }> }
			expect(report.checks.database).toMatchObject({ ok: false, detail: expect.stringMatching(/timed out/) })
			expect(report.checks.storage?.ok).toBe(true)
			expect(elapsed).toBeLessThan(5_000)

			frozen = false
			for (const socket of held) socket.resume()
			await until('readiness', async () => (await fetch(`${server.url}/readyz`)).status === 200)
			expect((await fetch(`${server.url}/chat`, { headers: as(user, server.url) })).status).toBe(200)
			expect(server.child.exitCode).toBeNull()
		})
	})
})
