/**
 * Every way to start provider work counts against the one `generation` policy: once `POST /api/generate` is
 * refused, a retry on the page or over the API is refused too (it used to count as a plain write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'

type GenerationJson = { id: string; status: string }

describe('the generation limit covers retries', () => {
	let server: RunningServer
	let user: SignedIn

	beforeAll(async () => {
		server = await startServer({ RATE_LIMITS: 'signup=1000/3600,generation=3/60,write=1000/60' })
		user = await signUp(server.url)
	})
	afterAll(async () => {
		await server?.stop()
	})

	function generate() {
		return fetch(`${server.url}/api/generate/image`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ prompt: 'a lighthouse', model: 'offline:image' }),
		})
	}

	it('refuses a retry, on the API and on the page, once generations are refused', async () => {
		const first = (await (await generate()).json()) as { generation: GenerationJson }
		// Canceled (or finished: a retry of either is allowed), so the retry below is refused only by the limit.
		await fetch(`${server.url}/api/generations/${first.generation.id}`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ intent: 'cancel' }),
		})
		expect((await generate()).status).toBe(202)
		expect((await generate()).status).toBe(202)
		const refused = await generate()
		expect(refused.status).toBe(429)
		expect(refused.headers.get('retry-after')).toBeTruthy()

		const api = await fetch(`${server.url}/api/generations/${first.generation.id}`, {
			method: 'POST',
			headers: as(user, server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ intent: 'retry' }),
		})
		expect(api.status).toBe(429)
		expect(await api.json()).toMatchObject({
			error: { message: expect.stringContaining('Too many generations started') },
		})

		const page = await fetch(`${server.url}/generations/${first.generation.id}`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams({ intent: 'retry' }),
		})
		expect(page.status).toBe(429)
		expect(page.headers.get('retry-after')).toBeTruthy()
	})
})
