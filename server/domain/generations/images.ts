/**
 * The image studio's rules on top of the generation pipeline: a request fitted to what its model takes (fields
 * it does not take are dropped, values it cannot make are refused, a blank seed becomes a stored random one),
 * the source image of image-to-image and upscales checked as the user and read back by the worker, and the
 * requests behind "Vary" and "Upscale".
 */
import { randomInt } from 'node:crypto'
import type { Db, Tx } from '#server/db/index.ts'
import { PLAIN_IMAGE_OPTIONS, type ModelInfo, type Prices } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { BinaryInput, Capability, ProviderName } from '#server/providers/types.ts'
import { maskAsAlpha } from '#server/media/images.ts'
import type { Storage } from '#server/storage/index.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { formatUsd } from '../usage/money.ts'
import {
	DEFAULT_STRENGTH,
	IMAGE_SIZE_LABELS,
	IMAGE_SIZES,
	type ImageGenerationRequest,
	type ImageModelView,
	type ImageSizeChoice,
	type ModelView,
	type UpscalerView,
} from './schema.ts'
export type { Relation } from './schema.ts'
import { loadGeneration, type Generation } from './rows.ts'

const MAX_SEED = 2_147_483_647

export function randomSeed(): number {
	return randomInt(0, MAX_SEED)
}

/** "a, b or c" */
export function list(values: readonly string[]): string {
	return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`
}

/** A refusal of one field of the form, its message shown beside that field. */
export function refuseField(name: string, message: string): Refusal {
	return refuse(400, 'invalid_request', message, { fields: { [name]: [message] } })
}

/** What every fitted request keeps as asked, first: its kind and prompt, on the model's own id. */
export function requestStart<Kind extends string>(kind: Kind, request: { prompt: string }, model: ModelInfo) {
	return { kind, prompt: request.prompt, model: model.id }
}

/** A request that starts from an image needs a model that can (`takesImage`: its options' `inputImage`). */
export function refuseSource(model: ModelInfo, takesImage: boolean, request: SourceRef): Refusal | null {
	if (!request.sourceId || takesImage) return null
	return refuseField('model', `${model.displayName} cannot start from an image; pick a model that can.`)
}

/**
 * The request as the model will get it. Generating: the size, count, quality and style must be ones the model
 * offers; a seed, negative prompt, quality or style it does not take is dropped; a blank seed becomes a random
 * one (stored, so the page shows it and "Run again" repeats it); a source image needs a model that starts
 * from one. Upscaling: only the source and a scale the upscaler offers remain.
 */
export function fitImageRequest(model: ModelInfo, request: ImageGenerationRequest): ImageGenerationRequest | Refusal {
	/** Upscaling and editing keep only the source (one image of it) and what their own operation takes. */
	const fromSource = (sourceId: string): ImageGenerationRequest => ({
		kind: request.kind,
		prompt: request.prompt,
		operation: request.operation,
		model: model.id,
		size: request.size,
		n: 1,
		sourceId,
		sourceIndex: request.sourceIndex ?? 0,
	})
	if (request.operation === 'upscale') {
		if (!request.sourceId) return refuseField('sourceId', 'Pick the image to upscale.')
		const scales = model.upscale?.scales ?? [2]
		const scale = request.scale ?? scales[0] ?? 2
		if (!scales.includes(scale))
			return refuseField('scale', `${model.displayName} upscales by ${list(scales.map(s => `${s}×`))}.`)
		return { ...fromSource(request.sourceId), scale }
	}
	if (request.operation === 'edit') {
		if (!request.sourceId) return refuseField('sourceId', 'Pick the image to edit.')
		if (!request.maskKey) return refuseField('mask', 'Paint or upload a mask: white where the image should change.')
		const edit: ImageGenerationRequest = { ...fromSource(request.sourceId), maskKey: request.maskKey }
		if (request.seed !== undefined) edit.seed = request.seed
		return edit
	}
	const options = model.image ?? PLAIN_IMAGE_OPTIONS
	if (!options.sizes.includes(request.size)) {
		const sizes = options.sizes.map(s => `${IMAGE_SIZE_LABELS[s as keyof typeof IMAGE_SIZE_LABELS] ?? s} (${s})`)
		return refuseField('size', `${model.displayName} makes these sizes: ${list(sizes)}.`)
	}
	if (request.n > options.maxImages) {
		const most = options.maxImages === 1 ? 'one image' : `at most ${options.maxImages} images`
		return refuseField('n', `${model.displayName} makes ${most} per request.`)
	}
	if (request.quality && options.qualities && !options.qualities.includes(request.quality)) {
		return refuseField('quality', `${model.displayName} offers the qualities ${list(options.qualities)}.`)
	}
	if (request.style && options.styles && !options.styles.includes(request.style)) {
		return refuseField('style', `${model.displayName} offers the styles ${list(options.styles)}.`)
	}
	const sourceRefused = refuseSource(model, options.inputImage, request)
	if (sourceRefused) return sourceRefused
	const fitted: ImageGenerationRequest = { ...requestStart('image', request, model), size: request.size, n: request.n }
	if (options.seed) fitted.seed = request.seed ?? randomSeed()
	if (options.negativePrompt && request.negativePrompt) fitted.negativePrompt = request.negativePrompt
	if (options.qualities && request.quality) fitted.quality = request.quality
	if (options.styles && request.style) fitted.style = request.style
	if (request.sourceId) {
		fitted.sourceId = request.sourceId
		fitted.sourceIndex = request.sourceIndex ?? 0
		fitted.strength = request.strength ?? DEFAULT_STRENGTH
	}
	return fitted
}

/** The image a request starts from (image to image, upscale, image to video): a generation and which of its images. */
export type SourceRef = { sourceId?: string | undefined; sourceIndex?: number | undefined }

/** The source of a request must be the user's own finished image (checked as the user, under RLS). */
export async function checkSource(tx: Tx, request: SourceRef): Promise<Refusal | null> {
	if (!request.sourceId) return null
	const source = await loadGeneration(tx, request.sourceId)
	const message = 'That source image does not exist, or it is not yours.'
	if (!source) return refuse(404, 'source_not_found', message, { fields: { sourceId: [message] } })
	const output = source.outputs[request.sourceIndex ?? 0]
	if (source.status !== 'succeeded' || output?.kind !== 'image') {
		const why = 'That generation has no finished image to start from.'
		return refuse(409, 'source_not_ready', why, { fields: { sourceId: [why] } })
	}
	return null
}

/** The request behind "Vary": the same settings with a new seed (an upscale has none to vary). */
export function variationOf(request: ImageGenerationRequest): ImageGenerationRequest | Refusal {
	if (request.operation === 'upscale' || request.operation === 'edit') {
		const what = request.operation === 'upscale' ? 'An upscale' : 'An inpainting'
		return refuse(400, 'not_variable', `${what} has no settings to vary; vary the image it was made from.`)
	}
	let seed = randomSeed()
	while (seed === request.seed) seed = randomSeed()
	return { ...request, seed }
}

/** The request behind "Upscale" for one image of a generation. */
export function upscaleOf(
	source: Pick<Generation, 'id' | 'prompt'>,
	options: { output: number; model?: string | undefined; scale?: 2 | 4 | undefined },
): ImageGenerationRequest {
	return {
		kind: 'image',
		operation: 'upscale',
		prompt: source.prompt,
		size: '1024x1024',
		n: 1,
		sourceId: source.id,
		sourceIndex: options.output,
		...(options.model ? { model: options.model } : {}),
		...(options.scale ? { scale: options.scale } : {}),
	}
}

/** The worker's read of a source image (privileged): the owner's file, or null when it is gone. */
export async function readSource(
	db: Db,
	storage: Storage,
	owner: string,
	request: SourceRef,
): Promise<BinaryInput | null> {
	const { sourceId } = request
	if (!sourceId) return null
	// A source deleted after the request was made is still there during its undo window.
	const source = await db.privileged(tx => loadGeneration(tx, sourceId, { includeDeleted: true }))
	const output = source?.userId === owner ? source.outputs[request.sourceIndex ?? 0] : undefined
	if (!output || output.kind !== 'image') return null
	try {
		const file = await storage.get(output.bucket, output.key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		return { data: new Uint8Array(Buffer.concat(chunks)), contentType: file.contentType }
	} catch {
		return null
	}
}

/**
 * The worker's read of an edit's mask: the owner's own file only. Ours are white where the image changes; OpenAI
 * wants the opposite convention (transparent where it changes), so its copy is turned into an alpha mask.
 */
export async function readMask(
	storage: Storage,
	owner: string,
	key: string | undefined,
	provider: ProviderName,
): Promise<BinaryInput | null> {
	if (!key?.startsWith(`${owner}/`)) return null
	try {
		const file = await storage.get('media', key)
		const chunks: Buffer[] = []
		for await (const chunk of file.body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
		const data = new Uint8Array(Buffer.concat(chunks))
		if (provider === 'openai') return { data: await maskAsAlpha(data), contentType: 'image/png' }
		return { data, contentType: 'image/png' }
	} catch {
		return null
	}
}

/** A model's price in words: per image, per second of compute, or free. */
export function priceLabel(prices: Prices): string {
	if (prices.image) return `${formatUsd(prices.image)} / image`
	if (prices.second) return `${formatUsd(prices.second)} / second of GPU time`
	return 'Free'
}

/** The models a studio's form offers: available here and able to `capability`, each as its form shows it. */
export function offeredModels<T>(
	providers: Pick<ProviderRegistry, 'list'>,
	capability: Capability,
	price: (prices: Prices) => string,
	fields: (model: ModelInfo) => T,
): Array<ModelView & T> {
	return providers
		.list()
		.filter(m => m.available && m.capabilities.includes(capability))
		.map(m => ({ id: m.id, name: m.displayName, description: m.description, price: price(m.prices), ...fields(m) }))
}

/** The models the image form offers (available here, able to make images), with what each takes. */
export function imageModels(providers: Pick<ProviderRegistry, 'list'>): ImageModelView[] {
	return offeredModels(providers, 'image', priceLabel, m => {
		const o = m.image ?? PLAIN_IMAGE_OPTIONS
		return {
			perImageMicros: m.prices.image ?? (m.prices.second ? null : 0),
			sizes: IMAGE_SIZES.filter(s => o.sizes.includes(s)) as ImageSizeChoice[],
			maxImages: o.maxImages,
			seed: o.seed,
			negativePrompt: o.negativePrompt,
			qualities: [...(o.qualities ?? [])],
			styles: [...(o.styles ?? [])],
			inputImage: o.inputImage,
		}
	})
}

/** The upscalers available here, vendors' first (the default is the first). */
export function upscalers(providers: Pick<ProviderRegistry, 'list'>): UpscalerView[] {
	return providers
		.list()
		.filter(m => m.available && m.capabilities.includes('upscale'))
		.sort((a, b) => Number(a.provider === 'offline') - Number(b.provider === 'offline'))
		.map(m => ({ id: m.id, name: m.displayName, price: priceLabel(m.prices), scales: [...(m.upscale?.scales ?? [2])] }))
}
