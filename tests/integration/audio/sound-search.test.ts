/**
 * Sound search through the built server: signed-in only, rate limited per account, the user's own audio found by
 * Postgres full-text search (never another user's), Freesound through its HTTP API (faked by a stub) with licence
 * and attribution, and a Freesound that fails or is too slow leaving the library results with a message.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startFreesoundStub, type FreesoundStub } from '#tests/fixtures/freesound-stub.ts'
import { as, signUp, type SignedIn } from '#tests/support/http-auth.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

type SearchJson = {
	library: Array<{ id: string; prompt: string }>
	freesound: {
		results: Array<{ name: string; licenceName: string; author: string; attribution: string }>
		error: string | null
	} | null
}

describe('sound search over HTTP', () => {
	let server: RunningServer
	let freesound: FreesoundStub

	beforeAll(async () => {
		freesound = await startFreesoundStub('fs-test-key')
		server = await startServer(
			{
				RATE_LIMITS: 'signup=1000/3600,generation=1000/60,write=1000/60,sound_search=6/60',
				FREESOUND_API_KEY: 'fs-test-key',
				FREESOUND_BASE_URL: freesound.url,
			},
			180_000,
		)
	}, 200_000)
	afterAll(async () => {
		await server?.stop()
		await freesound?.close()
	})

	const search = (user: SignedIn | null, q: string) =>
		fetch(`${server.url}/api/sounds/search?q=${encodeURIComponent(q)}`, {
			headers: user ? as(user, server.url) : {},
		})

	async function speak(user: SignedIn, text: string): Promise<string> {
		const response = await fetch(`${server.url}/audio`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' }),
			body: new URLSearchParams({ prompt: text, mode: 'speech', idempotencyKey: crypto.randomUUID() }).toString(),
		})
		expect(response.status).toBe(303)
		const id = (response.headers.get('location') ?? '').split('/').at(-1) ?? ''
		await waitFor(
			'the speech to finish',
			async () => {
				const r = await fetch(`${server.url}/api/generations/${id}`, { headers: as(user, server.url) })
				const { generation } = (await r.json()) as { generation: { status: string } }
				return generation.status === 'succeeded' ? true : null
			},
			{ timeoutMs: 30_000, intervalMs: 100 },
		)
		return id
	}

	test('own audio by its words, Freesound with licence and attribution; never another user’s audio', async () => {
		const owner = await signUp(server.url)
		const other = await signUp(server.url)
		const mine = await speak(owner, 'The lighthouse keeper waves hello')
		await speak(other, 'The lighthouse keeper is someone else')

		const response = await search(owner, 'lighthouse')
		expect(response.status).toBe(200)
		const body = (await response.json()) as SearchJson
		expect(body.library.map(s => s.id)).toEqual([mine])
		expect(body.freesound?.error).toBeNull()
		expect(body.freesound?.results[0]).toMatchObject({
			name: 'lighthouse recording',
			licenceName: 'CC BY 4.0',
			author: 'alice',
			attribution: '“lighthouse recording” by alice (freesound.org), CC BY 4.0',
		})
		expect(body.freesound?.results[1]?.licenceName).toBe('CC0 1.0')
		expect(freesound.requests.at(-1)).toEqual({ query: 'lighthouse', authorization: 'Token fs-test-key' })

		// The studio's search page shows the same, with the attribution beside each Freesound sound.
		const page = await fetch(`${server.url}/audio/sounds?q=lighthouse`, { headers: as(owner, server.url) })
		const html = await page.text()
		expect(html).toContain('data-attribution')
		expect(html).toContain('by alice (freesound.org), CC BY 4.0')
	})

	test('a Freesound error or a slow Freesound leaves the library results and says so', async () => {
		const user = await signUp(server.url)
		await speak(user, 'Rain on the window')
		freesound.enqueue({ status: 503 })
		const failed = (await (await search(user, 'rain')).json()) as SearchJson
		expect(failed.library).toHaveLength(1)
		expect(failed.freesound).toMatchObject({ results: [], error: expect.stringMatching(/Freesound could not answer/) })

		freesound.enqueue({ delayMs: 7000 })
		const slow = (await (await search(user, 'rain')).json()) as SearchJson
		expect(slow.library).toHaveLength(1)
		expect(slow.freesound?.error).toMatch(/took too long/)
	}, 20_000)

	test('signed out is refused; an empty query is a 400; the seventh search in a minute is refused', async () => {
		expect((await search(null, 'rain')).status).toBe(401)
		const user = await signUp(server.url)
		const empty = await search(user, ' ')
		expect(empty.status).toBe(400)
		const statuses: number[] = []
		for (let i = 0; i < 6; i++) statuses.push((await search(user, 'wind')).status)
		expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
		expect(statuses[5]).toBe(429)
	})
})
