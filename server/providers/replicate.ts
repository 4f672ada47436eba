/**
 * Replicate: images, inpainting, upscaling, video and music through predictions. Quick predictions (images)
 * are awaited inside the call; long ones (video, music) return the prediction id and finish through a
 * signed webhook (`webhook_events_filter: ['completed']`) or polling with `getPrediction`.
 *
 * The SDK retries 429s and 5xx by itself, up to five times and with no way to turn it off; `request` is
 * overridden without that loop, because retries with backoff are the job engine's decision.
 */
import Replicate, { type Prediction } from 'replicate'
import { sleep } from '#server/sleep.ts'
import { DEFAULT_CATALOGUE, type ModelInfo } from './catalogue.ts'
import { normaliseStatus, parsePrediction } from './replicate-predictions.ts'
import { Deadline, parseRetryAfter, shortMessage, timeoutFor, toDataUri, type Timeouts } from './deadline.ts'
import {
	ProviderError,
	type AsyncMediaResult,
	type Capability,
	type ImageEditRequest,
	type ImageRequest,
	type ImageSize,
	type MediaResult,
	type MusicRequest,
	type PredictionState,
	type PredictionStatus,
	type ProviderAdapter,
	type UpscaleRequest,
	type VideoRequest,
} from './types.ts'

export type ReplicateAdapterOptions = {
	apiToken: string
	baseUrl: string | null
	/** Where Replicate should deliver completion webhooks; null when the app has no public URL (then poll). */
	webhookUrl: string | null
	timeouts?: Timeouts
	/** Pause between polls while a quick prediction is awaited inside the call. */
	pollIntervalMs?: number
	/** Read on every use, so a refreshed catalogue (billing rules, pinned versions) takes effect at once. */
	catalogue?: () => readonly ModelInfo[]
	fetch?: typeof fetch
}

/** An HTTP error from the Replicate API, before it is mapped onto `ProviderError`. */
class ReplicateHttpError extends Error {
	constructor(
		readonly status: number,
		readonly headers: Headers,
		readonly detail: string,
	) {
		super(`Replicate answered ${status}: ${detail}`)
		this.name = 'ReplicateHttpError'
	}
}

type RequestOptions = Parameters<Replicate['request']>[1]

class ReplicateClient extends Replicate {
	override async request(route: string | URL, options: RequestOptions): Promise<Response> {
		const base = this.baseUrl ?? 'https://api.replicate.com/v1'
		const url =
			route instanceof URL
				? route
				: new URL(route.startsWith('/') ? route.slice(1) : route, base.endsWith('/') ? base : `${base}/`)
		for (const [key, value] of Object.entries(options.params ?? {})) url.searchParams.append(key, String(value))
		const headers = new Headers({
			'Content-Type': 'application/json',
			'User-Agent': this.userAgent ?? 'generation-studio',
		})
		if (this.auth) headers.set('Authorization', `Bearer ${this.auth}`)
		const extra = options.headers instanceof Headers ? options.headers : new Headers(toStringRecord(options.headers))
		extra.forEach((value, key) => headers.set(key, value))
		const response = await this.fetch(url.toString(), {
			method: options.method ?? 'GET',
			headers,
			...(options.data ? { body: JSON.stringify(options.data) } : {}),
			...(options.signal ? { signal: options.signal } : {}),
		})
		if (!response.ok) {
			const text = await response.text().catch(() => '')
			throw new ReplicateHttpError(response.status, response.headers, errorDetail(text))
		}
		return response
	}
}

function toStringRecord(value: object | undefined): Record<string, string> {
	const out: Record<string, string> = {}
	for (const [k, v] of Object.entries(value ?? {})) if (typeof v === 'string') out[k] = v
	return out
}

function errorDetail(text: string): string {
	try {
		const body: unknown = JSON.parse(text)
		if (body && typeof body === 'object') {
			const record = body as Record<string, unknown>
			const parts = [record.title, record.detail].filter((p): p is string => typeof p === 'string')
			if (parts.length > 0) return shortMessage(parts.join(': '))
		}
	} catch {
		// not JSON: use the text itself
	}
	return shortMessage(text || 'no details given')
}

const TERMINAL: readonly PredictionStatus[] = ['succeeded', 'failed', 'canceled']

function aspectRatio(size: ImageSize | undefined): string {
	const match = size ? /^(\d+)x(\d+)$/.exec(size) : null
	if (!match) return '1:1'
	const ratio = Number(match[1]) / Number(match[2])
	const choices: Array<[string, number]> = [
		['1:1', 1],
		['16:9', 16 / 9],
		['21:9', 21 / 9],
		['3:2', 3 / 2],
		['2:3', 2 / 3],
		['4:5', 4 / 5],
		['5:4', 5 / 4],
		['3:4', 3 / 4],
		['4:3', 4 / 3],
		['9:16', 9 / 16],
		['9:21', 9 / 21],
	]
	let best = choices[0] ?? ['1:1', 1]
	for (const choice of choices)
		if (Math.abs(Math.log(choice[1] / ratio)) < Math.abs(Math.log(best[1] / ratio))) best = choice
	return best[0]
}

export function createReplicateAdapter(options: ReplicateAdapterOptions): ProviderAdapter {
	const catalogueOf = options.catalogue ?? (() => DEFAULT_CATALOGUE)
	const pollIntervalMs = options.pollIntervalMs ?? 1000
	const client = new ReplicateClient({
		auth: options.apiToken,
		...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
		...(options.fetch ? { fetch: options.fetch } : {}),
		userAgent: 'generation-studio',
	})

	function modelInfo(vendorModel: string): ModelInfo | undefined {
		return catalogueOf().find(m => m.provider === 'replicate' && m.vendorModel === vendorModel)
	}

	async function guarded<T>(
		capability: Capability | 'default',
		signal: AbortSignal | undefined,
		run: (deadline: Deadline) => Promise<T>,
	) {
		const deadline = new Deadline(signal, timeoutFor(options.timeouts, capability))
		try {
			return await run(deadline)
		} catch (error) {
			throw mapReplicateError(error, deadline)
		} finally {
			deadline.dispose()
		}
	}

	async function create(
		model: string,
		input: Record<string, unknown>,
		signal: AbortSignal,
		extra: { webhook: boolean; wait?: number },
	) {
		const info = modelInfo(model)
		const target = info?.replicateVersion ? { version: info.replicateVersion } : { model }
		return client.predictions.create({
			...target,
			input,
			...(extra.webhook && options.webhookUrl
				? { webhook: options.webhookUrl, webhook_events_filter: ['completed' as const] }
				: {}),
			...(extra.wait ? { wait: extra.wait } : {}),
			signal,
		})
	}

	/** Runs a quick prediction to its end inside the call; cancels it if we give up, so nobody pays for it. */
	async function runToEnd(capability: Capability, model: string, input: Record<string, unknown>, signal?: AbortSignal) {
		return guarded(capability, signal, async deadline => {
			// Hold the create for at most half the time limit, so a prediction still running afterwards is known
			// by id and can be canceled when the limit passes.
			let prediction: Prediction = await create(model, input, deadline.signal, {
				webhook: false,
				wait: Math.min(60, Math.max(1, Math.floor(deadline.ms / 2000))),
			})
			try {
				while (!TERMINAL.includes(normaliseStatus(prediction.status))) {
					await sleep(pollIntervalMs, deadline.signal)
					deadline.signal.throwIfAborted()
					prediction = await client.predictions.get(prediction.id, { signal: deadline.signal })
				}
			} catch (error) {
				if (deadline.signal.aborted) {
					const id = prediction.id
					client.predictions.cancel(id, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
				}
				throw error
			}
			const state = parsePrediction(prediction, catalogueOf())
			if (state.status === 'failed' && state.error) throw state.error
			if (state.status === 'canceled')
				throw new ProviderError('canceled', 'The prediction was canceled.', { provider: 'replicate' })
			if (!state.outputs || state.outputs.length === 0) {
				throw new ProviderError('unavailable', 'Replicate finished without an output. Try again.', {
					provider: 'replicate',
				})
			}
			return { outputs: state.outputs, usage: state.usage ?? { unit: 'images', units: state.outputs.length } }
		})
	}

	async function startLong(
		capability: Capability,
		model: string,
		input: Record<string, unknown>,
		signal?: AbortSignal,
	): Promise<AsyncMediaResult> {
		return guarded(capability, signal, async deadline => {
			const prediction = await create(model, input, deadline.signal, { webhook: true })
			return { status: 'pending', provider: 'replicate', predictionId: prediction.id }
		})
	}

	return {
		name: 'replicate',

		async image(model: string, request: ImageRequest, signal?: AbortSignal): Promise<MediaResult> {
			const input: Record<string, unknown> = {
				prompt: request.prompt,
				aspect_ratio: aspectRatio(request.size),
				num_outputs: Math.max(1, Math.min(4, request.n ?? 1)),
				output_format: 'png',
			}
			if (request.seed !== undefined) input.seed = request.seed
			if (request.negativePrompt) input.negative_prompt = request.negativePrompt
			if (request.image) {
				input.image = toDataUri(request.image.data, request.image.contentType)
				input.prompt_strength = request.strength ?? 0.8
			}
			const result = await runToEnd('image', model, input, signal)
			return request.seed !== undefined ? { ...result, seed: request.seed } : result
		},

		async imageEdit(model: string, request: ImageEditRequest, signal?: AbortSignal): Promise<MediaResult> {
			const input: Record<string, unknown> = {
				prompt: request.prompt,
				image: toDataUri(request.image.data, request.image.contentType),
				output_format: 'png',
			}
			if (request.mask) input.mask = toDataUri(request.mask.data, request.mask.contentType)
			if (request.seed !== undefined) input.seed = request.seed
			return runToEnd('imageEdit', model, input, signal)
		},

		async upscale(model: string, request: UpscaleRequest, signal?: AbortSignal): Promise<MediaResult> {
			const input = { image: toDataUri(request.image.data, request.image.contentType), scale: request.scale ?? 2 }
			return runToEnd('upscale', model, input, signal)
		},

		async video(model: string, request: VideoRequest, signal?: AbortSignal): Promise<AsyncMediaResult> {
			const info = modelInfo(model)
			const fields = info?.video?.replicateInputs ?? { image: 'first_frame_image' }
			const input: Record<string, unknown> = { prompt: request.prompt }
			if (model === 'minimax/video-01') input.prompt_optimizer = true
			// Only the fields this model's API takes; a choice it does not take is the only one it makes.
			if (request.image && fields.image) input[fields.image] = toDataUri(request.image.data, request.image.contentType)
			if (request.aspect && fields.aspect) input[fields.aspect] = request.aspect
			if (request.resolution && fields.resolution) input[fields.resolution] = request.resolution
			const billing = info?.replicateBilling
			if (request.durationSeconds !== undefined && billing?.by === 'output-seconds') {
				input[billing.inputKey] = request.durationSeconds
			}
			if (request.seed !== undefined) input.seed = request.seed
			return startLong('video', model, input, signal)
		},

		async music(model: string, request: MusicRequest, signal?: AbortSignal): Promise<AsyncMediaResult> {
			const input: Record<string, unknown> = {
				prompt: request.prompt,
				duration: Math.max(1, Math.round(request.durationSeconds)),
				output_format: 'wav',
				normalization_strategy: 'peak',
			}
			if (model === 'meta/musicgen') input.model_version = 'stereo-large'
			if (request.seed !== undefined) input.seed = request.seed
			return startLong('music', model, input, signal)
		},

		async getPrediction(id: string, signal?: AbortSignal): Promise<PredictionState> {
			return guarded('default', signal, async deadline =>
				parsePrediction(await client.predictions.get(id, { signal: deadline.signal }), catalogueOf()),
			)
		},

		async cancelPrediction(id: string, signal?: AbortSignal): Promise<PredictionState> {
			return guarded('default', signal, async deadline =>
				parsePrediction(await client.predictions.cancel(id, { signal: deadline.signal }), catalogueOf()),
			)
		},

		parsePrediction(body: unknown): PredictionState {
			return parsePrediction(body, catalogueOf())
		},

		async listModels(known: readonly string[], signal?: AbortSignal) {
			return guarded('default', signal, async deadline => {
				const found: { name: string; version?: string }[] = []
				for (const name of known) {
					const [owner = '', modelName = ''] = name.split('/')
					try {
						const model = await client.models.get(owner, modelName, { signal: deadline.signal })
						found.push(model.latest_version?.id ? { name, version: model.latest_version.id } : { name })
					} catch (error) {
						// A model that is gone is simply not listed; anything else fails the sync.
						if (error instanceof ReplicateHttpError && error.status === 404) continue
						throw error
					}
				}
				return found
			})
		},
	}
}

/** The vendor's error, as one of ours, with a message a person can act on. */
export function mapReplicateError(error: unknown, deadline: Deadline | null): ProviderError {
	if (error instanceof ProviderError) return error
	const aborted = deadline?.abortError('replicate', 'Replicate')
	if (aborted) return aborted
	const options = { provider: 'replicate' as const, cause: error }
	if (error instanceof ReplicateHttpError) {
		const withStatus = { ...options, status: error.status }
		if (error.status === 429) {
			const retryAfterSeconds = parseRetryAfter(error.headers)
			return new ProviderError(
				'rate_limited',
				`Replicate is rate limiting requests. Try again${retryAfterSeconds !== undefined ? ` in ${retryAfterSeconds} seconds` : ' shortly'}.`,
				retryAfterSeconds === undefined ? withStatus : { ...withStatus, retryAfterSeconds },
			)
		}
		if (error.status === 401 || error.status === 403) {
			return new ProviderError(
				'unavailable',
				"Replicate rejected the server's API token. An administrator needs to check REPLICATE_API_TOKEN.",
				{ ...withStatus, retryable: false },
			)
		}
		if (error.status === 402) {
			return new ProviderError('unavailable', 'Replicate says the account needs billing set up or topped up.', {
				...withStatus,
				retryable: false,
			})
		}
		if (/nsfw|safety|sensitive|flagged/i.test(error.detail)) {
			return new ProviderError('content_refused', `Replicate refused this request: ${error.detail}`, withStatus)
		}
		if (error.status === 408)
			return new ProviderError('timed_out', 'Replicate did not answer in time. Try again.', withStatus)
		if (error.status >= 400 && error.status < 500) {
			return new ProviderError('invalid_request', `Replicate rejected the request: ${error.detail}`, withStatus)
		}
		return new ProviderError(
			'unavailable',
			`Replicate had a problem answering (${error.status}). Try again.`,
			withStatus,
		)
	}
	return new ProviderError('unavailable', 'Replicate could not be reached. Try again in a moment.', options)
}

export { parsePrediction } from './replicate-predictions.ts'
