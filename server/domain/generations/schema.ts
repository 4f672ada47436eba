/**
 * What a person (the image/video/audio forms) or a client (`POST /api/generate/:kind`) may ask for. One schema
 * per kind, shared by the page and the API route; the server re-validates everything it receives.
 */
import * as v from 'valibot'

/** A number from a form's string or a JSON number (forms send strings, JSON bodies numbers), then checked. */
const numberIn = (label: string) =>
	v.pipe(
		v.union(
			[v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(`${label} must be a number.`))],
			`${label} must be a number.`,
		),
		v.transform(Number),
		v.number(`${label} must be a number.`),
	)

/** A whole number between `min` and `max`. */
const wholeNumber = (label: string, min: number, max: number) =>
	v.pipe(
		numberIn(label),
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

/** Sizes an image can be asked for; each model makes some of them (the catalogue's `image.sizes`). */
export const IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792', '512x512'] as const
export type ImageSizeChoice = (typeof IMAGE_SIZES)[number]

/** What the size chips say: the shape first, the pixels beside it. */
export const IMAGE_SIZE_LABELS: Record<ImageSizeChoice, string> = {
	'1024x1024': '1:1',
	'1536x1024': '3:2',
	'1024x1536': '2:3',
	'1792x1024': '16:9',
	'1024x1792': '9:16',
	'512x512': '1:1 small',
}

/**
 * What an image request does: make new images (from noise, or from a source image with `sourceId`: image to
 * image) or enlarge a source image (`upscale`).
 */
export const IMAGE_OPERATIONS = ['generate', 'upscale', 'edit'] as const

/** Where a mask is stored: the owner's media folder, a PNG (server/storage/rules.ts `newKey`). */
const MASK_KEY = /^[0-9a-f-]{36}\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/

/** A decimal between `min` and `max`. */
const fraction = (label: string, min: number, max: number) =>
	v.pipe(
		numberIn(label),
		v.minValue(min, `${label} must be at least ${min}.`),
		v.maxValue(max, `${label} must be at most ${max}.`),
	)

const setting = (label: string) =>
	v.optional(v.pipe(v.string(), v.trim(), v.maxLength(40, `${label} is too long.`), v.nonEmpty()))

export const ImageGenerationSchema = v.object({
	kind: v.literal('image'),
	prompt: prompt('image'),
	model,
	/** Absent means `generate`. */
	operation: v.optional(v.picklist(IMAGE_OPERATIONS, 'Generate, upscale or edit.')),
	size: v.optional(v.picklist(IMAGE_SIZES, `Pick one of the sizes: ${IMAGE_SIZES.join(', ')}.`), '1024x1024'),
	n: v.optional(wholeNumber('The number of images', 1, 4), 1),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
	negativePrompt: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000, 'Keep it under 2,000 characters.'))),
	quality: setting('The quality'),
	style: setting('The style'),
	/** The generation whose image this one starts from (image to image, upscale), and which of its images. */
	sourceId: v.optional(v.pipe(v.string(), v.trim(), v.uuid('The source must be one of your images.'))),
	sourceIndex: v.optional(wholeNumber('The source image', 0, 3)),
	/** Image to image: how far the result may move from the source (0.05 keeps it nearly, 1 ignores it). */
	strength: v.optional(fraction('The strength', 0.05, 1)),
	/** Edit (inpaint): the stored mask, white where the source is repainted (set by the server, never typed). */
	maskKey: v.optional(v.pipe(v.string(), v.regex(MASK_KEY, 'That mask is not one of yours.'))),
	/** Upscale: by how much. */
	scale: v.optional(v.pipe(wholeNumber('The scale', 2, 4), v.picklist([2, 4], 'Upscale by 2 or 4.'))),
})

export type ImageGenerationRequest = v.InferOutput<typeof ImageGenerationSchema>

/** Image to image without a strength given: a clear change that keeps the source's composition. */
export const DEFAULT_STRENGTH = 0.6

/** A model as a studio's form shows it: what every form says of it, and then the fields it takes. */
export type ModelView = {
	id: string
	name: string
	description: string
	/** Its price in words: "$0.0420 / image", "$0.0002 / second of GPU time", "Free". */
	price: string
}

/** An image model as the studio's form shows it: the fields it takes and its price. */
export type ImageModelView = ModelView & {
	/** The price of one image, when the model is priced per image (for the run's total by the button). */
	perImageMicros: number | null
	sizes: ImageSizeChoice[]
	maxImages: number
	seed: boolean
	negativePrompt: boolean
	qualities: string[]
	styles: string[]
	inputImage: boolean
}

/** An upscaler as the image page offers it. */
export type UpscalerView = { id: string; name: string; price: string; scales: Array<2 | 4> }

/** How a generation relates to its parent, kept in its params for the lineage labels. */
export type Relation = 'variation' | 'upscale' | 'image-to-image' | 'edit' | 'crop' | 'canvas' | 'image-to-video'

export const RELATION_WORDS: Record<Relation, string> = {
	variation: 'Variation',
	upscale: 'Upscale',
	'image-to-image': 'From an image',
	edit: 'Inpaint',
	crop: 'Crop',
	canvas: 'Canvas edit',
	'image-to-video': 'Video from this image',
}

export const VideoGenerationSchema = v.object({
	kind: v.literal('video'),
	prompt: prompt('video'),
	model,
	/** Absent: the model's default length. */
	durationSeconds: v.optional(wholeNumber('The length', 1, 10)),
	aspect: setting('The aspect ratio'),
	resolution: setting('The resolution'),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
	/** Image to video: the generation whose image is the first frame, and which of its images. */
	sourceId: v.optional(v.pipe(v.string(), v.trim(), v.uuid('The source must be one of your images.'))),
	sourceIndex: v.optional(wholeNumber('The source image', 0, 3)),
})

export type VideoGenerationRequest = v.InferOutput<typeof VideoGenerationSchema>

/** A video model as the studio's form shows it: the fields it takes and its price. */
export type VideoModelView = ModelView & {
	durations: number[]
	aspects: string[]
	resolutions: string[]
	inputImage: boolean
}

/** What the audio studio makes: spoken text, music, or a sound effect. */
export const AUDIO_MODES = ['speech', 'music', 'effects'] as const
export type AudioMode = (typeof AUDIO_MODES)[number]

export const SPEECH_FORMATS = ['mp3', 'wav', 'opus'] as const

export const AudioGenerationSchema = v.object({
	kind: v.literal('audio'),
	mode: v.optional(v.picklist(AUDIO_MODES, 'Pick speech, music or a sound effect.'), 'speech'),
	// Speech text may be long: it is split at sentence boundaries under the model's limit and joined again.
	prompt: v.pipe(
		v.optional(v.string('Type the text to speak, or describe the sound.'), ''),
		v.trim(),
		v.nonEmpty('Type the text to speak, or describe the sound.'),
		v.maxLength(20_000, 'Keep the text under 20,000 characters.'),
	),
	model,
	voice: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(40, 'That voice name is too long.'))),
	format: v.optional(v.picklist(SPEECH_FORMATS, 'Pick mp3, wav or opus.')),
	speed: v.optional(fraction('The speed', 0.25, 4)),
	instructions: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(1000, 'Keep the instructions under 1,000 characters.')),
	),
	durationSeconds: v.optional(wholeNumber('The length', 1, 30), 8),
	seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
})

export type AudioGenerationRequest = v.InferOutput<typeof AudioGenerationSchema>

/** A speech model as the studio's form shows it. */
export type SpeechModelView = ModelView & {
	/** The price of one character, for the run's total by the button (null when free). */
	perCharacterMicros: number | null
	voices: string[]
	formats: string[]
	maxInputChars: number
	speed: { min: number; max: number } | null
	instructions: boolean
}

/** A music or sound-effect model as the studio's form shows it. */
export type SoundModelView = ModelView & {
	modes: Array<'music' | 'effects'>
	maxSeconds: number
}

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

/** The buttons on a generation's page, told apart by `intent`; vary and upscale act on one of its images. */
export const GenerationActionSchema = v.object({
	intent: v.picklist(['cancel', 'retry', 'delete', 'restore', 'vary', 'upscale'], 'Unknown action.'),
	output: v.optional(wholeNumber('The image', 0, 3), 0),
	model,
	scale: v.optional(v.pipe(wholeNumber('The scale', 2, 4), v.picklist([2, 4], 'Upscale by 2 or 4.'))),
})
export type GenerationAction = v.InferOutput<typeof GenerationActionSchema>

/** The preset shapes the crop form offers (width:height); the largest centred rectangle of that shape is kept. */
export const CROP_ASPECTS = ['1:1', '4:3', '3:2', '16:9', '3:4', '2:3', '9:16'] as const

const pixels = (label: string, min: number) => v.optional(wholeNumber(label, min, 20_000))

/**
 * The canvas editor's forms (`/generations/:id/edit`), with or without JavaScript: inpaint (a prompt and a mask
 * file, white where the image is repainted), crop (a rectangle in the image's pixels, or a preset aspect) and
 * "save as new image" (the flattened picture as a file). Files arrive beside these fields.
 */
export const EditFormSchema = v.variant('intent', [
	v.object({
		intent: v.literal('inpaint'),
		prompt: prompt('change'),
		model,
		output: v.optional(wholeNumber('The image', 0, 3), 0),
		seed: v.optional(wholeNumber('The seed', 0, 2_147_483_647)),
	}),
	v.object({
		intent: v.literal('crop'),
		output: v.optional(wholeNumber('The image', 0, 3), 0),
		aspect: v.optional(v.picklist(CROP_ASPECTS, `Pick one of the shapes: ${CROP_ASPECTS.join(', ')}.`)),
		x: pixels('Left', 0),
		y: pixels('Top', 0),
		width: pixels('The width', 1),
		height: pixels('The height', 1),
	}),
	v.object({
		intent: v.literal('save'),
		output: v.optional(wholeNumber('The image', 0, 3), 0),
	}),
])

export type EditForm = v.InferOutput<typeof EditFormSchema>
