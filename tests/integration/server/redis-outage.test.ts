/**
 * Fault drills on the running server with a Redis of its own: a frozen Redis (SIGSTOP) costs requests no more
 * than a few milliseconds and /readyz says degraded; Redis killed and restarted empty during a brute-force
 * block does not lift the block.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startPrivateRedis, type PrivateRedis } from '#tests/support/redis.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

type Readiness = { status: string; checks: Record<string, { ok: boolean; detail?: string }> }

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b)
	return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** The detailed report, as an operator's probe with the readiness token sees it. */
const READINESS_TOKEN = 'redis-drill-readiness-token'

async function readiness(server: RunningServer): Promise<Readiness> {
	const response = await fetch(`${server.url}/readyz`, { headers: { Authorization: `Bearer ${READINESS_TOKEN}` } })
	return (await response.json()) as Readiness
}

async function waitForReady(server: RunningServer) {
	return await waitFor('the server to be ready', async () => {
		const report = await readiness(server)
		return report.status === 'ready' ? report : null
	})
}

describe('the server with a Redis that fails', () => {
	let redis: PrivateRedis
	let server: RunningServer

	beforeAll(async () => {
		redis = await startPrivateRedis()
		server = await startServer({ REDIS_URL: redis.url, READINESS_TOKEN })
		await waitForReady(server)
	})
	afterAll(async () => {
		redis?.resume()
		await server?.stop()
		await redis?.cleanup()
	})

	test('frozen (SIGSTOP): the median request slows by less than 50 ms and /readyz says degraded', async () => {
		const timings = async () => {
			const ms: number[] = []
			for (let i = 0; i < 25; i++) {
				const started = performance.now()
				const response = await fetch(`${server.url}/login`)
				await response.text()
				expect(response.status).toBe(200)
				ms.push(performance.now() - started)
			}
			return ms
		}
		const healthy = await timings()
		redis.pause()
		try {
			const frozen = await timings()
			expect(median(frozen) - median(healthy)).toBeLessThan(50)
			const report = await readiness(server)
			expect(report.status).toBe('degraded')
			expect(report.checks.rateLimits?.ok).toBe(false)
			expect(report.checks.rateLimits?.detail).toMatch(/did not answer/)
		} finally {
			redis.resume()
		}
		await waitForReady(server)
	})

	test('killed and restarted empty during a brute-force block: the block holds', async () => {
		const attempt = () =>
			fetch(`${server.url}/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
				body: new URLSearchParams({ email: 'victim@example.test', password: 'a wrong guess' }),
			})
		for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(400)
		expect((await attempt()).status).toBe(429)

		await redis.stop({ hard: true })
		await redis.start()
		await waitForReady(server)

		const after = await attempt()
		expect(after.status).toBe(429)
		expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(800)
	})
})
