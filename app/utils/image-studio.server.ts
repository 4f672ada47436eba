/**
 * The image studio's data: the models with the fields each takes, one gallery page, and the values the form
 * starts from — a recalled generation (`?from=`), a source image (`?source=`), or the form itself sent back by
 * GET when the model changes without JavaScript — and the generations the gallery and detail pages show.
 */
import type { AppLoadContext } from '@remix-run/node'
import * as v from 'valibot'
import type { Actor, Generation } from '#server/domain/generations/index.ts'
import { decodeCursor, imageModels, relationOf, upscalers } from '#server/domain/generations/index.ts'
import { PENDING_STATUSES } from '#server/domain/generations/schema.ts'
import type { GalleryItem, ImageFormValues, SourceImage } from '#app/components/images/types.ts'
import { FORM_FIELDS } from '#app/components/images/types.ts'
import { inputRefusal, readQuery } from './input.server.ts'
import { parseWith } from './validation.server.ts'

type Services = AppLoadContext['services']

/**
 * Pictures on one gallery page: about ten rows on a laptop, and the page renders in well under 30 ms with 200 images
 * stored (`npm run bench -- images`); older ones are a link away.
 */
const GALLERY_TILES = 48

const uuid = v.pipe(v.string(), v.uuid('That is not a generation of yours.'))
const QuerySchema = v.object({
	cursor: v.optional(v.string()),
	from: v.optional(uuid),
	source: v.optional(uuid),
	image: v.optional(v.pipe(v.string(), v.regex(/^[0-3]$/, 'Pick image 1 to 4.'))),
})

/** A generation as the gallery shows it, with signed URLs for its outputs and their thumbnails. */
export async function galleryItem(
	services: Services,
	g: Generation,
	options: { download?: boolean; tile?: boolean } = {},
): Promise<GalleryItem> {
	// Only what a tile shows: every field here is in the page's HTML twice (markup and loader data).
	const outputs = (await services.generations.withUrls(g, options.download ? { download: true } : {})).map(o => ({
		// A tile shows only the copies: its original's address would be one more signed URL per picture, unused.
		url: (options.tile ? o.thumbnails?.[0]?.url : undefined) ?? o.url,
		kind: o.kind,
		contentType: o.contentType,
		...(o.width && o.height ? { width: o.width, height: o.height } : {}),
		...(o.downloadUrl ? { downloadUrl: o.downloadUrl } : {}),
		...(o.thumbnails ? { thumbnails: o.thumbnails.map(t => ({ url: t.url, width: t.width, height: t.height })) } : {}),
	}))
	return {
		id: g.id,
		prompt: g.prompt,
		status: g.status,
		error: g.error,
		model: g.model,
		n: typeof g.params.n === 'number' ? g.params.n : 1,
		aspect: aspectOfSize(g.params.size),
		relation: relationOf(g).relation ?? null,
		createdAt: g.createdAt,
		startedAt: g.startedAt,
		outputs,
	}
}

function aspectOfSize(size: unknown): number {
	const match = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null
	return match ? Number(match[1]) / Number(match[2]) : 1
}

/** The settings of a generation as form values ("Use these settings"). */
function recalled(g: Generation): ImageFormValues {
	const values: ImageFormValues = { prompt: g.prompt, model: g.model }
	for (const name of FORM_FIELDS) {
		const value = g.params[name]
		if (name !== 'prompt' && name !== 'model' && (typeof value === 'string' || typeof value === 'number')) {
			values[name] = String(value)
		}
	}
	return values
}

export async function imageStudioData(request: Request, services: Services, user: Actor) {
	const query = readQuery(request)
	const parsed = parseWith(QuerySchema, query)
	if (!parsed.ok) {
		const message = Object.values(parsed.fields)[0]?.[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, parsed.fields)
	}
	const { generations, providers } = services
	const cursor = parsed.value.cursor ? decodeCursor(parsed.value.cursor) : null
	if (parsed.value.cursor && !cursor)
		throw inputRefusal(400, 'invalid_query', 'That page of the gallery does not exist.')

	// The form starts from a recalled generation, then what the address says (a model change sends the form by GET).
	let values: ImageFormValues = {}
	if (parsed.value.from) {
		const from = await generations.get(user, parsed.value.from)
		if (!('refused' in from) && from.kind === 'image') values = recalled(from)
	}
	for (const name of FORM_FIELDS) if (query[name] !== undefined) values[name] = query[name]
	if (parsed.value.source) {
		values.sourceId = parsed.value.source
		values.sourceIndex = parsed.value.image ?? '0'
	}

	let source: SourceImage | null = null
	if (values.sourceId) {
		const found = await generations.get(user, values.sourceId)
		if (!('refused' in found) && found.kind === 'image' && found.status === 'succeeded') {
			const index = Math.min(Number(values.sourceIndex ?? 0) || 0, Math.max(found.outputs.length - 1, 0))
			source = { id: found.id, index, item: await galleryItem(services, found) }
			values.prompt ??= found.prompt
		} else {
			delete values.sourceId
			delete values.sourceIndex
		}
	}

	const models = imageModels(providers)
	const page = await generations.gallery(user, { kind: 'image', cursor, limit: GALLERY_TILES, maxTiles: GALLERY_TILES })
	const items = await Promise.all(page.items.map(g => galleryItem(services, g, { tile: true })))
	let defaultModel = models[0]?.id ?? ''
	try {
		defaultModel = providers.defaultModel('image').id
	} catch {
		// no image model here: the form says so
	}
	if (source && !models.find(m => m.id === (values.model ?? defaultModel))?.inputImage) {
		defaultModel = models.find(m => m.inputImage)?.id ?? defaultModel
		if (values.model && !models.find(m => m.id === values.model)?.inputImage) values.model = defaultModel
	}
	return {
		models,
		defaultModel,
		values,
		source,
		gallery: { items, next: page.next, first: !cursor },
		pending: items.some(i => PENDING_STATUSES.includes(i.status)),
		// A fresh key per rendered form: submitting the same form twice creates one generation.
		idempotencyKey: crypto.randomUUID(),
	}
}

/** What an image's page adds to the generation: lineage, neighbours, upscalers and the download link. */
export async function imageDetailData(services: Services, user: Actor, g: Generation) {
	const { generations } = services
	const [lineage, neighbours] = await Promise.all([generations.lineage(user, g), generations.neighbours(user, g)])
	const [parent, children] = await Promise.all([
		lineage.parent ? galleryItem(services, lineage.parent) : null,
		Promise.all(lineage.children.map(c => galleryItem(services, c))),
	])
	return {
		parent,
		children,
		neighbours,
		upscalers: upscalers(services.providers),
		models: imageModels(services.providers),
		idempotencyKey: crypto.randomUUID(),
	}
}
