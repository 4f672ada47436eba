/**
 * Request bodies are capped before they are read, per route kind: forms and JSON at 1 MB, the signed webhook at
 * 1 MB, uploads at their file limit. Past the cap the answer is 413, whether the body declared its length or was
 * sent in chunks; several oversized requests at once leave the server's memory where it was (its peak resident
 * set, read from /proc, barely moves while 4 × 64 MB arrive).
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { MANY_SIGNUPS } from '../auth/helpers.ts'

const MB = 1024 * 1024

/** Peak resident memory of a process so far, in bytes (Linux). */
function peakMemory(pid: number): number {
	const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
	if (!match?.[1]) throw new Error('no VmHWM in /proc status')
	return Number(match[1]) * 1024
}

type Outcome = { status: number; body: string }

/**
 * Posts `bytes` of filler, generated as it is sent (the test holds none of it), with a Content-Length or in
 * chunks. Resolves with the answer as soon as it comes, and stops sending then.
 */
function postLarge(
	base: string,
	path: string,
	options: { bytes: number; chunked: boolean; headers?: Record<string, string> },
): Promise<Outcome> {
	return new Promise((resolve, reject) => {
		const chunk = Buffer.alloc(64 * 1024, 'a')
		const headers: Record<string, string | number> = {
			Origin: base,
			'Content-Type': 'application/x-www-form-urlencoded',
			...options.headers,
		}
		if (!options.chunked) headers['Content-Length'] = options.bytes
		const request = http.request(`${base}${path}`, { method: 'POST', headers })
		let answered = false
		request.on('response', response => {
			answered = true
			const chunks: Buffer[] = []
			response.on('data', (c: Buffer) => chunks.push(c))
			response.on('end', () => {
				resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() })
				request.destroy()
			})
		})
		// Once answered, the server may stop reading: a write error then is expected.
		request.on('error', error => (answered ? undefined : reject(error)))
		let sent = 0
		const write = () => {
			while (!answered && sent < options.bytes) {
				const piece = chunk.subarray(0, Math.min(chunk.length, options.bytes - sent))
				sent += piece.length
				if (!request.write(piece)) return void request.once('drain', write)
			}
			if (!answered) request.end()
		}
		write()
	})
}

describe('request body limits', () => {
	let server: RunningServer
	let user: SignedIn

	beforeAll(async () => {
		server = await startServer({
			...MANY_SIGNUPS,
			// Configured, so the webhook route reads what it is sent instead of answering 503.
			REPLICATE_API_TOKEN: 'r8_test',
			REPLICATE_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
		})
		user = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
	})

	it.each([
		['a form with a Content-Length', '/login', false],
		['a form in chunks', '/login', true],
		['a webhook with a Content-Length', '/api/webhooks/replicate', false],
		['a webhook in chunks', '/api/webhooks/replicate', true],
	])('answers 413 to %s just over 1 MB', async (_what, path, chunked) => {
		const outcome = await postLarge(server.url, path, { bytes: MB + 1024, chunked })
		expect(outcome.status, outcome.body.slice(0, 200)).toBe(413)
		// JSON for the API, the page's error boundary for a page: the same sentence.
		expect(outcome.body).toContain('The request is too large: at most 1 MB can be sent here.')
	})

	it('answers 413 to a body larger than any route accepts, before reading it', async () => {
		// The largest route cap is the transcription upload's (TRANSCRIBE_MAX_MB, at most 200 MB): 1 GB is past any.
		const outcome = await postLarge(server.url, '/chat?index', { bytes: 1024 * MB, chunked: false })
		expect(outcome.status).toBe(413)
	})

	it('still takes an ordinary form, and a signed-in JSON call under the cap', async () => {
		const form = await fetch(`${server.url}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: { Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ email: user.email, password: user.password }),
		})
		expect(form.status).toBe(303)
		const api = await fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ prompt: 'x'.repeat(200_000), model: 'offline:image' }),
		})
		expect(api.status).toBeLessThan(500)
		expect(api.status).not.toBe(413)
	})

	it('answers 413, not 400, to an upload over the file limit', async () => {
		const form = new FormData()
		form.set('question', 'What is this?')
		form.set('file', new Blob([Buffer.alloc(20 * MB + 512 * 1024, 1)], { type: 'image/png' }), 'big.png')
		const response = await fetch(`${server.url}/api/analysis`, {
			method: 'POST',
			headers: as(user, server.url),
			body: form,
		})
		expect(response.status).toBe(413)
		expect(await response.json()).toMatchObject({ error: { message: 'A file can be at most 20 MB.' } })
	})

	it('keeps memory flat under several oversized requests at once', async () => {
		const pid = server.child.pid
		if (!pid) throw new Error('no server pid')
		const before = peakMemory(pid)
		const outcomes = await Promise.all([
			postLarge(server.url, '/login', { bytes: 64 * MB, chunked: false }),
			postLarge(server.url, '/login', { bytes: 64 * MB, chunked: true }),
			postLarge(server.url, '/api/webhooks/replicate', { bytes: 64 * MB, chunked: false }),
			postLarge(server.url, '/api/webhooks/replicate', { bytes: 64 * MB, chunked: true }),
		])
		expect(outcomes.map(o => o.status)).toEqual([413, 413, 413, 413])
		const grown = peakMemory(pid) - before
		// 256 MB were offered; reading even one body whole would raise the peak by more than its 64 MB.
		expect(grown, `peak resident memory grew by ${Math.round(grown / MB)} MB`).toBeLessThan(32 * MB)
		// And the server still answers.
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
	}, 120_000)
})
