/**
 * Start-up of the built server: every configuration mistake reported in one start before any connection, an
 * unreachable database retried then given up on with a sentence, and a worker process answering its probes.
 */
import { describe, expect, test } from 'vitest'
import { probe, spawnServer, startServer } from '#tests/support/server.ts'

/** A line of a stack trace, as Node prints them. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

describe('start-up checks of the server process', () => {
	test('every configuration mistake is named in one start, before any connection', async () => {
		const { exited, output } = spawnServer(
			{
				NODE_ENV: 'production',
				PORT: 'abc',
				RATE_LIMITS: 'chatt=5/60',
				DATA_DIR: '/sys/generation-studio-data',
				// Would be retried for a minute if start-up got as far as connecting.
				DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
			},
			['--role=cook'],
		)
		expect(await exited).toBe(1)
		const text = output()
		for (const message of [
			'PORT must be a number (got "abc")',
			'--role must be all, web or worker (got "cook")',
			'SESSION_SECRET is required in production',
			'PUBLIC_URL is required in production',
			'RATE_LIMITS names an unknown policy "chatt"',
			'DATA_DIR "/sys/generation-studio-data" (/sys/generation-studio-data) is not writable by this process',
		])
			expect(text).toContain(message)
		expect(text).not.toMatch(STACK_LINE)
		expect(text).not.toContain('database not reachable')
		expect(text).not.toContain('listening')
	})

	test('an unreachable database is tried again, one line per try, then start-up stops with a sentence', async () => {
		const { exited, output } = spawnServer({
			DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
			DATABASE_START_TIMEOUT_SECONDS: '3',
		})
		expect(await exited).toBe(1)
		const text = output()
		const tries = text.split('\n').filter(line => line.includes('database not reachable at 127.0.0.1:1/nothing'))
		expect(tries.length).toBeGreaterThanOrEqual(2)
		expect(tries[0]).toMatch(/try 1: .*ECONNREFUSED.*trying again in \d+\.\d s/)
		expect(text).toContain(
			'Generation Studio cannot start. The database at 127.0.0.1:1/nothing could not be reached in 3 s',
		)
		expect(text).toContain('Check that it is running and that DATABASE_URL is right')
		expect(text).not.toMatch(STACK_LINE)
		expect(text).not.toContain('listening')
	})
})

describe('a worker process', () => {
	test('--role=worker serves /healthz and /readyz on its port, and nothing else', async () => {
		const server = await startServer({}, 60_000, ['--role=worker'])
		try {
			const { health, ready } = await probe(server.url)
			expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) })
			expect(ready.status).toBe(200)
			expect(ready.report).toMatchObject({ status: 'ready', checks: { database: 'ready', jobs: 'ready' } })
			const page = await fetch(`${server.url}/`)
			expect(page.status).toBe(404)
			expect(page.headers.get('content-type')).toMatch(/application\/json/)
		} finally {
			await server.stop()
		}
	}, 90_000)
})
