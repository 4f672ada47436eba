/**
 * The video studio through the built server's routes: the form re-rendered for a model by GET (what a browser
 * without JavaScript does), a form post that starts a clip, a value the model cannot make refused on its field
 * with what was typed kept, "Make a video" from an image, the player with its poster, and range requests.
 */
import { describe, expect, test } from 'vitest'
import { as, signUp } from '#tests/support/http-auth.ts'
import { useTestServer } from '#tests/support/suite-services.ts'
import { redirectId, studioHttp } from '#tests/support/studio-http.ts'
import { STUB_PNG } from '#tests/fixtures/openai-stub.ts'

describe('the video studio over HTTP', () => {
	const t = useTestServer({
		env: {
			RATE_LIMITS: 'signup=1000/3600,generation=1000/60,write=1000/60',
			REPLICATE_API_TOKEN: 'r8-test',
			REPLICATE_BASE_URL: 'http://127.0.0.1:9',
		},
	})

	const { page, send, finished } = studioHttp(() => t.server)

	test('the form shows what the chosen model takes; a model change by GET keeps what was typed', async () => {
		const user = await signUp(t.server.url)
		const offline = await page(user, '/video?model=offline:video&prompt=kept%20words&durationSeconds=10')
		expect(offline.status).toBe(200)
		expect(offline.html).toContain('kept words</textarea>')
		expect(offline.html.match(/name="durationSeconds"/g)).toHaveLength(3)
		expect(offline.html.match(/name="aspect"/g)).toHaveLength(3)
		expect(/checked="" value="10"/.test(offline.html), 'the length sent is chosen').toBe(true)
		expect(offline.html).toMatch(/formMethod="get"|formmethod="get"/i)

		const minimax = await page(user, '/video?model=replicate:minimax/video-01&prompt=kept%20words')
		expect(minimax.html).toContain('kept words</textarea>')
		expect(minimax.html.match(/name="durationSeconds"/g)).toHaveLength(1)
		expect(minimax.html).toContain('value="6"')
		expect(minimax.html).toContain('MiniMax Video-01 — $0.08 / second of video')
	})

	test('a form post starts a clip; a length the model cannot make is a 400 on its field, keeping the prompt', async () => {
		const user = await signUp(t.server.url)
		const form = { prompt: 'keep me', model: 'offline:video', durationSeconds: '7', seed: '', sourceId: '' }
		const refused = await send(user, '/video', form)
		expect(refused.status).toBe(400)
		const html = await refused.text()
		expect(html).toContain('keep me</textarea>')
		expect(html).toContain('Offline demo video makes clips of 3 s, 5 s or 10 s.')

		const clipForm = {
			prompt: 'waves',
			model: 'offline:video',
			durationSeconds: '5',
			aspect: '1:1',
			resolution: '720p',
		}
		const sent = await send(user, '/video', { ...clipForm, seed: '' })
		expect(sent.status).toBe(303)
		const id = redirectId(sent)
		const done = await finished(user, id)
		expect(done.status).toBe('succeeded')
		expect(done.params).toMatchObject({ durationSeconds: 5, aspect: '1:1', resolution: '720p' })

		// The page: a player with its poster frame, and the file served by range.
		const detail = await page(user, `/generations/${id}`)
		expect(detail.html).toMatch(/data-generation-status="succeeded"/)
		const poster = /poster="([^"]+)"/.exec(detail.html)?.[1]?.replaceAll('&amp;', '&') ?? ''
		const src = /<video[^>]*src="([^"]+)"/.exec(detail.html)?.[1]?.replaceAll('&amp;', '&') ?? ''
		expect(poster).toMatch(/\.webp\?/)
		expect((await fetch(`${t.server.url}${poster}`)).headers.get('content-type')).toBe('image/webp')
		const range = await fetch(`${t.server.url}${src}`, { headers: { Range: 'bytes=10-19' } })
		expect(range.status).toBe(206)
		expect(range.headers.get('content-range')).toMatch(/^bytes 10-19\/\d+$/)
		expect((await range.arrayBuffer()).byteLength).toBe(10)

		// The jobs list shows it with its status.
		const studio = await page(user, '/video')
		expect(studio.html).toMatch(new RegExp(`data-generation-status="succeeded" data-generation-id="${id}"`))
	})

	test("Make a video: the image's page links to the studio with it as the source; the clip is its child", async () => {
		const user = await signUp(t.server.url)
		const lighthouse = { prompt: 'a lighthouse', model: 'offline:image', size: '512x512', n: '1' }
		const imageId = redirectId(await send(user, '/images', lighthouse))
		await finished(user, imageId)
		const detail = await page(user, `/generations/${imageId}`)
		expect(detail.html).toContain(`href="/video?source=${imageId}"`)
		const studio = await page(user, `/video?source=${imageId}`)
		expect(studio.html).toContain(`data-video-source="${imageId}"`)
		expect(studio.html).toContain(`name="sourceId" value="${imageId}"`)

		const fromImage = { prompt: 'the lighthouse, waves', model: 'offline:video', sourceId: imageId, sourceIndex: '0' }
		const sent = await send(user, '/video', fromImage)
		expect(sent.status).toBe(303)
		const clip = await finished(user, redirectId(sent))
		expect(clip.status).toBe('succeeded')
		expect(clip.parentId).toBe(imageId)

		// Another user cannot start from it.
		const other = await signUp(t.server.url)
		const stolen = await send(other, '/video', { prompt: 'mine now', model: 'offline:video', sourceId: imageId })
		expect(stolen.status).toBe(404)
	})

	test('image to video from an uploaded picture: judged by its bytes, kept in the library once, the clip its child', async () => {
		const user = await signUp(t.server.url)
		const studio = await page(user, '/video')
		expect(studio.html).toMatch(/enctype="multipart\/form-data"/i)
		expect(studio.html).toContain('name="sourceFile"')
		const upload = (file: Blob, name: string) => {
			const form = new FormData()
			for (const [k, v] of Object.entries({ prompt: 'from my photo', model: 'offline:video', sourceId: '' }))
				form.set(k, v)
			form.set('idempotencyKey', crypto.randomUUID())
			form.set('sourceFile', file, name)
			return fetch(`${t.server.url}/video`, {
				method: 'POST',
				redirect: 'manual',
				headers: as(user, t.server.url),
				body: form,
			})
		}
		// Named like a picture, but text: refused by its content, nothing stored.
		const refused = await upload(new Blob(['not a picture at all']), 'photo.png')
		expect(refused.status).toBe(400)
		expect(await refused.text()).toContain('That file is not an image')
		expect((await page(user, '/images')).html).not.toContain('data-generation-id=')

		// A PNG under any name is a first frame.
		const png = new Blob([new Uint8Array(STUB_PNG)])
		const sent = await upload(png, 'notes.txt')
		expect(sent.status).toBe(303)
		const clip = await finished(user, redirectId(sent))
		expect(clip.status).toBe('succeeded')
		expect(clip.params.relation).toBe('image-to-video')
		const source = await finished(user, clip.parentId ?? '')
		expect(source).toMatchObject({ status: 'succeeded', params: { operation: 'upload' } })
		// The same picture again is the same library image.
		const again = await finished(user, redirectId(await upload(png, 'again.png')))
		expect(again.parentId).toBe(source.id)
	})
})
