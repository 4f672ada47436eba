/**
 * Sound search through the built server: signed-in only, rate limited per account, the user's own audio found by
 * Postgres full-text search (never another user's), Freesound through its HTTP API (faked by a stub) with licence
 * and attribution, and a Freesound that fails or is too slow leaving the library results with a message. Importing
 * a Freesound result: the file fetched under the output rules (allowed host, size cap, type sniffed), stored as a
 * library sound that keeps its licence and attribution and shows them wherever it is listed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PREVIEW_AUDIO, startFreesoundStub, type FreesoundStub } from '#tests/fixtures/freesound-stub.ts'
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
				RATE_LIMITS: 'signup=1000/3600,generation=1000/60,write=1000/60,sound_search=6/60,sound_import=8/60',
				FREESOUND_API_KEY: 'fs-test-key',
				FREESOUND_BASE_URL: freesound.url,
				// The stub serves its previews over plain HTTP on 127.0.0.1, as no real Freesound host would.
				OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
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

	const importSound = (user: SignedIn | null, freesoundId: string) =>
		fetch(`${server.url}/audio/sounds?q=rain`, {
			method: 'POST',
			redirect: 'manual',
			headers: user
				? as(user, server.url, { 'Content-Type': 'application/x-www-form-urlencoded' })
				: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url },
			body: new URLSearchParams({ freesoundId }).toString(),
		})

	type GenerationJson = {
		generation: {
			id: string
			status: string
			prompt: string
			params: { credit?: Record<string, unknown> }
			outputs: Array<{ contentType: string; duration?: number; size: number; waveform?: { preview: number[] } }>
		}
	}

	test('an imported Freesound sound is a library sound that keeps its licence and attribution everywhere', async () => {
		const user = await signUp(server.url)
		freesound.setPreview('audio')
		const before = freesound.previewRequests
		const made = await importSound(user, '1001')
		expect(made.status, made.status === 500 ? server.output().slice(-3000) : '').toBe(303)
		const id = (made.headers.get('location') ?? '').split('/').at(-1) ?? ''
		const api = await fetch(`${server.url}/api/generations/${id}`, { headers: as(user, server.url) })
		const { generation } = (await api.json()) as GenerationJson
		expect(generation).toMatchObject({ status: 'succeeded', prompt: 'imported recording' })
		// The licence comes from Freesound's API (the form sent only the id), kept with the sound.
		expect(generation.params.credit).toEqual({
			source: 'freesound',
			id: 1001,
			title: 'imported recording',
			author: 'alice',
			licence: 'http://creativecommons.org/licenses/by/4.0/',
			licenceName: 'CC BY 4.0',
			url: 'https://freesound.org/people/alice/sounds/1001/',
			attribution: '“imported recording” by alice (freesound.org), CC BY 4.0',
		})
		// Stored as what the bytes are (WAV, though served as audio/mpeg), with its length and waveform.
		expect(generation.outputs).toHaveLength(1)
		expect(generation.outputs[0]).toMatchObject({ contentType: 'audio/wav', size: PREVIEW_AUDIO.length })
		expect(generation.outputs[0]?.duration).toBeCloseTo(0.25, 2)
		expect(generation.outputs[0]?.waveform?.preview.length).toBeGreaterThan(0)
		expect(freesound.previewRequests).toBe(before + 1)
		expect(freesound.requests.at(-1)?.authorization).toBe('Token fs-test-key')

		// Shown with the sound on its page, in the studio's list and in the library.
		for (const path of [`/generations/${id}`, '/audio', '/library?kind=audio']) {
			const html = await (await fetch(`${server.url}${path}`, { headers: as(user, server.url) })).text()
			expect(html, path).toContain('data-sound-credit="freesound"')
			expect(html, path).toContain('by <!-- -->alice<!-- --> (freesound.org)')
			expect(html, path).toContain('href="http://creativecommons.org/licenses/by/4.0/"')
			// Everywhere a sound is listed, it can be seen (its waveform), heard and downloaded.
			expect(html, path).toContain('data-waveform')
			expect(html, path).toMatch(/<audio[^>]+src="[^"]+"/)
		}
		// The same sound again: the first import, no second download.
		const again = await importSound(user, '1001')
		expect(again.headers.get('location')).toBe(`/generations/${id}`)
		expect(freesound.previewRequests).toBe(before + 1)
	}, 30_000)

	test('an import is refused when the file is not audio or too large, for an unknown sound, and signed out', async () => {
		const user = await signUp(server.url)
		freesound.setPreview('not-audio')
		const notAudio = await importSound(user, '1001')
		expect(notAudio.status).toBe(415)
		expect(await notAudio.text()).toContain('is not audio we can read')
		freesound.setPreview('too-large')
		const huge = await importSound(user, '1001')
		expect(huge.status).toBe(422)
		expect(await huge.text()).toMatch(/could not be imported: .*more than the 50 MB allowed/)
		freesound.setPreview('audio')
		expect((await importSound(user, '4242')).status).toBe(404)
		// A sound with no preview to fetch.
		expect((await importSound(user, '1002')).status).toBe(422)
		expect((await importSound(user, 'not-a-number')).status).toBe(400)
		expect((await importSound(null, '1001')).status).toBe(302)
		// Nothing refused reached the library.
		const studio = await (await fetch(`${server.url}/audio`, { headers: as(user, server.url) })).text()
		expect(studio).not.toContain('imported recording')
		// Five imports so far; the ninth in a minute is refused by the route's own limit (sound_import=8/60 here).
		const more = [await importSound(user, '1001'), await importSound(user, '1001'), await importSound(user, '1001')]
		expect(more.map(r => r.status)).toEqual([303, 303, 303])
		const ninth = await importSound(user, '1001')
		expect(ninth.status).toBe(429)
		expect(ninth.headers.get('retry-after')).toMatch(/^\d+$/)
	}, 30_000)
})
