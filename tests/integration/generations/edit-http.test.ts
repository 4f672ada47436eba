/**
 * The canvas editor's actions through the built server's routes (`/generations/:id/edit`), as the forms without
 * JavaScript send them and as the editor does (the same multipart fields): inpaint with an uploaded mask, crop by
 * rectangle and by shape, save as new; each a new generation whose parent is the source, the source unchanged.
 * Refusals: another user's image, a model that cannot edit, a bad mask, a file that is not an image, the rate limit.
 */
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import type { SignedIn } from '#tests/support/http-auth.ts'
import { openaiEnv, requestsFrom, useTestServer } from '#tests/support/suite-services.ts'
import { studioHttp, type GenerationJson } from '#tests/support/studio-http.ts'

type Output = GenerationJson['outputs'][number]

/** A black PNG with a white square: the mask convention (white is repainted). */
async function mask(width: number, height: number, square = Math.round(width / 3)): Promise<Uint8Array> {
	const white = await sharp({ create: { width: square, height: square, channels: 3, background: '#fff' } })
		.png()
		.toBuffer()
	const out = await sharp({ create: { width, height, channels: 3, background: '#000' } })
		.composite([{ input: white, left: 0, top: 0 }])
		.png()
		.toBuffer()
	return new Uint8Array(out)
}

describe('the canvas editor over HTTP', () => {
	const t = useTestServer({
		stubs: { openai: () => startOpenAIStub() },
		env: stubs => ({
			RATE_LIMITS: 'signup=1000/3600,generation=8/60,write=1000/60',
			...openaiEnv(stubs.openai),
			OUTPUT_ALLOW_INSECURE_HOSTS: '127.0.0.1',
		}),
	})

	const { generation: json, finished } = studioHttp(() => t.server, { finishMs: 20_000 })

	async function image(user: SignedIn, size = '1024x1024'): Promise<GenerationJson> {
		const response = await fetch(`${t.server.url}/api/generate/image`, {
			method: 'POST',
			headers: as(user, t.server.url, { 'Content-Type': 'application/json' }),
			body: JSON.stringify({ prompt: 'a harbour at dusk', model: 'offline:image', size }),
		})
		expect(response.status).toBe(202)
		return finished(user, ((await response.json()) as { generation: GenerationJson }).generation.id)
	}
	/** The edit page's action, multipart as the forms and the editor send it. */
	const edit = (user: SignedIn, id: string, fields: Record<string, string>, file?: [string, Uint8Array, string]) => {
		const form = new FormData()
		for (const [k, v] of Object.entries(fields)) form.set(k, v)
		if (file) form.set(file[0], new Blob([Buffer.from(file[1])]), file[2])
		return fetch(`${t.server.url}/generations/${id}/edit`, {
			method: 'POST',
			redirect: 'manual',
			headers: as(user, t.server.url),
			body: form,
		})
	}
	const madeId = (response: Response) => (response.headers.get('location') ?? '').split('/').at(-1) ?? ''
	const pixels = async (user: SignedIn, output: Output) => {
		const response = await fetch(new URL(output.url, t.server.url), { headers: as(user, t.server.url) })
		return sharp(Buffer.from(await response.arrayBuffer())).metadata()
	}

	test('the page offers the editor and both forms without JavaScript; the detail page links to it', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const detail = await (
			await fetch(`${t.server.url}/generations/${source.id}`, { headers: as(user, t.server.url) })
		).text()
		expect(detail).toContain(`href="/generations/${source.id}/edit"`)
		const response = await fetch(`${t.server.url}/generations/${source.id}/edit`, { headers: as(user, t.server.url) })
		expect(response.status).toBe(200)
		const html = await response.text()
		expect(html).toMatch(/enctype="multipart\/form-data"/i)
		expect(html).toMatch(/name="mask"/)
		expect(html).toContain('white is repainted')
		expect(html).toMatch(/name="aspect"/)
		expect(html).toMatch(/name="width"/)
	})

	test('inpaint with an uploaded mask of another size: a child edit, the mask fitted to the image, the source unchanged', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const sent = await edit(
			user,
			source.id,
			{ intent: 'inpaint', prompt: 'a red lantern', model: 'offline:image', output: '0' },
			['mask', await mask(300, 300), 'mask.png'],
		)
		expect(sent.status).toBe(303)
		const child = await finished(user, madeId(sent))
		expect(child.status).toBe('succeeded')
		expect(child.parentId).toBe(source.id)
		expect(child.params).toMatchObject({ operation: 'edit', relation: 'edit', sourceId: source.id, sourceIndex: 0 })
		expect(child.params.maskKey).toMatch(/\.png$/)
		const result = await pixels(user, child.outputs[0] as Output)
		expect([result.width, result.height]).toEqual([1024, 1024])
		const again = await json(user, source.id)
		expect(again.outputs.map(o => o.key)).toEqual(source.outputs.map(o => o.key))
		expect(again.parentId).toBeNull()
	})

	test('inpaint with GPT Image 1: the vendor gets the image and a mask file', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const edits = requestsFrom(t.stubs.openai, 'edits')
		const sent = await edit(user, source.id, { intent: 'inpaint', prompt: 'a boat', model: 'openai:gpt-image-1' }, [
			'mask',
			await mask(1024, 1024),
			'anything.bin',
		])
		expect(sent.status).toBe(303)
		const child = await finished(user, madeId(sent))
		expect(child.status, child.error ?? '').toBe('succeeded')
		expect(child.parentId).toBe(source.id)
		const request = edits()[0]
		expect(request?.form?.prompt).toBe('a boat')
		expect(request?.form?.mask).toMatchObject({ size: expect.any(Number) })
		expect(request?.form?.image).toMatchObject({ size: expect.any(Number) })
	})

	test('crop by rectangle and by shape, done on the server: children of the source at the asked size', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const rect = await edit(user, source.id, { intent: 'crop', x: '10', y: '20', width: '300', height: '200' })
		expect(rect.status).toBe(303)
		const cut = await json(user, madeId(rect))
		expect(cut.status).toBe('succeeded')
		expect(cut.parentId).toBe(source.id)
		expect(cut.params).toMatchObject({ relation: 'crop', crop: { x: 10, y: 20, width: 300, height: 200 } })
		const cutPixels = await pixels(user, cut.outputs[0] as Output)
		expect([cutPixels.width, cutPixels.height]).toEqual([300, 200])

		const wide = await edit(user, source.id, { intent: 'crop', aspect: '16:9' })
		expect(wide.status).toBe(303)
		const wideJson = await json(user, madeId(wide))
		expect(wideJson.parentId).toBe(source.id)
		expect([wideJson.outputs[0]?.width, wideJson.outputs[0]?.height]).toEqual([1024, 576])

		const outside = await edit(user, source.id, { intent: 'crop', x: '900', y: '0', width: '300', height: '200' })
		expect(outside.status).toBe(400)
		expect(await outside.text()).toContain('must fit inside the image (1024 × 1024 pixels)')
		const again = await json(user, source.id)
		expect(again.outputs.map(o => o.key)).toEqual(source.outputs.map(o => o.key))
	})

	test('save as new: the flattened picture becomes a child image; a file that is not an image is refused by its bytes', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const flat = new Uint8Array(
			await sharp({ create: { width: 640, height: 480, channels: 3, background: '#336699' } })
				.png()
				.toBuffer(),
		)
		const saved = await edit(user, source.id, { intent: 'save' }, ['image', flat, 'canvas.png'])
		expect(saved.status).toBe(303)
		const child = await json(user, madeId(saved))
		expect(child.status).toBe('succeeded')
		expect(child.parentId).toBe(source.id)
		expect(child.params).toMatchObject({ relation: 'canvas', local: true })
		expect([child.outputs[0]?.width, child.outputs[0]?.height]).toEqual([640, 480])

		const text = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
		const refused = await edit(user, source.id, { intent: 'save' }, ['image', text, 'looks-like.png'])
		expect(refused.status).toBe(400)
		expect(await refused.text()).toContain('That file is not an image')
	})

	test('refusals: another user’s image, a model that cannot edit, a blank or non-image mask', async () => {
		const owner = await signUp(t.server.url)
		const other = await signUp(t.server.url)
		const source = await image(owner)
		const white = await mask(1024, 1024)

		const stranger = await edit(other, source.id, { intent: 'inpaint', prompt: 'x' }, ['mask', white, 'm.png'])
		expect(stranger.status).toBe(404)
		const strangerCrop = await edit(other, source.id, { intent: 'crop', aspect: '1:1' })
		expect(strangerCrop.status).toBe(404)
		const page = await fetch(`${t.server.url}/generations/${source.id}/edit`, { headers: as(other, t.server.url) })
		expect(page.status).toBe(404)

		const cannot = await edit(owner, source.id, { intent: 'inpaint', prompt: 'x', model: 'openai:dall-e-3' }, [
			'mask',
			white,
			'm.png',
		])
		expect(cannot.status).toBe(400)
		expect(await cannot.text()).toContain('cannot edit images')

		const black = new Uint8Array(
			await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
				.png()
				.toBuffer(),
		)
		const blank = await edit(owner, source.id, { intent: 'inpaint', prompt: 'x' }, ['mask', black, 'm.png'])
		expect(blank.status).toBe(400)
		expect(await blank.text()).toContain('The mask is all black')

		const notImage = await edit(owner, source.id, { intent: 'inpaint', prompt: 'x' }, [
			'mask',
			new TextEncoder().encode('just some text, named like a picture'),
			'mask.png',
		])
		expect(notImage.status).toBe(400)
		expect(await notImage.text()).toContain('That file is not an image')

		const missing = await edit(owner, source.id, { intent: 'inpaint', prompt: 'x' })
		expect(missing.status).toBe(400)

		// None of these made anything: the source has no children.
		const children = await fetch(`${t.server.url}/generations/${source.id}`, { headers: as(owner, t.server.url) })
		expect(await children.text()).not.toMatch(/data-lineage="(?!${source.id})[0-9a-f-]{36}"/)
	})

	test('inpainting counts against the generation limit: the next one is a 429 with Retry-After', async () => {
		const user = await signUp(t.server.url)
		const source = await image(user)
		const white = await mask(256, 256)
		let response: Response | null = null
		for (let i = 0; i < 9; i++) {
			response = await edit(user, source.id, { intent: 'inpaint', prompt: `try ${i}` }, ['mask', white, 'm.png'])
			if (response.status === 429) break
			expect(response.status).toBe(303)
		}
		expect(response?.status).toBe(429)
		expect(Number(response?.headers.get('retry-after'))).toBeGreaterThan(0)
	})
})
