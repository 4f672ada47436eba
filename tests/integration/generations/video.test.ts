/**
 * The video studio on the generation pipeline, with everything real but the vendors (PGlite and, with
 * DATABASE_URL, Postgres): requests fitted to their model (length, aspect, resolution), a poster frame made with
 * ffmpeg at store time, image to video with its parent and the source image sent to Replicate's real SDK, and
 * the refusals (another user's image, a value the model cannot make).
 */
import sharp from 'sharp'
import { describe, expect, test } from 'vitest'
import type { GenerationRequest } from '#server/domain/generations/schema.ts'
import { startReplicateStub } from '#tests/fixtures/replicate-stub.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { settle, settled, bytesOf, created, finishedImage } from '#tests/support/generations.ts'
import { replicateEnv, useTestServices } from '#tests/support/suite-services.ts'

type VideoRequest = Extract<GenerationRequest, { kind: 'video' }>

const video = (prompt: string, extra: Partial<VideoRequest> = {}): VideoRequest => ({
	kind: 'video',
	prompt,
	model: 'offline:video',
	...extra,
})

describe.each(testDrivers())('the video studio on %s', driver => {
	const t = useTestServices(driver, {
		stubs: {
			replicate: () => startReplicateStub({ lifecycle: { startingMs: 20, processingMs: 50, outcome: 'succeeded' } }),
		},
		env: stubs => ({
			...replicateEnv(stubs.replicate),
			PROVIDER_TIMEOUT_SECONDS: '5',
			RATE_LIMITS: 'generation=1000/60',
		}),
	})

	test('a clip is stored with a poster: its first frame as WebP copies with the pixel size', async () => {
		const user = await createUser(t.services.db)
		const g = created(await t.services.generations.create(user, video('waves')))
		// Blank fields became the model's defaults, stored so the page says what was made.
		expect(g.params).toMatchObject({ durationSeconds: 3, aspect: '16:9', resolution: '480p' })
		const done = await settle(t.services, user.id, g.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		const output = done.outputs[0]
		expect(output).toMatchObject({ kind: 'video', contentType: 'video/mp4' })
		expect(output?.width).toBeGreaterThan(0)
		expect(output?.height).toBeGreaterThan(0)
		expect(output?.thumbnails?.length).toBeGreaterThan(0)
		for (const thumbnail of output?.thumbnails ?? []) {
			const meta = await sharp(await bytesOf(t.services, thumbnail.key)).metadata()
			expect(meta).toMatchObject({ format: 'webp', width: thumbnail.width, height: thumbnail.height })
		}
		const [viewable] = await t.services.generations.withUrls(done, { download: true })
		expect(viewable?.thumbnails?.at(-1)?.url).toMatch(/^\/media\/media\/.+\.webp\?/)
	})

	test('a file ffmpeg cannot read is still stored, without a poster', async () => {
		const user = await createUser(t.services.db)
		// The stub's MP4 is a bare header: a sniffer takes it, no decoder can.
		const g = created(await t.services.generations.create(user, video('stub', { model: 'replicate:minimax/video-01' })))
		const done = await settle(t.services, user.id, g.id)
		expect(done.status, done.error ?? '').toBe('succeeded')
		expect(done.outputs[0]?.kind).toBe('video')
		expect(done.outputs[0]?.thumbnails).toBeUndefined()
	})

	test('a length, aspect or resolution the model cannot make is refused on its field', async () => {
		const user = await createUser(t.services.db)
		const cases: Array<[Partial<VideoRequest>, string]> = [
			[{ durationSeconds: 4 }, 'durationSeconds'],
			[{ aspect: '4:3' }, 'aspect'],
			[{ resolution: '1080p' }, 'resolution'],
			[{ model: 'replicate:minimax/video-01', durationSeconds: 5 }, 'durationSeconds'],
		]
		for (const [extra, field] of cases) {
			const result = await t.services.generations.create(user, video('no', extra))
			expect('refused' in result && result.status).toBe(400)
			expect('refused' in result ? Object.keys(result.fields ?? {}) : []).toEqual([field])
		}
		const minimax = created(
			await t.services.generations.create(user, video('six', { model: 'replicate:minimax/video-01' })),
		)
		expect(minimax.params).toMatchObject({ durationSeconds: 6, aspect: '16:9', resolution: '720p' })
	})

	test('image to video: the parent is the image, the relation is stored, Replicate gets the first frame', async () => {
		const user = await createUser(t.services.db)
		const source = await finishedImage(t.services, user, 'a lighthouse', { size: '512x512' })
		const offline = created(await t.services.generations.create(user, video('from it', { sourceId: source.id })))
		expect(offline.parentId).toBe(source.id)
		expect(offline.params).toMatchObject({ relation: 'image-to-video', sourceId: source.id, sourceIndex: 0 })
		expect((await settle(t.services, user.id, offline.id)).status).toBe('succeeded')
		const lineage = await t.services.generations.lineage(user, source)
		expect(lineage.children.map(c => c.id)).toContain(offline.id)

		const before = t.stubs.replicate.requests.length
		const sent = created(
			await t.services.generations.create(
				user,
				video('from it', { model: 'replicate:minimax/video-01', sourceId: source.id }),
			),
		)
		expect((await settle(t.services, user.id, sent.id)).status).toBe('succeeded')
		const create = t.stubs.replicate.requests
			.slice(before)
			.find(r => r.method === 'POST' && typeof (r.json as { input?: unknown })?.input === 'object')
		const input = (create?.json as { input: Record<string, unknown> }).input
		expect(input.first_frame_image).toMatch(/^data:image\/png;base64,/)
		expect(input.duration).toBe(6)
	})

	test("another user's image, or a generation that is not an image, cannot be a first frame", async () => {
		const owner = await createUser(t.services.db)
		const other = await createUser(t.services.db)
		const theirs = await settled(t.services, owner, video('mine'))
		const refused = await t.services.generations.create(other, video('steal', { sourceId: theirs.id }))
		expect('refused' in refused && refused.status).toBe(404)
		const notImage = await t.services.generations.create(owner, video('clip of a clip', { sourceId: theirs.id }))
		expect('refused' in notImage && notImage.status).toBe(409)
	})
})
