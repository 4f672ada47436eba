/**
 * Audio projects through the built server's routes, as a browser without JavaScript uses them: signed out is
 * sent to sign in; create, edit by form (post/redirect/get), a bad value refused with 400 and the page kept,
 * another user's project is a 404 for every route, export as a JSON file, import refused for someone else's
 * sounds, and the `audio_project` limit from the route table answering 429 with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { studioHttp } from '#tests/support/studio-http.ts'
import { startServer } from '#tests/support/server.ts'
import type { RunningServer } from '#tests/support/server.ts'

describe('audio projects over HTTP', () => {
	let server: RunningServer

	beforeAll(async () => {
		server = await startServer({ RATE_LIMITS: 'signup=1000/3600,audio_project=8/60' }, 180_000)
	}, 200_000)
	afterAll(async () => {
		await server?.stop()
	})

	const get = (user: SignedIn | null, path: string) =>
		fetch(`${server.url}${path}`, { redirect: 'manual', ...(user ? { headers: as(user, server.url) } : {}) })
	const { post } = studioHttp(() => server)
	async function create(user: SignedIn, name: string): Promise<string> {
		const response = await post(user, '/audio/projects?index', { intent: 'create', name })
		expect(response.status).toBe(303)
		const id = /\/audio\/projects\/([0-9a-f-]{36})$/.exec(response.headers.get('location') ?? '')?.[1]
		if (!id) throw new Error(`no project in ${response.headers.get('location')}`)
		return id
	}

	test('signed out, every project route sends the visitor to sign in', async () => {
		for (const path of ['/audio/projects', `/audio/projects/${crypto.randomUUID()}`]) {
			const response = await get(null, path)
			expect([302, 303]).toContain(response.status)
			expect(response.headers.get('location')).toMatch(/^\/login/)
		}
	})

	test('forms edit the project; a bad value is a 400 with the page; another user gets 404 everywhere', async () => {
		const owner = await signUp(server.url)
		const other = await signUp(server.url)
		const id = await create(owner, 'Over HTTP')
		const page = await get(owner, `/audio/projects/${id}`)
		expect(page.status).toBe(200)
		const html = await page.text()
		const trackId = /data-track-id="([^"]+)"/.exec(html)?.[1] ?? ''
		expect(html).toContain('Add a track')
		const saved = await post(owner, `/audio/projects/${id}`, {
			intent: 'track',
			trackId,
			gain: '0.5',
			mute: 'on',
			redirectTo: '1',
		})
		expect(saved.status).toBe(303)
		expect(saved.headers.get('location')).toBe(`/audio/projects/${id}`)
		const bad = await post(owner, `/audio/projects/${id}`, { intent: 'track', trackId, gain: 'loud', redirectTo: '1' })
		expect(bad.status).toBe(400)
		expect(await bad.text()).toContain('Give the gain as a number.')
		// Another user: the page, its forms and its export do not exist for them.
		expect((await get(other, `/audio/projects/${id}`)).status).toBe(404)
		expect(
			(await post(other, `/audio/projects/${id}`, { intent: 'rename', name: 'Mine now', redirectTo: '1' })).status,
		).toBe(404)
		expect((await get(other, `/audio/projects/${id}/export`)).status).toBe(404)
		// The export is a JSON file with the change the form made.
		const exported = await get(owner, `/audio/projects/${id}/export`)
		expect(exported.status).toBe(200)
		expect(exported.headers.get('content-disposition')).toMatch(/^attachment; filename="Over HTTP\.json"$/)
		const file = (await exported.json()) as {
			format: string
			document: { tracks: Array<{ gain: number; mute: boolean }> }
		}
		expect(file.format).toBe('generation-studio.audio-project')
		expect(file.document.tracks[0]).toMatchObject({ gain: 0.5, mute: true })
	})

	test('an import that is not a project file is refused on its field', async () => {
		const user = await signUp(server.url)
		const form = new FormData()
		form.set('intent', 'import')
		form.set('file', new Blob(['{"format":"other"}'], { type: 'application/json' }), 'p.json')
		const response = await fetch(`${server.url}/audio/projects?index`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, server.url),
			body: form,
		})
		expect(response.status).toBe(400)
		expect(await response.text()).toContain('That file is not an audio project export.')
	})

	test('the audio_project limit from the route table answers 429 with Retry-After', async () => {
		const user = await signUp(server.url)
		const id = await create(user, 'Limited')
		const statuses: number[] = []
		let retryAfter: string | null = null
		for (let i = 0; i < 9; i++) {
			const response = await post(user, `/audio/projects/${id}`, { intent: 'add-track', redirectTo: '1' })
			statuses.push(response.status)
			if (response.status === 429) retryAfter = response.headers.get('retry-after')
		}
		// One point went to creating the project: seven more edits pass, then the limit refuses.
		expect(statuses.slice(0, 7).every(s => s === 303)).toBe(true)
		expect(statuses.slice(7)).toEqual([429, 429])
		expect(Number(retryAfter)).toBeGreaterThan(0)
	})
})
