/**
 * What the rest of the server may ask of an AI provider. Routes, domain code and workers see only these
 * types and the registry (`providers.chat(modelId)`, ...); vendor SDKs stay inside the adapters.
 *
 * Every call takes an `AbortSignal` (a canceled generation or a shut-down worker stops paying at once)
 * and returns what it used, so the cost can be computed from the models catalogue.
 */

export type ProviderName = 'openai' | 'replicate' | 'offline'

/**
 * The capabilities that make one thing from one request: an upscale, a clip, speech, music, a transcript, an answer
 * about an image. A workflow has a node kind of each name, so its list of node kinds takes this one in.
 */
export const MEDIA_CAPABILITIES = ['upscale', 'video', 'speech', 'music', 'transcribe', 'vision'] as const

export const CAPABILITIES = ['chat', 'title', 'image', 'imageEdit', ...MEDIA_CAPABILITIES] as const

export type Capability = (typeof CAPABILITIES)[number]

export function isCapability(value: string): value is Capability {
	return (CAPABILITIES as readonly string[]).includes(value)
}

export type UsageUnit = 'tokens' | 'images' | 'seconds' | 'characters'

/** What one call used; `units` counts `unit` (images made, seconds of audio/video/compute, characters read). */
export type Usage = {
	inputTokens?: number
	outputTokens?: number
	units?: number
	unit: UsageUnit
	/** True when the provider did not report usage and it was estimated (e.g. from text length). */
	estimated?: boolean
}

/**
 * A generated file: either its bytes, or a provider URL that the storage module downloads (allowed hosts,
 * size cap, sniffed type). Adapters never download provider URLs themselves.
 */
export type MediaOutput = { kind: 'bytes'; data: Uint8Array; contentType: string } | { kind: 'url'; url: string }

/** A file handed to a provider (an uploaded image, a mask, a recording). */
export type BinaryInput = { data: Uint8Array; contentType: string; filename?: string }

// ---------------------------------------------------------------------------------------------------------------
// chat, title, vision

export type ChatRole = 'system' | 'user' | 'assistant'

export type ChatMessage = {
	role: ChatRole
	content: string
	/** Images the user attached; only sent to vision-capable models (the registry checks the catalogue). */
	images?: BinaryInput[]
}

export type ChatRequest = {
	messages: ChatMessage[]
	temperature?: number
	maxOutputTokens?: number
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other'

export type ChatResult = { text: string; usage: Usage; finishReason: FinishReason }

/**
 * A streamed reply: iterate for text deltas (once). When the iteration has ended normally, `result` holds the
 * whole text and the usage; if the provider fails, the iteration throws a `ProviderError` after the deltas
 * already yielded.
 */
export interface ChatStream extends AsyncIterable<string> {
	readonly result: ChatResult | null
}

export type TitleRequest = {
	/** The start of the conversation (usually the first user message, perhaps the first reply). */
	text: string
}
export type TitleResult = { title: string; usage: Usage }

export type VisionRequest = { image: BinaryInput; question: string }
export type TextResult = { text: string; usage: Usage }

// ---------------------------------------------------------------------------------------------------------------
// images

/** `WIDTHxHEIGHT`, e.g. `1024x1024`. */
export type ImageSize = `${number}x${number}`

export type ImageRequest = {
	prompt: string
	size?: ImageSize
	/** How many images; adapters clamp to what the model allows. */
	n?: number
	seed?: number
	negativePrompt?: string
	/** The model's quality and style settings, where it has them (`ImageOptions` in the catalogue says which). */
	quality?: string
	style?: string
	/** Image-to-image: start from this picture instead of noise. */
	image?: BinaryInput
	/** How far the result may move away from `image`: 0 keeps it, 1 ignores it. */
	strength?: number
}

export type ImageEditRequest = {
	image: BinaryInput
	/** Transparent (PNG alpha) or white where the image should change, depending on the model. */
	mask?: BinaryInput
	prompt: string
	size?: ImageSize
	n?: number
	seed?: number
}

export type UpscaleRequest = { image: BinaryInput; scale?: 2 | 4 }

export type MediaResult = { outputs: MediaOutput[]; usage: Usage; seed?: number }

// ---------------------------------------------------------------------------------------------------------------
// video and music: may finish later

export type VideoRequest = {
	prompt: string
	/** A first frame / reference image. */
	image?: BinaryInput
	durationSeconds?: number
	/** e.g. `16:9`, and `720p`: one the catalogue lists for the model. */
	aspect?: string
	resolution?: string
	seed?: number
}

/** Music, or a sound effect (`sound: 'effects'`: a door, rain, a whoosh) for models that make both. */
export type MusicRequest = { prompt: string; durationSeconds: number; seed?: number; sound?: 'music' | 'effects' }

/**
 * Long generations either finish inside the call (offline) or return the provider's prediction id, to be
 * completed by a signed webhook or by polling `providers.predictions(provider).get(id)`.
 */
export type AsyncMediaResult =
	| ({ status: 'succeeded' } & MediaResult)
	| { status: 'pending'; provider: ProviderName; predictionId: string }

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled'

/** A provider prediction as seen by polling or by a webhook delivery. */
export type PredictionState = {
	id: string
	status: PredictionStatus
	/** The vendor's model name, when the provider reports it (Replicate does). */
	model?: string
	/** Present when `status` is `succeeded`. */
	outputs?: MediaOutput[]
	/** Present when `status` is `failed`. */
	error?: ProviderError
	usage?: Usage
}

// ---------------------------------------------------------------------------------------------------------------
// audio

export type SpeechFormat = 'mp3' | 'wav' | 'opus'
export type SpeechRequest = {
	text: string
	voice?: string
	format?: SpeechFormat
	/** 1 is the voice's own pace; the catalogue says which range a model takes. */
	speed?: number
	/** How to say it ("calm, slow, a little amused"), for models that take instructions. */
	instructions?: string
}
/** A stretch of a transcript: seconds from the start of the recording sent, and what was said. */
export type TranscriptSegment = { start: number; end: number; text: string }

/** A transcript: the text, its timed segments when the provider gives them, and the language it heard. */
export type TranscriptResult = TextResult & {
	segments?: TranscriptSegment[]
	language?: string
	durationSeconds?: number
}

export type TranscribeRequest = {
	audio: BinaryInput
	language?: string
	/** The recording's length when the caller knows it; used for per-second pricing when the provider is silent. */
	durationSeconds?: number
}

// ---------------------------------------------------------------------------------------------------------------
// errors

export type ProviderErrorCode =
	| 'rate_limited'
	| 'invalid_request'
	| 'content_refused'
	| 'unavailable'
	| 'timed_out'
	| 'canceled'

const RETRYABLE: Record<ProviderErrorCode, boolean> = {
	rate_limited: true,
	unavailable: true,
	timed_out: true,
	invalid_request: false,
	content_refused: false,
	canceled: false,
}

export type ProviderErrorOptions = {
	retryAfterSeconds?: number
	/** Defaults by code: rate limits, outages and timeouts are worth retrying; the rest are not. */
	retryable?: boolean
	provider?: ProviderName
	/** The vendor's HTTP status, when there was one. */
	status?: number
	cause?: unknown
}

/**
 * The one error every provider call throws. `message` is written for the person who asked (it says what
 * happened and what to do); vendor details stay in `cause` and in the logs.
 */
export class ProviderError extends Error {
	readonly code: ProviderErrorCode
	readonly retryable: boolean
	readonly retryAfterSeconds?: number
	readonly provider?: ProviderName
	readonly status?: number

	constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause })
		this.name = 'ProviderError'
		this.code = code
		this.retryable = options.retryable ?? RETRYABLE[code]
		if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds
		if (options.provider !== undefined) this.provider = options.provider
		if (options.status !== undefined) this.status = options.status
	}

	toJSON() {
		return {
			code: this.code,
			message: this.message,
			retryable: this.retryable,
			retryAfterSeconds: this.retryAfterSeconds,
		}
	}
}

export function isProviderError(error: unknown): error is ProviderError {
	return error instanceof ProviderError
}

// ---------------------------------------------------------------------------------------------------------------
// adapters

export type ListedModel = { name: string; version?: string }

export type CallOptions = {
	signal?: AbortSignal
}

/**
 * What an adapter implements. Each method takes the vendor's own model name (`gpt-4o-mini`,
 * `black-forest-labs/flux-schnell`); the registry maps catalogue ids onto adapters and adds tracing,
 * metrics and cost. A missing method means the provider lacks that capability.
 */
export interface ProviderAdapter {
	readonly name: ProviderName
	chat?(model: string, request: ChatRequest, signal?: AbortSignal): ChatStream
	title?(model: string, request: TitleRequest, signal?: AbortSignal): Promise<TitleResult>
	vision?(model: string, request: VisionRequest, signal?: AbortSignal): Promise<TextResult>
	image?(model: string, request: ImageRequest, signal?: AbortSignal): Promise<MediaResult>
	imageEdit?(model: string, request: ImageEditRequest, signal?: AbortSignal): Promise<MediaResult>
	upscale?(model: string, request: UpscaleRequest, signal?: AbortSignal): Promise<MediaResult>
	video?(model: string, request: VideoRequest, signal?: AbortSignal): Promise<AsyncMediaResult>
	music?(model: string, request: MusicRequest, signal?: AbortSignal): Promise<AsyncMediaResult>
	speech?(model: string, request: SpeechRequest, signal?: AbortSignal): Promise<MediaResult>
	transcribe?(model: string, request: TranscribeRequest, signal?: AbortSignal): Promise<TranscriptResult>
	/** Polling for predictions that finish later (`video`, `music` on Replicate). */
	getPrediction?(id: string, signal?: AbortSignal): Promise<PredictionState>
	cancelPrediction?(id: string, signal?: AbortSignal): Promise<PredictionState>
	/** Reads a webhook delivery's body (already verified by the caller) into a prediction state. */
	parsePrediction?(body: unknown): PredictionState
	/**
	 * The models the provider serves, for `syncModels`: OpenAI-compatible servers list all of theirs; Replicate
	 * has no useful full list, so it is asked about the `known` ones (and reports their latest versions).
	 */
	listModels?(known: readonly string[], signal?: AbortSignal): Promise<ListedModel[]>
}
