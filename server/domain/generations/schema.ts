/**
 * What a person (the image/video/audio forms) or a client (`POST /api/generate/:kind`) may ask for. One schema
 * per kind, shared by the page and the API route; the server re-validates everything it receives.
 */
import * as v from 'valibot'

/** Form fields arrive as strings, JSON bodies as numbers: accept both, then check the number. */
const wholeNumber = (label: string, min: number, max: number) =>
	v.pipe(
		v.union(
			[v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(`${label} must be a number.`))],
			`${label} must be a number.`,
		),
		v.transform(Number),
		v.number(`${label} must be a number.`),
		v.integer(`${label} must be a whole number.`),
		v.minValue(min, `${label} must be at least ${min}.`),
		v.maxValue(max, `${label} must be at most ${max}.`),
	)

// A missing field becomes '' first, so it gets the same plain message as an empty one (valibot would otherwise
// report the missing key in its own words).
const prompt = (what: string) =>
	v.pipe(
		v.optional(v.string(`Describe the ${what} you want.`), ''),
		v.trim(),
		v.nonEmpty(`Describe the ${what} you want.`),
		v.maxLength(4000, 'Keep the prompt under 4,000 characters.'),
	)

const model = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'That model id is too long.')))

export const IMAGE_SIZES = ['512x512', '1024x1024', '1024x1536', '1536x1024'] as const

export const ImageGenerationSchema = v.object({
	kind: v.literal('image'),
	prompt: prompt('image'),
	model,
	size: v.optional(v.picklist(IMAGE_SIZES, `Pick one of the sizes: ${IMAGE_SIZES.join(', ')}.`), '1024x1024'),
	n: v.optional(wholeNumber('The number of images', 1, 4), 1),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
	negativePrompt: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000, 'Keep it under 2,000 characters.'))),
})

export const VideoGenerationSchema = v.object({
	kind: v.literal('video'),
	prompt: prompt('video'),
	model,
	durationSeconds: v.optional(wholeNumber('The length', 1, 10), 5),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
})

export const AudioGenerationSchema = v.object({
	kind: v.literal('audio'),
	mode: v.optional(v.picklist(['speech', 'music'], 'Pick speech or music.'), 'speech'),
	prompt: prompt('audio'),
	model,
	voice: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(40))),
	durationSeconds: v.optional(wholeNumber('The length', 1, 30), 8),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
})

export const GenerationRequestSchema = v.variant(
	'kind',
	[ImageGenerationSchema, VideoGenerationSchema, AudioGenerationSchema],
	'Pick what to generate: image, video or audio.',
)

export type GenerationRequest = v.InferOutput<typeof GenerationRequestSchema>
export type GenerationKind = GenerationRequest['kind']

/** A client-chosen key that makes a resubmitted form or a retried API call return the first result. */
export const IdempotencyKeySchema = v.pipe(
	v.string(),
	v.trim(),
	v.regex(
		/^[\w.:-]{8,200}$/,
		'The idempotency key must be 8–200 letters, digits, dots, colons, dashes or underscores.',
	),
)

export const GENERATION_STATUSES = ['queued', 'running', 'processing', 'succeeded', 'failed', 'canceled'] as const
export type GenerationStatus = (typeof GENERATION_STATUSES)[number]
export const PENDING_STATUSES: readonly GenerationStatus[] = ['queued', 'running', 'processing']

/** The buttons on a generation's page, told apart by `intent`. */
export const GenerationActionSchema = v.object({
	intent: v.picklist(['cancel', 'retry', 'delete', 'restore'], 'Unknown action.'),
})
