/**
 * The image studio on the generation pipeline, with everything real but the vendors (PGlite and, with
 * DATABASE_URL, Postgres): thumbnails made once at store time, seeds stored, requests fitted to their model,
 * vary / upscale / image-to-image with their lineage, the gallery's cursor, and the refusals (another user's
 * image, a model that cannot, over budget, over the rate limit). OpenAI and Replicate run their real SDKs
 * against the stubs.
 */
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import type { Generation } from '#server/domain/generations/index.ts'
import { decodeCursor } from '#server/domain/generations/index.ts'
import { startOpenAIStub } from '#tests/fixtures/openai-stub.ts'
import { startReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { settle, settled, bytesOf, created, imageRequest } from '#tests/support/generations.ts'
import { openaiEnv, replicateEnv, requestsFrom, useTestServices } from '#tests/support/suite-services.ts'

const image = imageRequest

describe.each(testDrivers())('the image studio on %s', driver => {
	const t = useTestServices(driver, {
		stubs: {
			openai: () => startOpenAIStub(),
			replicate: () => startReplicateStub({ lifecycle: { startingMs: 20, processingMs: 50, outcome: 'succeeded' } }),
		},
		env: stubs => ({
			...openaiEnv(stubs.openai),
			...replicateEnv(stubs.replicate),
			PROVIDER_TIMEOUT_SECONDS: '5',
			RATE_LIMITS: 'generation=1000/60',
		}),
	})

	test('an image is stored untouched, with WebP copies at two widths and its pixel size', async () => {
		const user = await createUser(t.services.db)
		const done = await settled(t.services, user, image('a fox'))
		expect(done.status, done.error ?? '').toBe('succeeded')
		const output = done.outputs[0]
		expect(output).toMatchObject({ contentType: 'image/png', width: 1024, height: 1024 })
		expect(output?.thumbnails?.map(t => t.width)).toEqual([320, 640])
		for (const thumbnail of output?.thumbnails ?? []) {
			const data = await bytesOf(t.services, thumbnail.key)
			const meta = await sharp(data).metadata()
			expect(meta).toMatchObject({ format: 'webp', width: thumbnail.width, height: thumbnail.height })
			expect(data.length).toBe(thumbnail.size)
			expect(thumbnail.key.startsWith(`${user.id}/`)).toBe(true)
		}
		expect(output?.thumbnails?.[0]?.size).toBeLessThanOrEqual(30 * 1024)
		// The original is the provider's PNG, byte for byte what sharp reads as 1024 wide.
		const original = await bytesOf(t.services, output?.key ?? '')
		expect(original.subarray(1, 4).toString()).toBe('PNG')
		expect((await sharp(original).metadata()).width).toBe(1024)
		// Signed URLs for the copies, and a download URL for the original when asked.
		const [viewable] = await t.services.generations.withUrls(done, { download: true })
		expect(viewable?.thumbnails?.map(t => t.url)).toEqual([
			expect.stringMatching(/^\/media\/media\/.+\.webp\?/),
			expect.stringMatching(/^\/media\/media\/.+\.webp\?/),
		])
		expect(viewable?.downloadUrl).toMatch(/[?&]dl=image-/)
		// Rendered twice within the half hour, the URLs are the same (the browser's cache holds).
		const [again] = await t.services.generations.withUrls(done)
		expect(again?.url).toBe(viewable?.url)
	})

	test('a blank seed becomes a stored random one for models that take seeds; others are sent none', async () => {
		const user = await createUser(t.services.db)
		const offline = created(await t.services.generations.create(user, image('seeded')))
		expect(offline.params.seed).toEqual(expect.any(Number))
		const chosen = created(await t.services.generations.create(user, image('chosen', { seed: 42 })))
		expect(chosen.params.seed).toBe(42)

		const images = requestsFrom(t.stubs.openai, 'images')
		const gpt = created(
			await t.services.generations.create(
				user,
				image('no seed here', { model: 'openai:gpt-image-1', seed: 7, negativePrompt: 'blur', quality: 'high' }),
			),
		)
		expect(gpt.params).not.toHaveProperty('seed')
		expect(gpt.params).not.toHaveProperty('negativePrompt')
		expect(gpt.params.quality).toBe('high')
		expect((await settle(t.services, user.id, gpt.id)).status).toBe('succeeded')
		const sent = images()
		expect(sent).toHaveLength(1)
		expect(sent[0]?.json).toMatchObject({ model: 'gpt-image-1', quality: 'high' })
		expect(sent[0]?.json).not.toHaveProperty('seed')
		expect(sent[0]?.json).not.toHaveProperty('negative_prompt')
	})

	test('values a model cannot make are refused on their field, before anything is queued', async () => {
		const user = await createUser(t.services.db)
		const tooMany = await t.services.generations.create(user, image('two', { model: 'openai:dall-e-3', n: 2 }))
		expect(tooMany).toMatchObject({ refused: true, status: 400, fields: { n: [expect.stringMatching(/one image/)] } })
		const size = await t.services.generations.create(
			user,
			image('wide', { model: 'openai:gpt-image-1', size: '1792x1024' }),
		)
		expect(size).toMatchObject({ refused: true, status: 400, fields: { size: [expect.stringMatching(/sizes/)] } })
		const quality = await t.services.generations.create(
			user,
			image('q', { model: 'openai:gpt-image-1', quality: 'ultra' }),
		)
		expect(quality).toMatchObject({ refused: true, status: 400, fields: { quality: [expect.any(String)] } })
		const { rows } = await t.services.db.privileged(tx =>
			tx.query<{ n: number }>('select count(*)::int as n from generations where user_id = $1', [user.id]),
		)
		expect(rows[0]?.n).toBe(0)
	})

	test('Vary: the same settings with a new seed, a visibly different image, the parent recorded', async () => {
		const user = await createUser(t.services.db)
		const first = await settled(t.services, user, image('a lighthouse', { seed: 1, negativePrompt: 'fog' }))
		const varied = created(await t.services.generations.vary(user, first.id))
		expect(varied.parentId).toBe(first.id)
		expect(varied.params).toMatchObject({ relation: 'variation', negativePrompt: 'fog', size: '1024x1024' })
		expect(varied.params.seed).not.toBe(1)
		const done = await settle(t.services, user.id, varied.id)
		expect(done.status).toBe('succeeded')
		const [a, b] = await Promise.all([
			bytesOf(t.services, first.outputs[0]?.key ?? ''),
			bytesOf(t.services, done.outputs[0]?.key ?? ''),
		])
		expect(a.equals(b)).toBe(false)
		// Run again repeats the stored seed: the same picture.
		const rerun = await settle(t.services, user.id, created(await t.services.generations.retry(user, first.id)).id)
		expect((await bytesOf(t.services, rerun.outputs[0]?.key ?? '')).equals(a)).toBe(true)
	})

	test('Upscale: the chosen image at twice the size, labelled, as a child; a model that cannot is refused', async () => {
		const user = await createUser(t.services.db)
		const first = await settled(t.services, user, image('tiles', { size: '512x512', n: 2 }))
		const up = created(await t.services.generations.upscale(user, first.id, { output: 1, model: 'offline:image' }))
		expect(up).toMatchObject({ parentId: first.id, params: { relation: 'upscale', operation: 'upscale', scale: 2 } })
		const done = await settle(t.services, user.id, up.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.outputs[0]).toMatchObject({ width: 1024, height: 1024 })

		const refused = await t.services.generations.upscale(user, first.id, { output: 0, model: 'offline:chat' })
		expect(refused).toMatchObject({ refused: true, status: 400, code: 'invalid_model' })
		const noImage = await t.services.generations.upscale(user, first.id, { output: 3, model: 'offline:image' })
		expect(noImage).toMatchObject({ refused: true, status: 409 })

		const { parent, children } = await t.services.generations.lineage(user, done)
		expect(parent?.id).toBe(first.id)
		expect(children).toEqual([])
		// With a vendor configured, the default upscaler is the vendor's, through the real SDK.
		const viaReplicate = await settle(
			t.services,
			user.id,
			created(await t.services.generations.upscale(user, first.id, { output: 0, scale: 4 })).id,
		)
		expect(viaReplicate).toMatchObject({ status: 'succeeded', model: 'replicate:nightmareai/real-esrgan' })
		const prediction = [...t.stubs.replicate.predictions.values()].find(p => p.model === 'nightmareai/real-esrgan')
		expect(prediction?.input).toMatchObject({ scale: 4, image: expect.stringMatching(/^data:image\/png;base64,/) })
		const fromParent = await t.services.generations.lineage(user, first)
		expect(fromParent.children.map(c => c.id)).toEqual([up.id, viaReplicate.id])
	})

	test('Image to image: offline mixes the source by strength; OpenAI gets the file, Replicate the strength', async () => {
		const user = await createUser(t.services.db)
		const source = await settled(t.services, user, image('source'))
		const weak = created(
			await t.services.generations.create(user, image('changed', { sourceId: source.id, strength: 0.2, seed: 5 })),
		)
		const strong = created(
			await t.services.generations.create(user, image('changed', { sourceId: source.id, strength: 0.9, seed: 5 })),
		)
		expect(weak).toMatchObject({ parentId: source.id, params: { relation: 'image-to-image', strength: 0.2 } })
		const [w, s] = await Promise.all([settle(t.services, user.id, weak.id), settle(t.services, user.id, strong.id)])
		const raw = async (g: Generation) =>
			sharp(await bytesOf(t.services, g.outputs[0]?.key ?? ''))
				.resize(64, 64)
				.raw()
				.toBuffer()
		const [src, weakPixels, strongPixels] = await Promise.all([raw(source), raw(w), raw(s)])
		const distance = (x: Buffer, y: Buffer) => x.reduce((sum, v, i) => sum + Math.abs(v - (y[i] ?? 0)), 0)
		// The weak one stays closer to its source than the strong one.
		expect(distance(src, weakPixels)).toBeLessThan(distance(src, strongPixels))

		const edits = requestsFrom(t.stubs.openai, 'edits')
		const viaOpenAI = await settled(
			t.services,
			user,
			image('gpt', { model: 'openai:gpt-image-1', sourceId: source.id }),
		)
		expect(viaOpenAI.status, viaOpenAI.error ?? '').toBe('succeeded')
		const edit = edits()[0]
		expect(edit?.form?.image).toMatchObject({ type: 'image/png' })
		expect(edit?.form?.image).toHaveProperty('size', expect.any(Number))

		const viaReplicate = await settled(
			t.services,
			user,
			image('flux', { model: 'replicate:black-forest-labs/flux-dev', sourceId: source.id, strength: 0.3 }),
		)
		expect(viaReplicate.status, viaReplicate.error ?? '').toBe('succeeded')
		const prediction = [...t.stubs.replicate.predictions.values()].find(p => p.input.prompt === 'flux')
		expect(prediction?.input).toMatchObject({
			prompt_strength: 0.3,
			image: expect.stringMatching(/^data:image\/png;base64,/),
		})

		const cannot = await t.services.generations.create(
			user,
			image('schnell', { model: 'replicate:black-forest-labs/flux-schnell', sourceId: source.id }),
		)
		expect(cannot).toMatchObject({
			refused: true,
			status: 400,
			fields: { model: [expect.stringMatching(/cannot start/)] },
		})
	})

	test("another user's image cannot be a source, varied or upscaled", async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const mine = await settled(t.services, owner, image('mine'))
		expect(await t.services.generations.create(other, image('steal', { sourceId: mine.id }))).toMatchObject({
			refused: true,
			status: 404,
		})
		expect(await t.services.generations.vary(other, mine.id)).toMatchObject({ refused: true, status: 404 })
		expect(await t.services.generations.upscale(other, mine.id, { output: 0 })).toMatchObject({
			refused: true,
			status: 404,
		})
	})

	test('over budget, a variation is refused and nothing is queued', async () => {
		const user = await createUser(t.services.db, { monthlyBudgetUsd: 0 })
		const first = await settled(t.services, user, image('free'))
		const first2 = await t.services.generations.create(user, image('paid', { model: 'openai:gpt-image-1' }))
		expect(first2).toMatchObject({ refused: true, status: 402, code: 'budget_exceeded' })
		// Free offline variations are within any budget; a paid model's upscale of it is not (nothing is queued).
		const viaPaid = await t.services.generations.create(
			user,
			image('from source', { model: 'openai:gpt-image-1', sourceId: first.id }),
		)
		expect(viaPaid).toMatchObject({ refused: true, status: 402 })
	})

	test('the gallery pages newest first through a cursor, each image once; deleted ones are left out', async () => {
		const user = await createUser(t.services.db)
		const ids: string[] = []
		for (let i = 0; i < 5; i++) ids.push(created(await t.services.generations.create(user, image(`page ${i}`))).id)
		// Two rows in the same instant: the id breaks the tie.
		await t.services.db.privileged(tx =>
			tx.query('update generations set created_at = (select created_at from generations where id = $1) where id = $2', [
				ids[1],
				ids[2],
			]),
		)
		await t.services.generations.remove(user, ids[4] ?? '')
		const seen: string[] = []
		let cursor: string | null = null
		for (let pages = 0; pages < 10; pages++) {
			const page = await t.services.generations.gallery(user, {
				kind: 'image',
				limit: 2,
				cursor: cursor ? decodeCursor(cursor) : null,
			})
			seen.push(...page.items.map(g => g.id))
			cursor = page.next
			if (!cursor) break
		}
		expect([...seen].sort()).toEqual(ids.slice(0, 4).sort())
		expect(seen.indexOf(ids[3] ?? '')).toBe(0)
		expect(decodeCursor('nonsense')).toBeNull()
		const { newer, older } = await t.services.generations.neighbours(user, { id: ids[3] ?? '', kind: 'image' })
		expect(newer).toBeNull()
		expect(older).toBe(seen[1])
	})

	test('a gallery page ends once it holds maxTiles pictures; the next page starts after it', async () => {
		const user = await createUser(t.services.db)
		const ids: string[] = []
		for (const n of [4, 1, 3, 2])
			ids.push(created(await t.services.generations.create(user, image(`tiles ${n}`, { n }))).id)
		const newest = [...ids].reverse()
		// 2 + 3 = 5 pictures fit in 6; the next run of 1 would still fit, the run of 4 after it would not.
		const first = await t.services.generations.gallery(user, { kind: 'image', limit: 24, maxTiles: 6 })
		expect(first.items.map(g => g.id)).toEqual(newest.slice(0, 3))
		expect(first.next).not.toBeNull()
		const second = await t.services.generations.gallery(user, {
			kind: 'image',
			limit: 24,
			maxTiles: 2,
			cursor: decodeCursor(first.next ?? ''),
		})
		// A run larger than the page is still shown, alone.
		expect(second.items.map(g => g.id)).toEqual([ids[0]])
		expect(second.next).toBeNull()
	})

	test('purging a deleted image removes its thumbnails with it', async () => {
		const user = await createUser(t.services.db)
		const done = await settled(t.services, user, image('to purge'))
		const keys = [done.outputs[0]?.key ?? '', ...(done.outputs[0]?.thumbnails ?? []).map(t => t.key)]
		expect(keys).toHaveLength(3)
		expect(await t.services.generations.remove(user, done.id)).toBe(true)
		await t.services.db.privileged(tx =>
			tx.query(`update generations set deleted_at = now() - interval '1 hour' where id = $1`, [done.id]),
		)
		await t.services.generations.purge(done.id)
		for (const key of keys) await expect(t.services.storage.get('media', key)).rejects.toThrow()
	})
})
