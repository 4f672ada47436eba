/**
 * The image studio through the built server's routes: the form re-rendered for a model by GET (what a browser
 * without JavaScript does), the gallery's markup, the detail page's actions as forms, the JSON API for vary and
 * upscale, and the refusals (another user's image, a model that cannot, a bad cursor, the rate limit).
 */
import { describe, expect, test } from 'vitest'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { openaiEnv, useTestServer } from '#tests/support/suite-services.ts'
import { redirectId, studioHttp, type GenerationJson } from '#tests/support/studio-http.ts'

describe('the image studio over HTTP', () => {
	const t = useTestServer({
		stubs: { openai: () => startOpenAIStub() },
		env: stubs => ({
			RATE_LIMITS: 'signup=1000/3600,generation=6/60,write=1000/60',
			...openaiEnv(stubs.openai),
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
		}),
	})

	const { page, api, send, finished } = studioHttp(() => t.server, { finishMs: 20_000 })

	async function image(user: SignedIn, body: Record<string, unknown> = {}): Promise<GenerationJson> {
		const response = await api(user, '/api/generate/image', { prompt: 'a lighthouse', model: 'offline:image', ...body })
		expect(response.status).toBe(202)
		return finished(user, ((await response.json()) as { generation: GenerationJson }).generation.id)
	}

	test('the form shows what the chosen model takes, and a model change by GET keeps what was typed', async () => {
		const user = await signUp(t.server.url)
		const offline = await page(user, '/images?model=offline:image&prompt=kept%20words')
		expect(offline.status).toBe(200)
		expect(offline.html).toContain('kept words</textarea>')
		expect(offline.html).toMatch(/name="seed"/)
		expect(offline.html).toMatch(/name="negativePrompt"/)
		expect(offline.html).not.toMatch(/name="quality"/)
		expect(offline.html.match(/name="size"/g)).toHaveLength(6)
		// Without JavaScript a button sends the form back by GET to apply another model.
		expect(offline.html).toMatch(/formMethod="get"|formmethod="get"/i)

		const dalle = await page(user, '/images?model=openai:dall-e-3&prompt=kept%20words&size=1024x1792')
		expect(dalle.html).toContain('kept words</textarea>')
		expect(dalle.html).not.toMatch(/name="seed"/)
		expect(dalle.html).not.toMatch(/name="negativePrompt"/)
		expect(dalle.html).toMatch(/name="quality"/)
		expect(dalle.html).toMatch(/name="style"/)
		expect(dalle.html.match(/name="size"/g)).toHaveLength(3)
		expect(/checked="" value="1024x1792"/.test(dalle.html), 'the size sent is chosen').toBe(true)
		expect(dalle.html.includes('DALL·E 3 — $0.04 / image'), 'the model with its price').toBe(true)
		expect(dalle.html.includes('$0.04 for 1 image'), 'the price of the run').toBe(true)
		expect(dalle.html).toMatch(/name="n" value="1"/)
	})

	test('a form sent with fields the model does not take stores none of them; a size it cannot make is a 400', async () => {
		const user = await signUp(t.server.url)
		const dalle = { prompt: 'dalle', model: 'openai:dall-e-3', size: '1792x1024', n: '1' }
		const notTaken = { seed: '12', negativePrompt: 'blur' }
		const sent = await send(user, '/images', { ...dalle, ...notTaken, quality: 'hd', style: 'natural' })
		expect(sent.status).toBe(303)
		const id = redirectId(sent)
		const done = await finished(user, id)
		expect(done.params).toMatchObject({ size: '1792x1024', quality: 'hd', style: 'natural' })
		expect(done.params).not.toHaveProperty('seed')
		expect(done.params).not.toHaveProperty('negativePrompt')
		const request = t.stubs.openai.requests.filter(r => r.route === 'images').at(-1)
		expect(request?.json).toMatchObject({ model: 'dall-e-3', size: '1792x1024', quality: 'hd', style: 'natural' })

		const refused = await send(user, '/images', { prompt: 'gpt', model: 'openai:gpt-image-1', size: '1024x1792' })
		expect(refused.status).toBe(400)
		const html = await refused.text()
		expect(html).toContain('GPT Image 1 makes these sizes')
		expect(html).toContain('gpt</textarea>')
	})

	test('the gallery: WebP thumbnails with srcset, sizes, width and height, lazy below the first screen', async () => {
		const user = await signUp(t.server.url)
		for (let i = 0; i < 3; i++) await image(user, { n: 4, size: '512x512', prompt: `tile ${i}` })
		const { html } = await page(user, '/images')
		const tiles = [...html.matchAll(/<img [^>]*srcSet="([^"]+)"[^>]*>/gi)].map(m => m[0])
		expect(tiles).toHaveLength(12)
		for (const tag of tiles) {
			expect(tag).toMatch(/srcSet="[^"]+\.webp\?[^" ]+ 320w, [^"]+\.webp\?[^" ]+ 512w"/i)
			expect(tag).toMatch(/sizes="\(max-width: 767px\) \d+px, \d+px"/)
			expect(tag).toMatch(/width="320"/)
			expect(tag).toMatch(/height="320"/)
		}
		expect(tiles.slice(0, 8).every(t => /loading="eager"/.test(t))).toBe(true)
		expect(tiles.slice(8).every(t => /loading="lazy"/.test(t))).toBe(true)
		// The thumbnails are served as WebP; the originals stay PNG.
		const src = /src="([^"]+\.webp[^"]*)"/.exec(tiles[0] ?? '')?.[1]?.replaceAll('&amp;', '&') ?? ''
		const thumb = await fetch(`${t.server.url}${src}`)
		expect(thumb.headers.get('content-type')).toBe('image/webp')
		expect((await thumb.arrayBuffer()).byteLength).toBeLessThanOrEqual(30 * 1024)

		expect((await page(user, '/images?cursor=not-a-cursor')).status).toBe(400)
	})

	test('vary and upscale through the JSON API, with the parent recorded; refusals in the one error shape', async () => {
		const user = await signUp(t.server.url)
		const first = await image(user, { size: '512x512' })
		const varied = await api(user, `/api/generations/${first.id}`, { intent: 'vary' })
		expect(varied.status).toBe(202)
		const v = ((await varied.json()) as { generation: GenerationJson }).generation
		expect(v).toMatchObject({ parentId: first.id, params: { relation: 'variation' } })
		expect(v.params.seed).not.toBe(first.params.seed)

		const upscaled = await api(user, `/api/generations/${first.id}`, {
			intent: 'upscale',
			model: 'offline:image',
			scale: 4,
		})
		expect(upscaled.status).toBe(202)
		const u = await finished(user, ((await upscaled.json()) as { generation: GenerationJson }).generation.id)
		expect(u).toMatchObject({ status: 'succeeded', parentId: first.id, params: { scale: 4 } })

		const wrongModel = await api(user, `/api/generations/${first.id}`, { intent: 'upscale', model: 'offline:chat' })
		expect(wrongModel.status).toBe(400)
		expect(await wrongModel.json()).toMatchObject({ error: { code: 'invalid_model' } })

		const other = await signUp(t.server.url)
		const stolen = await api(other, `/api/generations/${first.id}`, { intent: 'vary' })
		expect(stolen.status).toBe(404)
		const asSource = await api(other, '/api/generate/image', { prompt: 'mine now', sourceId: first.id })
		expect(asSource.status).toBe(404)
		expect(await asSource.json()).toMatchObject({ error: { code: 'source_not_found' } })

		// The detail page shows the lineage both ways, and the child's parameters.
		const parentPage = await page(user, `/generations/${first.id}`)
		expect(parentPage.html).toContain(`data-lineage="${v.id}"`)
		expect(parentPage.html).toContain(`data-lineage="${u.id}"`)
		const childPage = await page(user, `/generations/${u.id}`)
		expect(childPage.html).toContain(`data-lineage="${first.id}"`)
		expect(childPage.html).toMatch(/Pixels.*2048 × 2048/s)
	})

	test('vary is counted against the generation limit: the next one is a 429 with Retry-After', async () => {
		const user = await signUp(t.server.url)
		const first = await image(user)
		let response: Response | null = null
		for (let i = 0; i < 6; i++) {
			response = await send(user, `/generations/${first.id}`, { intent: 'vary' })
			if (response.status === 429) break
			expect(response.status).toBe(303)
		}
		expect(response?.status).toBe(429)
		expect(Number(response?.headers.get('retry-after'))).toBeGreaterThan(0)
		expect(await response?.text()).toMatch(/too many|try again/i)
	})
})
