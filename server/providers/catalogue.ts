/**
 * The default model catalogue: what the studio offers before (and besides) a sync, with list prices. The
 * `models` table is seeded from it and refreshed by `npm run models:sync`; an administrator may edit prices
 * there. Prices are USD micro-units (1 USD = 1,000,000) per token / image / second / character, as published
 * by the vendors when this list was written; a fraction of a micro-unit per token is normal.
 */
import type { Capability, ImageSize, ListedModel, ProviderAdapter, ProviderName, SpeechFormat, Usage } from './types.ts'
import { logger } from '#server/logger.ts'

export type Prices = {
	inputToken?: number
	outputToken?: number
	image?: number
	second?: number
	character?: number
}

/**
 * How a Replicate model is billed, so usage can be read from a finished prediction alone (webhooks carry
 * no request): per output file, per second of GPU time, or per second of output media.
 */
export type ReplicateBilling =
	| { by: 'output' }
	| { by: 'compute-seconds' }
	| { by: 'output-seconds'; inputKey: string; defaultSeconds: number }

/**
 * What an image model takes, so the studio's form shows only those fields and the server sends only those:
 * the sizes it makes, how many images per request, and whether it takes a seed, a negative prompt, quality and
 * style settings, or a picture to start from (image-to-image).
 */
export type ImageOptions = {
	sizes: readonly ImageSize[]
	maxImages: number
	seed: boolean
	negativePrompt: boolean
	qualities?: readonly string[]
	styles?: readonly string[]
	inputImage: boolean
}

/**
 * What a video model takes: the lengths (seconds), aspect ratios and resolutions it makes (the first of each is
 * its default), and whether it starts from an image (image-to-video).
 */
export type VideoOptions = {
	durations: readonly number[]
	aspects: readonly string[]
	resolutions: readonly string[]
	inputImage: boolean
	/**
	 * Replicate: the input field each choice is sent as, for the choices the model's API takes (the length goes as
	 * `replicateBilling.inputKey` for models priced per second of video). A choice without a field is only the
	 * one the model makes, and is not sent.
	 */
	replicateInputs?: { aspect?: string; resolution?: string; image?: string }
}

/** For video models the catalogue says nothing about: one five-second 16:9 clip from text. */
export const PLAIN_VIDEO_OPTIONS: VideoOptions = {
	durations: [5],
	aspects: ['16:9'],
	resolutions: ['720p'],
	inputImage: false,
}

/**
 * What a speech model takes: its voices (the first is the default), the formats it returns, the longest text
 * one request may carry (longer text is split at sentence boundaries and the parts joined), its speed range,
 * and whether it takes style instructions.
 */
export type SpeechOptions = {
	voices: readonly string[]
	formats: readonly SpeechFormat[]
	maxInputChars: number
	speed: { min: number; max: number } | null
	instructions: boolean
}

/** For speech models the catalogue says nothing about: the default voice, mp3, short requests. */
export const PLAIN_SPEECH_OPTIONS: SpeechOptions = {
	voices: ['default'],
	formats: ['mp3'],
	maxInputChars: 1000,
	speed: null,
	instructions: false,
}

/**
 * What a transcription model takes: recordings are cut into chunks of at most `chunkSeconds` (16 kHz mono WAV)
 * so each request stays under the provider's upload limit, and the timestamps are stitched back together.
 */
export type TranscribeOptions = { chunkSeconds: number }

export const PLAIN_TRANSCRIBE_OPTIONS: TranscribeOptions = { chunkSeconds: 600 }

/** What a music or sound-effect model makes, and how long (seconds). */
export type SoundOptions = { modes: readonly ('music' | 'effects')[]; maxSeconds: number }

export const PLAIN_SOUND_OPTIONS: SoundOptions = { modes: ['music'], maxSeconds: 30 }

const OPENAI_VOICES = ['alloy', 'ash', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer'] as const

/** What an upscaler offers. */
export type UpscaleOptions = { scales: readonly (2 | 4)[] }

/** For image models the catalogue says nothing about (a self-hosted server's): one square image, nothing else. */
export const PLAIN_IMAGE_OPTIONS: ImageOptions = {
	sizes: ['1024x1024'],
	maxImages: 1,
	seed: false,
	negativePrompt: false,
	inputImage: false,
}

export type ModelInfo = {
	/** `provider:vendor-model`, e.g. `openai:gpt-4o-mini`; the key everything else uses. */
	id: string
	provider: ProviderName
	/** The vendor's name for it, e.g. `gpt-4o-mini` or `black-forest-labs/flux-schnell`. */
	vendorModel: string
	displayName: string
	description: string
	capabilities: Capability[]
	prices: Prices
	/** Replicate models that are not "official" are run by version id. */
	replicateVersion?: string
	replicateBilling?: ReplicateBilling
	/** For models with `image`: the fields they take. */
	image?: ImageOptions
	/** For models with `upscale`. */
	upscale?: UpscaleOptions
	/** For models with `video`: the fields they take. */
	video?: VideoOptions
	/** For models with `speech`. */
	speech?: SpeechOptions
	/** For models with `music`: music, sound effects or both. */
	sound?: SoundOptions
	/** For models with `transcribe`. */
	transcribe?: TranscribeOptions
}

const ASPECTS: readonly ImageSize[] = ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792']

const free: Prices = {}

export const DEFAULT_CATALOGUE: readonly ModelInfo[] = [
	// Offline: no network, no cost; always available so a fresh install works end to end.
	{
		id: 'offline:chat',
		provider: 'offline',
		vendorModel: 'chat',
		displayName: 'Offline demo chat',
		description: 'Canned, clearly labelled replies for trying the studio without an API key.',
		capabilities: ['chat', 'title', 'vision'],
		prices: free,
	},
	{
		id: 'offline:image',
		provider: 'offline',
		vendorModel: 'image',
		displayName: 'Offline demo images',
		description: 'Deterministic pattern images marked DEMO.',
		capabilities: ['image', 'imageEdit', 'upscale'],
		prices: free,
		image: {
			sizes: [...ASPECTS, '512x512'],
			maxImages: 4,
			seed: true,
			negativePrompt: true,
			inputImage: true,
		},
		upscale: { scales: [2, 4] },
	},
	{
		id: 'offline:video',
		provider: 'offline',
		vendorModel: 'video',
		displayName: 'Offline demo video',
		description: 'A short test-card clip marked DEMO.',
		capabilities: ['video'],
		prices: free,
		video: { durations: [3, 5, 10], aspects: ['16:9', '1:1', '9:16'], resolutions: ['480p', '720p'], inputImage: true },
	},
	{
		id: 'offline:speech',
		provider: 'offline',
		vendorModel: 'speech',
		displayName: 'Offline demo speech',
		description: 'A tone sequence derived from the text, clearly not a voice.',
		capabilities: ['speech'],
		prices: free,
		// A short input limit, so long text is split and joined here as it is for real providers.
		speech: {
			voices: ['tone', 'chime', 'hum'],
			formats: ['wav'],
			maxInputChars: 400,
			speed: { min: 0.5, max: 2 },
			instructions: false,
		},
	},
	{
		id: 'offline:music',
		provider: 'offline',
		vendorModel: 'music',
		displayName: 'Offline demo music',
		description: 'A melody, or a noise for sound effects, derived from the prompt.',
		capabilities: ['music'],
		prices: free,
		sound: { modes: ['music', 'effects'], maxSeconds: 30 },
	},
	{
		id: 'offline:transcribe',
		provider: 'offline',
		vendorModel: 'transcribe',
		displayName: 'Offline demo transcription',
		description: 'Describes the recording instead of transcribing it.',
		capabilities: ['transcribe'],
		prices: free,
		// Short chunks, so long recordings are cut and stitched here as they are for real providers.
		transcribe: { chunkSeconds: 10 },
	},

	// OpenAI (or any OpenAI-compatible server through OPENAI_BASE_URL).
	{
		id: 'openai:gpt-4o-mini',
		provider: 'openai',
		vendorModel: 'gpt-4o-mini',
		displayName: 'GPT-4o mini',
		description: 'Fast, inexpensive chat with image understanding.',
		capabilities: ['chat', 'title', 'vision'],
		prices: { inputToken: 0.15, outputToken: 0.6 },
	},
	{
		id: 'openai:gpt-4o',
		provider: 'openai',
		vendorModel: 'gpt-4o',
		displayName: 'GPT-4o',
		description: 'Capable chat with image understanding.',
		capabilities: ['chat', 'title', 'vision'],
		prices: { inputToken: 2.5, outputToken: 10 },
	},
	{
		id: 'openai:gpt-4.1-mini',
		provider: 'openai',
		vendorModel: 'gpt-4.1-mini',
		displayName: 'GPT-4.1 mini',
		description: 'Long-context chat with image understanding.',
		capabilities: ['chat', 'title', 'vision'],
		prices: { inputToken: 0.4, outputToken: 1.6 },
	},
	{
		id: 'openai:gpt-image-1',
		provider: 'openai',
		vendorModel: 'gpt-image-1',
		displayName: 'GPT Image 1',
		description: 'Image generation and editing (priced per medium-quality square image).',
		capabilities: ['image', 'imageEdit'],
		prices: { image: 42_000 },
		image: {
			sizes: ['1024x1024', '1536x1024', '1024x1536'],
			maxImages: 4,
			seed: false,
			negativePrompt: false,
			qualities: ['low', 'medium', 'high'],
			inputImage: true,
		},
	},
	{
		id: 'openai:dall-e-3',
		provider: 'openai',
		vendorModel: 'dall-e-3',
		displayName: 'DALL·E 3',
		description: 'Image generation, one image per request.',
		capabilities: ['image'],
		prices: { image: 40_000 },
		image: {
			sizes: ['1024x1024', '1792x1024', '1024x1792'],
			maxImages: 1,
			seed: false,
			negativePrompt: false,
			qualities: ['standard', 'hd'],
			styles: ['vivid', 'natural'],
			inputImage: false,
		},
	},
	{
		id: 'openai:tts-1',
		provider: 'openai',
		vendorModel: 'tts-1',
		displayName: 'TTS 1',
		description: 'Text to speech.',
		capabilities: ['speech'],
		prices: { character: 15 },
		speech: {
			voices: OPENAI_VOICES,
			formats: ['mp3', 'wav', 'opus'],
			maxInputChars: 4096,
			speed: { min: 0.25, max: 4 },
			instructions: false,
		},
	},
	{
		id: 'openai:tts-1-hd',
		provider: 'openai',
		vendorModel: 'tts-1-hd',
		displayName: 'TTS 1 HD',
		description: 'Higher-quality text to speech.',
		capabilities: ['speech'],
		prices: { character: 30 },
		speech: {
			voices: OPENAI_VOICES,
			formats: ['mp3', 'wav', 'opus'],
			maxInputChars: 4096,
			speed: { min: 0.25, max: 4 },
			instructions: false,
		},
	},
	{
		id: 'openai:gpt-4o-mini-tts',
		provider: 'openai',
		vendorModel: 'gpt-4o-mini-tts',
		displayName: 'GPT-4o mini TTS',
		description: 'Text to speech that follows style instructions (priced by OpenAI’s estimate per character).',
		capabilities: ['speech'],
		prices: { character: 15 },
		speech: {
			voices: OPENAI_VOICES,
			formats: ['mp3', 'wav', 'opus'],
			maxInputChars: 2000,
			speed: { min: 0.25, max: 4 },
			instructions: true,
		},
	},
	{
		id: 'openai:whisper-1',
		provider: 'openai',
		vendorModel: 'whisper-1',
		displayName: 'Whisper',
		description: 'Speech to text.',
		capabilities: ['transcribe'],
		prices: { second: 100 },
		// OpenAI takes files up to 25 MB: ten minutes of 16 kHz mono WAV is about 19 MB.
		transcribe: { chunkSeconds: 600 },
	},

	// Replicate.
	{
		id: 'replicate:black-forest-labs/flux-schnell',
		provider: 'replicate',
		vendorModel: 'black-forest-labs/flux-schnell',
		displayName: 'FLUX.1 [schnell]',
		description: 'Fast image generation.',
		capabilities: ['image'],
		prices: { image: 3_000 },
		replicateBilling: { by: 'output' },
		image: { sizes: ASPECTS, maxImages: 4, seed: true, negativePrompt: false, inputImage: false },
	},
	{
		id: 'replicate:black-forest-labs/flux-dev',
		provider: 'replicate',
		vendorModel: 'black-forest-labs/flux-dev',
		displayName: 'FLUX.1 [dev]',
		description: 'Higher-quality image generation, also from a starting image.',
		capabilities: ['image'],
		prices: { image: 25_000 },
		replicateBilling: { by: 'output' },
		image: { sizes: ASPECTS, maxImages: 4, seed: true, negativePrompt: false, inputImage: true },
	},
	{
		id: 'replicate:black-forest-labs/flux-fill-pro',
		provider: 'replicate',
		vendorModel: 'black-forest-labs/flux-fill-pro',
		displayName: 'FLUX.1 Fill [pro]',
		description: 'Inpainting: repaint the masked part of an image.',
		capabilities: ['imageEdit'],
		prices: { image: 50_000 },
		replicateBilling: { by: 'output' },
	},
	{
		id: 'replicate:nightmareai/real-esrgan',
		provider: 'replicate',
		vendorModel: 'nightmareai/real-esrgan',
		displayName: 'Real-ESRGAN',
		description: 'Image upscaling, billed by GPU time.',
		capabilities: ['upscale'],
		prices: { second: 225 },
		replicateVersion: 'f121d640bd286e1fdc67f9799164c1d5be36ff74576ee11c803ae5b665dd46aa',
		replicateBilling: { by: 'compute-seconds' },
		upscale: { scales: [2, 4] },
	},
	{
		id: 'replicate:minimax/video-01',
		provider: 'replicate',
		vendorModel: 'minimax/video-01',
		displayName: 'MiniMax Video-01',
		description: 'Six-second videos from text or a first frame (priced per second of video).',
		capabilities: ['video'],
		prices: { second: 83_334 },
		replicateBilling: { by: 'output-seconds', inputKey: 'duration', defaultSeconds: 6 },
		video: {
			durations: [6],
			aspects: ['16:9'],
			resolutions: ['720p'],
			inputImage: true,
			replicateInputs: { image: 'first_frame_image' },
		},
	},
	{
		id: 'replicate:bytedance/seedance-1-lite',
		provider: 'replicate',
		vendorModel: 'bytedance/seedance-1-lite',
		displayName: 'Seedance 1 Lite',
		description:
			'Five- or ten-second clips in seven shapes at 480p or 720p, from text or a first frame (priced per second).',
		capabilities: ['video'],
		// Replicate's 720p rate; 480p costs less, so the price shown is never under what is charged.
		prices: { second: 36_000 },
		replicateBilling: { by: 'output-seconds', inputKey: 'duration', defaultSeconds: 5 },
		video: {
			durations: [5, 10],
			aspects: ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', '9:21'],
			resolutions: ['720p', '480p'],
			inputImage: true,
			replicateInputs: { aspect: 'aspect_ratio', resolution: 'resolution', image: 'image' },
		},
	},
	{
		id: 'replicate:meta/musicgen',
		provider: 'replicate',
		vendorModel: 'meta/musicgen',
		displayName: 'MusicGen',
		description: 'Music from a text prompt, billed by GPU time.',
		capabilities: ['music'],
		prices: { second: 1_400 },
		replicateVersion: '671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb',
		replicateBilling: { by: 'compute-seconds' },
		sound: { modes: ['music'], maxSeconds: 30 },
	},
]

export function findModel(id: string, catalogue: readonly ModelInfo[] = DEFAULT_CATALOGUE): ModelInfo | undefined {
	return catalogue.find(m => m.id === id)
}

/**
 * What a call cost, in whole USD micro-units, rounded up so that many tiny calls cannot add up to a free
 * budget. A unit the model has no price for costs nothing (offline, self-hosted OpenAI-compatible servers).
 */
export function computeCostMicros(model: Pick<ModelInfo, 'prices'>, usage: Usage): number {
	const p = model.prices
	let cost = 0
	switch (usage.unit) {
		case 'tokens':
			cost = (usage.inputTokens ?? 0) * (p.inputToken ?? 0) + (usage.outputTokens ?? 0) * (p.outputToken ?? 0)
			break
		case 'images':
			cost = (usage.units ?? 0) * (p.image ?? 0)
			break
		case 'seconds':
			cost = (usage.units ?? 0) * (p.second ?? 0)
			break
		case 'characters':
			cost = (usage.units ?? 0) * (p.character ?? 0)
			break
	}
	// Floating-point noise (0.15 * 1000 = 150.00000000000003) must not round a cost up by a micro-unit.
	return Math.max(0, Math.ceil(Math.round(cost * 1e6) / 1e6))
}

export type ModelRow = ModelInfo & {
	/** False when the provider is configured but did not list the model (retired, renamed, not pulled). */
	available: boolean
	/** `catalogue` for the shipped list, `discovered` for models a self-hosted server reported. */
	source: 'catalogue' | 'discovered'
	syncedAt: Date
}

/** The adapters a sync may ask; the registry's `adapters` has this shape. */
export type SyncSources = Partial<Record<ProviderName, Pick<ProviderAdapter, 'listModels'> | undefined>> & {
	/** True when OpenAI calls go to an OpenAI-compatible server (Ollama, vLLM, LM Studio) rather than OpenAI. */
	openaiCompatible?: boolean
}

/**
 * Refreshes the catalogue from the configured providers and returns the rows to upsert into `models`:
 * every catalogue model of a configured provider, marked available when the provider listed it, and, on an
 * OpenAI-compatible server, the models it serves that we do not know (free: they run on the owner's
 * hardware). Unknown models on the real OpenAI API are left out: we would not know their prices.
 * A provider that fails to answer keeps its catalogue models available and is logged.
 */
export async function syncModels(
	sources: SyncSources,
	options: { catalogue?: readonly ModelInfo[]; signal?: AbortSignal; now?: Date } = {},
): Promise<ModelRow[]> {
	const catalogue = options.catalogue ?? DEFAULT_CATALOGUE
	const syncedAt = options.now ?? new Date()
	const rows: ModelRow[] = []
	const providers: ProviderName[] = ['offline', 'openai', 'replicate']
	for (const provider of providers) {
		const source = sources[provider]
		if (!source) continue
		const known = catalogue.filter(m => m.provider === provider)
		let listed: Map<string, ListedModel> | null = null
		if (source.listModels) {
			try {
				const models = await source.listModels(
					known.map(m => m.vendorModel),
					options.signal,
				)
				listed = new Map(models.map(m => [m.name, m]))
			} catch (error) {
				logger.warn('models sync: provider did not list its models; keeping the catalogue', { provider, error })
			}
		}
		for (const model of known) {
			const found = listed?.get(model.vendorModel)
			const row: ModelRow = {
				...model,
				available: listed === null || found !== undefined,
				source: 'catalogue',
				syncedAt,
			}
			// Version-pinned Replicate models follow the owner's latest version.
			if (model.replicateVersion && found?.version) row.replicateVersion = found.version
			rows.push(row)
		}
		if (provider === 'openai' && sources.openaiCompatible && listed) {
			const knownNames = new Set(known.map(m => m.vendorModel))
			for (const name of [...listed.keys()].sort()) {
				if (knownNames.has(name)) continue
				const capabilities = guessCapabilities(name)
				if (capabilities.length === 0) continue
				rows.push({
					id: `openai:${name}`,
					provider: 'openai',
					vendorModel: name,
					displayName: name,
					description: 'Served by the configured OpenAI-compatible server.',
					capabilities,
					prices: free,
					available: true,
					source: 'discovered',
					syncedAt,
				})
			}
		}
	}
	return rows
}

/** Self-hosted servers name models freely; guess what a name can do, and skip what the studio cannot use. */
export function guessCapabilities(name: string): Capability[] {
	const n = name.toLowerCase()
	if (/embed|rerank|moderation/.test(n)) return []
	if (/whisper|transcribe|stt/.test(n)) return ['transcribe']
	if (/tts|speech|kokoro|piper/.test(n)) return ['speech']
	if (/dall-e|gpt-image|stable-diffusion|sdxl|flux/.test(n)) return ['image']
	if (/vision|llava|gpt-4o|gpt-4\.1|gpt-5|gemma3|qwen2\.5-?vl|minicpm-v|moondream|llama3\.2-vision/.test(n)) {
		return ['chat', 'title', 'vision']
	}
	return ['chat', 'title']
}
