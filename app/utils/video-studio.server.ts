/**
 * The video studio's data: the models with the fields each takes, the user's recent clips (the jobs list), the
 * images a clip may start from, and the values the form starts from — a source image (`?source=`, from an
 * image's "Make a video"), or the form itself sent back by GET when the model changes without JavaScript.
 */
import type { AppLoadContext } from '@remix-run/node'
import * as v from 'valibot'
import type { Actor } from '#server/domain/generations/index.ts'
import { videoModels } from '#server/domain/generations/index.ts'
import { PENDING_STATUSES } from '#server/domain/generations/schema.ts'
import { VIDEO_FORM_FIELDS, type VideoFormValues } from '#app/components/video/types.ts'
import { galleryItem } from './image-studio.server.ts'
import { inputRefusal, readQuery } from './input.server.ts'
import { parseWith } from './validation.server.ts'

type Services = AppLoadContext['services']

const uuid = v.pipe(v.string(), v.uuid('That is not an image of yours.'))
const QuerySchema = v.object({
	source: v.optional(uuid),
	image: v.optional(v.pipe(v.string(), v.regex(/^[0-3]$/, 'Pick image 1 to 4.'))),
})

export async function videoStudioData(request: Request, services: Services, user: Actor) {
	const query = readQuery(request)
	const parsed = parseWith(QuerySchema, { source: query.source, image: query.image })
	if (!parsed.ok) {
		const message = Object.values(parsed.fields)[0]?.[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, parsed.fields)
	}
	const { generations, providers } = services
	const values: VideoFormValues = {}
	for (const name of VIDEO_FORM_FIELDS) if (query[name]) values[name] = query[name]
	if (parsed.value.source) {
		values.sourceId = parsed.value.source
		values.sourceIndex = parsed.value.image ?? '0'
	}
	const [recent, images] = await Promise.all([
		generations.list(user, { kind: 'video', limit: 24 }),
		generations.gallery(user, { kind: 'image', cursor: null, limit: 12 }),
	])
	const jobs = await Promise.all(recent.map(async g => ({ ...g, outputs: await generations.withUrls(g) })))
	const library = await Promise.all(
		images.items.filter(g => g.status === 'succeeded').map(g => galleryItem(services, g)),
	)
	let source: { id: string; index: number; item: Awaited<ReturnType<typeof galleryItem>> } | null = null
	if (values.sourceId) {
		const found = await generations.get(user, values.sourceId)
		if (!('refused' in found) && found.kind === 'image' && found.status === 'succeeded') {
			const index = Math.min(Number(values.sourceIndex ?? 0) || 0, Math.max(found.outputs.length - 1, 0))
			source = { id: found.id, index, item: await galleryItem(services, found) }
			values.sourceIndex = String(index)
			values.prompt ??= found.prompt
		} else {
			delete values.sourceId
			delete values.sourceIndex
		}
	}
	const models = videoModels(providers)
	let defaultModel = models[0]?.id ?? ''
	try {
		defaultModel = providers.defaultModel('video').id
	} catch {
		// no video model here: the form says so
	}
	// Starting from an image needs a model that takes one.
	if (source && !models.find(m => m.id === (values.model ?? defaultModel))?.inputImage) {
		defaultModel = models.find(m => m.inputImage)?.id ?? defaultModel
		if (values.model) values.model = defaultModel
	}
	return {
		models,
		defaultModel,
		values,
		source,
		library,
		jobs,
		pending: jobs.some(j => PENDING_STATUSES.includes(j.status)),
		// A fresh key per rendered form: submitting the same form twice creates one generation.
		idempotencyKey: crypto.randomUUID(),
	}
}
