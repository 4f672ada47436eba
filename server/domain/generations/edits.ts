/**
 * The canvas editor's actions on one image (`/generations/:id/edit`): inpaint (a mask and a prompt to a model
 * that edits images, queued as an ordinary generation), crop and "save as new image" (made here with sharp and
 * stored at once as a finished generation). Each result is a new generation whose parent is the source; the
 * source itself is never changed. Uploaded files are judged by their bytes, never by their names.
 */
import type { Db } from '#server/db/index.ts'
import {
	centredAspect,
	cropImage,
	imageSize,
	maskCoverage,
	normalizeMask,
	type CropRect,
} from '#server/media/images.ts'
import type { MediaOutput } from '#server/providers/types.ts'
import type { Storage } from '#server/storage/index.ts'
import { sniff } from '#server/storage/sniff.ts'
import { refuse, type Refusal } from '../refusal.ts'
import type { Actor } from '../actor.ts'
import { readSource } from './images.ts'
import { COLUMNS, toGeneration, type Generation, type GenerationOutput, type Row } from './rows.ts'
import type { CROP_ASPECTS, VideoGenerationRequest } from './schema.ts'
import { resolveModel } from '../models/resolve.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { createHash } from 'node:crypto'

type Made = { generation: Generation; replayed: boolean } | Refusal

export type EditDeps = {
	db: Db
	storage: Storage
	providers: ProviderRegistry
	finishedImage: (actor: Actor, id: string) => Promise<Generation | Refusal>
	/** Starts a clip (`/video`), as the studio's form does. */
	createVideo: (
		actor: Actor,
		request: VideoGenerationRequest,
		options: { idempotencyKey: string | null },
	) => Promise<Made>
	create: (
		actor: Actor,
		request: {
			kind: 'image'
			prompt: string
			operation: 'edit'
			model?: string
			size: '1024x1024'
			n: 1
			sourceId: string
			sourceIndex: number
			maskKey: string
			seed?: number
		},
		options: { parentId: string; relation: 'edit' },
	) => Promise<Made>
	storeOutputs: (userId: string, outputs: MediaOutput[]) => Promise<GenerationOutput[]>
}

const field = (name: string, status: 400 | 413, message: string) =>
	refuse(status, 'invalid_upload', message, { fields: { [name]: [message] } })

/** An uploaded file that must be an image (by its bytes), with its pixel size. */
async function uploadedImage(name: string, data: Uint8Array | undefined) {
	if (!data || data.length === 0) return field(name, 400, 'Choose an image file.')
	const type = sniff(data)
	if (type.kind !== 'image' || type.mime === 'image/svg+xml') {
		return field(name, 400, 'That file is not an image (PNG, JPEG, WebP or GIF); nothing was changed.')
	}
	const size = await imageSize(data)
	if (!size) return field(name, 400, 'That image could not be read; nothing was changed.')
	return { data, size }
}

export function createEdits(deps: EditDeps) {
	const { db, storage } = deps

	/** The source: the user's own finished image, its bytes and pixel size. */
	async function sourceOf(actor: Actor, id: string, output: number) {
		const source = await deps.finishedImage(actor, id)
		if ('refused' in source) return source
		if (source.outputs[output]?.kind !== 'image') return refuse(404, 'not_found', 'That image does not exist.')
		const image = await readSource(db, storage, actor.id, { sourceId: id, sourceIndex: output })
		const size = image ? await imageSize(image.data) : null
		if (!image || !size) return refuse(409, 'source_unreadable', 'The source image could not be read.')
		return { source, data: image.data, size }
	}

	/** A finished image made here (no provider) stored at once as a generation, with its parent if it has one. */
	async function storeImage(
		actor: Actor,
		data: Uint8Array,
		row: { prompt: string; params: Record<string, unknown>; provider?: string; model?: string; parentId?: string },
	): Promise<Generation> {
		const outputs = await deps.storeOutputs(actor.id, [{ kind: 'bytes', data, contentType: sniff(data).mime }])
		const generation = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<Row>(
				`insert into public.generations (user_id, kind, status, provider, model, prompt, params, parent_id)
				 values ($1, 'image', 'succeeded', $2, $3, $4, $5, $6) returning id`,
				[
					actor.id,
					row.provider ?? 'offline',
					row.model ?? 'offline:image',
					row.prompt,
					JSON.stringify(row.params),
					row.parentId ?? null,
				],
			)
			return rows[0]?.id
		})
		// The outputs and times are the server's to write (not granted to users).
		return db.privileged(async tx => {
			const { rows } = await tx.query<Row>(
				`update public.generations set outputs = $2, started_at = now(), completed_at = now()
				 where id = $1 returning ${COLUMNS}`,
				[generation, JSON.stringify(outputs)],
			)
			return toGeneration(rows[0] as Row)
		})
	}

	/** A finished generation made here (no provider), stored at once with its parent. */
	async function storeLocal(
		actor: Actor,
		source: Generation,
		output: number,
		data: Uint8Array,
		params: Record<string, unknown>,
	): Promise<Made> {
		const generation = await storeImage(actor, data, {
			prompt: source.prompt,
			provider: source.provider,
			model: source.model,
			parentId: source.id,
			params: { ...params, local: true, capability: 'image', sourceId: source.id, sourceIndex: output },
		})
		return { generation, replayed: false }
	}

	/** Inpaint: the mask (resized to the image when it differs) stored, then an edit queued as a child. */
	async function inpaint(
		actor: Actor,
		id: string,
		input: { output: number; prompt: string; model?: string | undefined; seed?: number | undefined; mask?: Uint8Array },
	): Promise<Made> {
		const found = await sourceOf(actor, id, input.output)
		if ('refused' in found) return found
		const mask = await uploadedImage('mask', input.mask)
		if ('refused' in mask) return mask
		const fitted = await normalizeMask(mask.data, found.size.width, found.size.height)
		if ((await maskCoverage(fitted)) === 0) {
			return field('mask', 400, 'The mask is all black: paint (or upload) white where the image should change.')
		}
		const saved = await storage.put({ bucket: 'media', userId: actor.id, data: fitted, contentType: 'image/png' })
		const made = await deps.create(
			actor,
			{
				kind: 'image',
				prompt: input.prompt,
				operation: 'edit',
				...(input.model ? { model: input.model } : {}),
				size: '1024x1024',
				n: 1,
				sourceId: id,
				sourceIndex: input.output,
				maskKey: saved.key,
				...(input.seed !== undefined ? { seed: input.seed } : {}),
			},
			{ parentId: id, relation: 'edit' },
		)
		// Nothing was queued (a wrong model, the rate limit, the budget): the mask is not kept.
		if ('refused' in made) await storage.remove('media', [saved.key]).catch(() => undefined)
		return made
	}

	/** Crop: a rectangle (inside the image) or the largest centred one of a preset shape, cut with sharp. */
	async function crop(
		actor: Actor,
		id: string,
		input: {
			output: number
			aspect?: (typeof CROP_ASPECTS)[number] | undefined
			x?: number | undefined
			y?: number | undefined
			width?: number | undefined
			height?: number | undefined
		},
	): Promise<Made> {
		const found = await sourceOf(actor, id, input.output)
		if ('refused' in found) return found
		const { size } = found
		let rect: CropRect
		if (input.width !== undefined && input.height !== undefined) {
			rect = { x: input.x ?? 0, y: input.y ?? 0, width: input.width, height: input.height }
			if (rect.x + rect.width > size.width || rect.y + rect.height > size.height) {
				const message = `The rectangle must fit inside the image (${size.width} × ${size.height} pixels).`
				return refuse(400, 'invalid_request', message, { fields: { width: [message] } })
			}
		} else if (input.aspect) {
			const [w, h] = input.aspect.split(':').map(Number)
			rect = centredAspect(size, { w: w ?? 1, h: h ?? 1 })
		} else {
			const message = 'Give a width and height, or pick a shape.'
			return refuse(400, 'invalid_request', message, { fields: { width: [message] } })
		}
		if (rect.width === size.width && rect.height === size.height) {
			const message = 'That crop keeps the whole image; make the rectangle smaller.'
			return refuse(400, 'invalid_request', message, { fields: { width: [message] } })
		}
		const data = await cropImage(found.data, rect)
		return storeLocal(actor, found.source, input.output, data, { operation: 'crop', relation: 'crop', crop: rect })
	}

	/** "Save as new image": the editor's flattened picture (any image file) stored as a child of the source. */
	async function saveAsNew(actor: Actor, id: string, input: { output: number; image?: Uint8Array }): Promise<Made> {
		const found = await sourceOf(actor, id, input.output)
		if ('refused' in found) return found
		const image = await uploadedImage('image', input.image)
		if ('refused' in image) return image
		return storeLocal(actor, found.source, input.output, image.data, { operation: 'canvas', relation: 'canvas' })
	}

	function defaultImageModel(): { provider: string; model: string } {
		try {
			const model = deps.providers.defaultModel('image')
			return { provider: model.provider, model: model.id }
		} catch {
			return { provider: 'offline', model: 'offline:image' }
		}
	}

	/**
	 * Image to video from an uploaded picture (`/video`, "or upload one"): the model must take a first frame (checked
	 * before anything is stored), the file must be an image by its bytes; it joins the library as an image of its own
	 * (`operation: 'upload'`, found again by its SHA-256, so a form sent twice stores it once), and the clip is made
	 * from it as image to video from the library is.
	 */
	async function videoFromUpload(
		actor: Actor,
		request: VideoGenerationRequest,
		file: Uint8Array | undefined,
		options: { idempotencyKey: string | null },
	): Promise<Made> {
		const model = resolveModel(deps.providers, request.model, 'video')
		if ('refused' in model) return model
		if (!model.video?.inputImage) {
			return field('sourceFile', 400, `${model.displayName} starts from text only; pick a model that takes an image.`)
		}
		const image = await uploadedImage('sourceFile', file)
		if ('refused' in image) return image
		const sha256 = createHash('sha256').update(image.data).digest('hex')
		const known = await db.asUser(actor.id, async tx => {
			const { rows } = await tx.query<{ id: string }>(
				`select id from public.generations
				 where kind = 'image' and status = 'succeeded' and deleted_at is null
				   and params->>'operation' = 'upload' and params->>'sha256' = $1
				 order by created_at desc limit 1`,
				[sha256],
			)
			return rows[0]?.id ?? null
		})
		const sourceId =
			known ??
			(
				await storeImage(actor, image.data, {
					prompt: 'Uploaded image',
					// Vary, upscale and the rest start from the default image model, as for an image made here.
					...defaultImageModel(),
					params: { operation: 'upload', sha256, capability: 'image', local: true },
				})
			).id
		return deps.createVideo(actor, { ...request, sourceId, sourceIndex: 0 }, options)
	}

	return { inpaint, crop, saveAsNew, videoFromUpload }
}
