/**
 * The one door to AI providers. Code asks for a capability by catalogue model id —
 * `providers.chat('openai:gpt-4o-mini').stream(request, signal)`, `providers.image(id).run(request, signal)` —
 * and gets the adapter bound to that model, traced, metered and priced. Routes and domain code never import
 * a vendor SDK, and an unknown, unconfigured or unsuitable model is refused with a `ProviderError` that
 * says what to pick instead.
 */
import type { Config } from '#server/config.ts'
import { DEFAULT_CATALOGUE, computeCostMicros, syncModels, type ModelInfo, type ModelRow } from './catalogue.ts'
import type { Timeouts } from './deadline.ts'
import {
	createInstruments,
	recordLateCost,
	traced,
	tracedStream,
	type Instruments,
	type PricedChatStream,
} from './instrument.ts'
import { createOfflineAdapter, type OfflineOptions } from './offline/index.ts'
import { createOpenAIAdapter } from './openai.ts'
import { createReplicateAdapter } from './replicate.ts'
import {
	ProviderError,
	type AsyncMediaResult,
	type Capability,
	type ChatRequest,
	type ImageEditRequest,
	type ImageRequest,
	type MediaResult,
	type MusicRequest,
	type PredictionState,
	type ProviderAdapter,
	type ProviderName,
	type SpeechRequest,
	type TextResult,
	type TitleRequest,
	type TitleResult,
	type TranscribeRequest,
	type TranscriptResult,
	type UpscaleRequest,
	type VideoRequest,
	type VisionRequest,
} from './types.ts'

export type { PricedChatStream, PricedChatResult } from './instrument.ts'

export type Priced = { costMicros: number }

/** A capability bound to one model. */
export type ModelCall<Request, Result> = {
	readonly model: ModelInfo
	run(request: Request, signal?: AbortSignal): Promise<Result & Priced>
}

export type ChatModel = {
	readonly model: ModelInfo
	stream(request: ChatRequest, signal?: AbortSignal): PricedChatStream
}

export type PricedPrediction = PredictionState & {
	/** The catalogue model the prediction ran, when known. */
	modelId?: string
	/** Present once the prediction has ended and its usage is known. */
	costMicros?: number
}

/** Follows predictions that finish later (video, music): polling, canceling, reading webhook bodies. */
export type PredictionClient = {
	get(id: string, signal?: AbortSignal): Promise<PricedPrediction>
	cancel(id: string, signal?: AbortSignal): Promise<PricedPrediction>
	/** The body of a webhook delivery whose signature the caller has already verified. */
	parse(body: unknown): PricedPrediction
}

export type CatalogueEntry = ModelInfo & {
	/** The provider is configured, after a sync it listed the model, and an administrator has not switched it off. */
	available: boolean
	/** False when an administrator switched the model off: it is offered nowhere and refused when asked for. */
	enabled: boolean
}

/** A catalogue model as the registry holds it: `available` from the last sync, `enabled` the administrator's switch. */
export type CatalogueModel = ModelInfo & { available?: boolean; enabled?: boolean }

export interface ProviderRegistry {
	chat(modelId: string): ChatModel
	title(modelId: string): ModelCall<TitleRequest, TitleResult>
	vision(modelId: string): ModelCall<VisionRequest, TextResult>
	image(modelId: string): ModelCall<ImageRequest, MediaResult>
	imageEdit(modelId: string): ModelCall<ImageEditRequest, MediaResult>
	upscale(modelId: string): ModelCall<UpscaleRequest, MediaResult>
	video(modelId: string): ModelCall<VideoRequest, AsyncMediaResult>
	music(modelId: string): ModelCall<MusicRequest, AsyncMediaResult>
	speech(modelId: string): ModelCall<SpeechRequest, MediaResult>
	transcribe(modelId: string): ModelCall<TranscribeRequest, TranscriptResult>
	predictions(provider: ProviderName): PredictionClient
	/** Counts the cost of a prediction that finished after its call, once, in the provider cost metric. */
	recordPredictionCost(modelId: string, capability: Capability, costMicros: number): void
	/** The first available model with the capability, preferring configured vendors over the offline demo. */
	defaultModel(capability: Capability): ModelInfo
	model(modelId: string): ModelInfo | undefined
	list(): CatalogueEntry[]
	isConfigured(provider: ProviderName): boolean
	/** Replaces the catalogue, e.g. with the `models` table (admin-edited prices, sync results). */
	setCatalogue(models: ReadonlyArray<CatalogueModel>): void
	/** Rows to upsert into `models`, refreshed from the configured providers. */
	syncModels(signal?: AbortSignal): Promise<ModelRow[]>
}

export type ProviderRegistryOptions = {
	catalogue?: readonly ModelInfo[]
	/** Per-capability time limits in milliseconds (for chat: the longest silence between chunks). */
	timeouts?: Timeouts
	/** The app's Replicate webhook route, joined to PUBLIC_URL. */
	replicateWebhookPath?: string
	replicatePollIntervalMs?: number
	offline?: OfflineOptions
}

export const DEFAULT_REPLICATE_WEBHOOK_PATH = '/api/webhooks/replicate'

/** What each capability lets a model do, in the words refusals use. */
export const CAPABILITY_WORDS: Record<Capability, string> = {
	chat: 'chat',
	title: 'write titles',
	vision: 'look at images',
	image: 'make images',
	imageEdit: 'edit images',
	upscale: 'upscale images',
	video: 'make videos',
	speech: 'speak text',
	music: 'make music',
	transcribe: 'transcribe audio',
}

const KEY_NAMES: Record<ProviderName, string> = {
	offline: '',
	openai: 'OPENAI_API_KEY',
	replicate: 'REPLICATE_API_TOKEN',
}

function refusedStream(error: ProviderError): PricedChatStream {
	return {
		result: null,
		[Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
	}
}

export function createProviders(config: Config, options: ProviderRegistryOptions = {}): ProviderRegistry {
	let catalogue: CatalogueModel[] = [...(options.catalogue ?? DEFAULT_CATALOGUE)]
	const instruments: Instruments = createInstruments()

	const adapters: Partial<Record<ProviderName, ProviderAdapter>> = {
		offline: createOfflineAdapter(options.offline),
	}
	if (config.openai) {
		adapters.openai = createOpenAIAdapter({
			apiKey: config.openai.apiKey,
			baseUrl: config.openai.baseUrl,
			...(options.timeouts ? { timeouts: options.timeouts } : {}),
		})
	}
	if (config.replicate) {
		const webhookUrl = config.publicUrl
			? new URL(options.replicateWebhookPath ?? DEFAULT_REPLICATE_WEBHOOK_PATH, config.publicUrl).toString()
			: null
		adapters.replicate = createReplicateAdapter({
			apiToken: config.replicate.apiToken,
			baseUrl: config.replicate.baseUrl,
			webhookUrl,
			catalogue: () => catalogue,
			...(options.timeouts ? { timeouts: options.timeouts } : {}),
			...(options.replicatePollIntervalMs !== undefined ? { pollIntervalMs: options.replicatePollIntervalMs } : {}),
		})
	}

	const isConfigured = (provider: ProviderName) => adapters[provider] !== undefined
	// The one meaning of "available" every form, API and worker reads (through list(), defaultModel and resolve).
	const isAvailable = (model: CatalogueModel) =>
		isConfigured(model.provider) && model.available !== false && model.enabled !== false

	function resolve(modelId: string, capability: Capability): { model: ModelInfo; adapter: ProviderAdapter } {
		const model = catalogue.find(m => m.id === modelId)
		if (!model) {
			throw new ProviderError('invalid_request', `There is no model called “${modelId}”. Pick one from the list.`)
		}
		const adapter = adapters[model.provider]
		if (!adapter) {
			throw new ProviderError(
				'invalid_request',
				`${model.displayName} needs ${KEY_NAMES[model.provider]}, which this server does not have. Pick another model or ask an administrator.`,
				{ provider: model.provider },
			)
		}
		if (model.enabled === false) {
			throw new ProviderError(
				'invalid_request',
				`${model.displayName} has been switched off by an administrator. Pick another model.`,
				{ provider: model.provider },
			)
		}
		if (model.available === false) {
			throw new ProviderError(
				'invalid_request',
				`${model.displayName} is not offered by the provider at the moment. Pick another model.`,
				{ provider: model.provider },
			)
		}
		if (!model.capabilities.includes(capability)) {
			throw new ProviderError(
				'invalid_request',
				`${model.displayName} cannot ${CAPABILITY_WORDS[capability]}. Pick a model that can.`,
				{ provider: model.provider },
			)
		}
		return { model, adapter }
	}

	function method<K extends Capability>(adapter: ProviderAdapter, capability: K): NonNullable<ProviderAdapter[K]> {
		const fn = adapter[capability]
		if (!fn) {
			throw new ProviderError(
				'invalid_request',
				`The ${adapter.name} provider cannot ${CAPABILITY_WORDS[capability]}.`,
				{
					provider: adapter.name,
				},
			)
		}
		return fn.bind(adapter) as NonNullable<ProviderAdapter[K]>
	}

	/** Binds a request/response capability to a model, with its span, metrics and price. */
	function bind<Request, Result extends object>(
		modelId: string,
		capability: Exclude<Capability, 'chat'>,
		invoke: (adapter: ProviderAdapter, vendorModel: string, request: Request, signal?: AbortSignal) => Promise<Result>,
	): ModelCall<Request, Result> {
		const { model, adapter } = resolve(modelId, capability)
		return {
			model,
			run: (request, signal) =>
				traced(instruments, { capability, model }, () => invoke(adapter, model.vendorModel, request, signal)),
		}
	}

	function pricePrediction(provider: ProviderName, state: PredictionState): PricedPrediction {
		const model = state.model
			? catalogue.find(m => m.provider === provider && m.vendorModel === state.model)
			: undefined
		const priced: PricedPrediction = { ...state }
		if (model) priced.modelId = model.id
		if (model && state.usage) priced.costMicros = computeCostMicros(model, state.usage)
		return priced
	}

	return {
		chat(modelId) {
			const { model, adapter } = resolve(modelId, 'chat')
			const chat = method(adapter, 'chat')
			return {
				model,
				stream(request, signal) {
					if (!model.capabilities.includes('vision') && request.messages.some(m => (m.images?.length ?? 0) > 0)) {
						// Like every other failure of a stream, the refusal surfaces when it is read.
						return refusedStream(
							new ProviderError(
								'invalid_request',
								`${model.displayName} cannot look at images. Remove the attachment or pick a model that can.`,
								{ provider: model.provider },
							),
						)
					}
					return tracedStream(instruments, { capability: 'chat', model }, chat(model.vendorModel, request, signal))
				},
			}
		},
		title: id => bind(id, 'title', (a, m, r: TitleRequest, s) => method(a, 'title')(m, r, s)),
		vision: id => bind(id, 'vision', (a, m, r: VisionRequest, s) => method(a, 'vision')(m, r, s)),
		image: id => bind(id, 'image', (a, m, r: ImageRequest, s) => method(a, 'image')(m, r, s)),
		imageEdit: id => bind(id, 'imageEdit', (a, m, r: ImageEditRequest, s) => method(a, 'imageEdit')(m, r, s)),
		upscale: id => bind(id, 'upscale', (a, m, r: UpscaleRequest, s) => method(a, 'upscale')(m, r, s)),
		video: id => bind(id, 'video', (a, m, r: VideoRequest, s) => method(a, 'video')(m, r, s)),
		music: id => bind(id, 'music', (a, m, r: MusicRequest, s) => method(a, 'music')(m, r, s)),
		speech: id => bind(id, 'speech', (a, m, r: SpeechRequest, s) => method(a, 'speech')(m, r, s)),
		transcribe: id => bind(id, 'transcribe', (a, m, r: TranscribeRequest, s) => method(a, 'transcribe')(m, r, s)),

		predictions(provider) {
			const adapter = adapters[provider]
			if (!adapter?.getPrediction || !adapter.cancelPrediction || !adapter.parsePrediction) {
				throw new ProviderError('invalid_request', `The ${provider} provider has no predictions to follow.`, {
					provider,
				})
			}
			const { getPrediction, cancelPrediction, parsePrediction } = adapter
			return {
				get: async (id, signal) => pricePrediction(provider, await getPrediction.call(adapter, id, signal)),
				cancel: async (id, signal) => pricePrediction(provider, await cancelPrediction.call(adapter, id, signal)),
				parse: body => pricePrediction(provider, parsePrediction.call(adapter, body)),
			}
		},

		recordPredictionCost(modelId, capability, costMicros) {
			const model = catalogue.find(m => m.id === modelId)
			if (model) recordLateCost(instruments, { capability, model }, costMicros)
		},

		defaultModel(capability) {
			const usable = catalogue.filter(m => m.capabilities.includes(capability) && isAvailable(m))
			const chosen = usable.find(m => m.provider !== 'offline') ?? usable[0]
			if (!chosen) {
				throw new ProviderError('invalid_request', `No configured model can ${CAPABILITY_WORDS[capability]}.`)
			}
			return chosen
		},

		model: id => catalogue.find(m => m.id === id),

		list: () => catalogue.map(m => ({ ...m, available: isAvailable(m), enabled: m.enabled !== false })),

		isConfigured,

		setCatalogue(models) {
			catalogue = [...models]
		},

		syncModels(signal) {
			return syncModels(
				{ ...adapters, openaiCompatible: Boolean(config.openai?.baseUrl) },
				{ catalogue, ...(signal ? { signal } : {}) },
			)
		},
	}
}
