/**
 * What the image studio's pages receive from their loaders: models with the fields they take and their prices,
 * images with their thumbnails, and the values a form starts from. Plain data, safe in the browser bundle.
 */
import type { GenerationStatus, ImageModelView, Relation, UpscalerView } from '#server/domain/generations/schema.ts'

export type { ImageModelView, UpscalerView } from '#server/domain/generations/schema.ts'

export type ThumbnailView = { url: string; width: number; height: number }

export type ImageView = {
	url: string
	width?: number | undefined
	height?: number | undefined
	thumbnails?: ThumbnailView[] | undefined
	downloadUrl?: string | undefined
	kind: string
	contentType: string
}

/** One generation in the gallery or in a lineage strip. */
export type GalleryItem = {
	id: string
	prompt: string
	status: GenerationStatus
	error: string | null
	model: string
	n: number
	/** Width over height of what was asked for, for the card while nothing is there yet. */
	aspect: number
	relation: Relation | null
	createdAt: string | Date
	startedAt: string | Date | null
	outputs: ImageView[]
}

/** A picture a form starts from (a source to vary, a first frame): the generation and which of its outputs. */
export type SourceImage = { id: string; index: number; item: GalleryItem }

/** The values an image form starts from, as the strings a form holds. */
export type ImageFormValues = Partial<
	Record<
		| 'prompt'
		| 'negativePrompt'
		| 'model'
		| 'size'
		| 'n'
		| 'seed'
		| 'quality'
		| 'style'
		| 'strength'
		| 'sourceId'
		| 'sourceIndex'
		| 'idempotencyKey',
		string
	>
>

export const FORM_FIELDS: ReadonlyArray<keyof ImageFormValues> = [
	'prompt',
	'negativePrompt',
	'model',
	'size',
	'n',
	'seed',
	'quality',
	'style',
	'strength',
	'sourceId',
	'sourceIndex',
]

/** An image generation's page: the generation, which of its images is shown, its lineage and what it can be made into. */
export type ImageDetailProps = {
	generation: {
		id: string
		status: GenerationStatus
		prompt: string
		model: string
		error: string | null
		costMicros: number
		params: Record<string, unknown>
		createdAt: string | Date
		startedAt: string | Date | null
		completedAt: string | Date | null
		outputs: ImageView[]
	}
	selected: number
	parent: GalleryItem | null
	children: GalleryItem[]
	neighbours: { newer: string | null; older: string | null }
	upscalers: UpscalerView[]
	models: ImageModelView[]
	idempotencyKey: string
	refusal: string | null
}
