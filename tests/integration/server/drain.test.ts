/**
 * SIGTERM under keep-alive load from a second process: the listener closes, requests in flight are answered
 * (with `Connection: close`), idle keep-alive connections are closed without dropping a request, an open event
 * stream ends with a retry hint, and the process exits 0 as soon as that work is done — no connection reset.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { as, signUp } from '#tests/support/http-auth.ts'
import { startServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

const loadScript = fileURLToPath(new URL('./keepalive-load.ts', import.meta.url))

type LoadSummary = {
	answered: number
	byStatus: Record<string, number>
	connectionClose: number
	resets: number
	refused: number
	other: string[]
}

test('SIGTERM under keep-alive load: no resets, event streams end with a retry hint, exit 0', async () => {
	const timeoutMs = 20_000
	const server = await startServer({
		// The load is one address hammering pages: the global per-address limit would answer 429 instead.
		RATE_LIMITS: 'global=1000000/60,signup=1000/3600,generation=1000/60',
		// No worker: the generation stays queued, so its event stream is still open at SIGTERM.
		EMBEDDED_WORKER: 'false',
		SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
	})
	const load = spawn(process.execPath, ['--import', 'tsx', loadScript, server.url, '16', '/login'], {
		stdio: ['pipe', 'pipe', 'pipe'],
	})
	try {
		const user = await signUp(server.url)
		const created = await fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ prompt: 'a queue that never moves' }),
		})
		expect(created.status).toBe(202)
		const { generation } = (await created.json()) as { generation: { id: string } }
		const events = await fetch(`${server.url}/api/generations/${generation.id}/events`, {
			headers: as(user, server.url),
		})
		expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/)
		const streamText = events.text()

		let output = ''
		load.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
		load.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
		const answeredSoFar = () => Math.max(0, ...[...output.matchAll(/"progress":(\d+)/g)].map(m => Number(m[1])))
		await waitFor('the load to get going (200 answers)', () => answeredSoFar() >= 200, {
			timeoutMs: 20_000,
			detail: () => `\n${output}\n${server.output()}`,
		})

		const signalled = Date.now()
		server.child.kill('SIGTERM')
		expect(await server.exited).toBe(0)
		const shutdownMs = Date.now() - signalled

		// The stream was ended by the shutdown, cleanly, with a hint to come back soon.
		const text = await streamText
		expect(text).toMatch(/event: status\ndata: queued/)
		expect(text.endsWith('retry: 1000\n\n')).toBe(true)

		const finished = new Promise<string>(resolve => load.on('exit', () => resolve(output)))
		load.stdin.end()
		const line = (await finished).split('\n').find(l => l.startsWith('{"summary"'))
		expect(line, output).toBeDefined()
		const { summary } = JSON.parse(line ?? '{}') as { summary: LoadSummary }

		expect(summary.resets, JSON.stringify(summary)).toBe(0)
		const seen = JSON.stringify(summary)
		expect(summary.other, seen).toEqual([])
		expect(Object.keys(summary.byStatus), seen).toEqual(['200'])
		expect(summary.answered, seen).toBeGreaterThan(200)
		// Requests caught in flight were told the connection ends with their answer.
		expect(summary.connectionClose, seen).toBeGreaterThan(0)
		// Nothing was cut at the deadline: the drain ended when the work did.
		expect(shutdownMs).toBeLessThan(timeoutMs)
		expect(server.output()).toContain('shutdown: in-flight requests finished')
		expect(server.output()).not.toContain('were cut')
	} finally {
		if (load.exitCode === null) load.kill('SIGKILL')
		await server.stop('SIGKILL')
	}
}, 90_000)
