/**
 * OpenAI, and any server that speaks its API (Ollama, vLLM, LM Studio) through `OPENAI_BASE_URL`: streaming
 * chat, titles, vision, images and edits, speech and transcription, with the vendor's errors mapped onto
 * `ProviderError`. The SDK's own retries are off: retrying with backoff is the job engine's decision, and a
 * hidden retry would double a bill or a wait without anyone seeing it.
 */
import OpenAI, { toFile, type ClientOptions } from 'openai'
import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { logger } from '#server/logger.ts'
import { createChatStream } from './chat-stream.ts'
import { mapOpenAIError } from './openai-errors.ts'
import { DEFAULT_TIMEOUTS, Deadline, estimateTokens, timeoutFor, toDataUri, type Timeouts } from './deadline.ts'
import { extensionFor, sniffAudio } from './media.ts'
import {
	ProviderError,
	type BinaryInput,
	type Capability,
	type ChatMessage,
	type ChatRequest,
	type ChatStream,
	type FinishReason,
	type ImageEditRequest,
	type ImageRequest,
	type MediaOutput,
	type MediaResult,
	type ProviderAdapter,
	type SpeechFormat,
	type SpeechRequest,
	type TextResult,
	type TranscriptResult,
	type TitleRequest,
	type TitleResult,
	type TranscribeRequest,
	type Usage,
	type VisionRequest,
} from './types.ts'

export type OpenAIAdapterOptions = {
	apiKey: string
	/** An OpenAI-compatible server; null for OpenAI itself. */
	baseUrl: string | null
	timeouts?: Timeouts
	fetch?: ClientOptions['fetch']
}

const TITLE_PROMPT =
	'Write a short title (at most six words) for a conversation that begins as follows. ' +
	'Answer with the title only: no quotes, no trailing punctuation.'

/** What each speech format is stored as (OpenAI's opus comes in an Ogg container). */
const SPEECH_TYPES: Record<SpeechFormat, string> = { mp3: 'audio/mpeg', wav: 'audio/wav', opus: 'audio/ogg' }

export function createOpenAIAdapter(options: OpenAIAdapterOptions): ProviderAdapter {
	const compatible = options.baseUrl !== null
	const vendor = compatible ? 'The OpenAI-compatible server' : 'OpenAI'
	const client = new OpenAI({
		apiKey: options.apiKey,
		...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
		maxRetries: 0,
		timeout: DEFAULT_TIMEOUTS.default,
		...(options.fetch ? { fetch: options.fetch } : {}),
		// The SDK logs through console by default; route it to our logger instead.
		logger: {
			error: (message, ...rest) => logger.error(`openai: ${message}`, { details: rest }),
			warn: (message, ...rest) => logger.warn(`openai: ${message}`, { details: rest }),
			info: (message, ...rest) => logger.debug(`openai: ${message}`, { details: rest }),
			debug: (message, ...rest) => logger.debug(`openai: ${message}`, { details: rest }),
		},
		logLevel: 'warn',
	})

	/** Runs one non-streaming call under a deadline and maps whatever goes wrong. */
	async function call<T>(
		capability: Capability | 'default',
		signal: AbortSignal | undefined,
		run: (requestOptions: { signal: AbortSignal; timeout: number }) => Promise<T>,
	): Promise<T> {
		const ms = timeoutFor(options.timeouts, capability)
		const deadline = new Deadline(signal, ms)
		try {
			return await run({ signal: deadline.signal, timeout: ms })
		} catch (error) {
			throw mapOpenAIError(error, deadline, vendor)
		} finally {
			deadline.dispose()
		}
	}

	function chatMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
		return messages.map((m): ChatCompletionMessageParam => {
			if (m.role === 'user' && m.images && m.images.length > 0) {
				const parts: ChatCompletionContentPart[] = [{ type: 'text', text: m.content }]
				for (const image of m.images) {
					parts.push({ type: 'image_url', image_url: { url: toDataUri(image.data, image.contentType) } })
				}
				return { role: 'user', content: parts }
			}
			return { role: m.role, content: m.content }
		})
	}

	function tokenLimit(max: number | undefined) {
		if (max === undefined) return {}
		// OpenAI renamed the field; compatible servers mostly know only the old one.
		return compatible ? { max_tokens: max } : { max_completion_tokens: max }
	}

	async function complete(
		capability: Capability,
		model: string,
		messages: ChatCompletionMessageParam[],
		signal: AbortSignal | undefined,
		maxTokens?: number,
	): Promise<{ text: string; usage: Usage }> {
		const completion = await call(capability, signal, requestOptions =>
			client.chat.completions.create({ model, messages, stream: false, ...tokenLimit(maxTokens) }, requestOptions),
		)
		const choice = completion.choices[0]
		if (choice?.finish_reason === 'content_filter' && !choice.message.content) {
			throw new ProviderError('content_refused', `${vendor} declined to answer this request.`, { provider: 'openai' })
		}
		const text = choice?.message.content ?? ''
		const input = messages.map(m => (typeof m.content === 'string' ? m.content : '')).join('\n')
		return { text, usage: tokenUsage(completion.usage, input, text) }
	}

	async function editImage(model: string, request: ImageEditRequest, signal?: AbortSignal): Promise<MediaResult> {
		const image = await upload(request.image, 'image')
		const mask = request.mask ? await upload(request.mask, 'mask') : undefined
		const response = await call('imageEdit', signal, requestOptions =>
			client.images.edit(
				{
					model,
					image,
					prompt: request.prompt,
					n: clamp(request.n ?? 1, 1, 10),
					...(mask ? { mask } : {}),
					...(request.size ? { size: request.size as '1024x1024' } : {}),
				},
				requestOptions,
			),
		)
		return imagesResult(response.data ?? [], response.output_format, vendor)
	}

	return {
		name: 'openai',

		chat(model: string, request: ChatRequest, signal?: AbortSignal): ChatStream {
			return createChatStream(async function* () {
				const deadline = new Deadline(signal, timeoutFor(options.timeouts, 'chat'))
				try {
					const stream = await client.chat.completions.create(
						{
							model,
							messages: chatMessages(request.messages),
							stream: true,
							stream_options: { include_usage: true },
							...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
							...tokenLimit(request.maxOutputTokens),
						},
						{ signal: deadline.signal, timeout: deadline.ms },
					)
					let text = ''
					let usage: Usage | null = null
					let finishReason: FinishReason = 'stop'
					for await (const chunk of stream) {
						deadline.arm()
						if (chunk.usage) usage = tokenUsage(chunk.usage, '', '')
						const choice = chunk.choices[0]
						if (choice?.finish_reason) finishReason = mapFinishReason(choice.finish_reason)
						const delta = choice?.delta?.content
						if (delta) {
							text += delta
							// The consumer's own pace does not count against the provider.
							deadline.pause()
							yield delta
							deadline.arm()
						}
					}
					// The SDK ends a stream quietly when its request is aborted: that is a timeout or a cancel.
					const aborted = deadline.abortError('openai', `${vendor} (${model})`)
					if (aborted) throw aborted
					const input = request.messages.map(m => m.content).join('\n')
					return { text, usage: usage ?? tokenUsage(undefined, input, text), finishReason }
				} catch (error) {
					throw mapOpenAIError(error, deadline, vendor)
				} finally {
					deadline.dispose()
				}
			})
		},

		async title(model: string, request: TitleRequest, signal?: AbortSignal): Promise<TitleResult> {
			const { text, usage } = await complete(
				'title',
				model,
				[
					{ role: 'system', content: TITLE_PROMPT },
					{ role: 'user', content: request.text.slice(0, 4000) },
				],
				signal,
				30,
			)
			const title = text
				.replace(/^["'“”\s]+|["'“”.\s]+$/g, '')
				.replace(/\s+/g, ' ')
				.slice(0, 80)
			return { title: title || 'New conversation', usage }
		},

		async vision(model: string, request: VisionRequest, signal?: AbortSignal): Promise<TextResult> {
			return complete(
				'vision',
				model,
				chatMessages([{ role: 'user', content: request.question || 'Describe this image.', images: [request.image] }]),
				signal,
			)
		},

		async image(model: string, request: ImageRequest, signal?: AbortSignal): Promise<MediaResult> {
			const dalle = model.startsWith('dall-e')
			const n = clamp(request.n ?? 1, 1, model === 'dall-e-3' ? 1 : 10)
			// Image-to-image is an edit without a mask on OpenAI's API.
			if (request.image) {
				const { image, prompt, size } = request
				return editImage(model, { image, prompt, n, ...(size ? { size } : {}) }, signal)
			}
			const response = await call('image', signal, requestOptions =>
				client.images.generate(
					{
						model,
						prompt: request.prompt,
						n,
						...(request.size ? { size: request.size as '1024x1024' } : {}),
						...(request.quality ? { quality: request.quality as 'auto' } : {}),
						...(request.style ? { style: request.style as 'vivid' } : {}),
						// DALL·E answers with short-lived URLs unless asked for the bytes; GPT Image always sends bytes.
						...(dalle ? { response_format: 'b64_json' as const } : {}),
					},
					requestOptions,
				),
			)
			return imagesResult(response.data ?? [], response.output_format, vendor)
		},

		imageEdit: editImage,

		async speech(model: string, request: SpeechRequest, signal?: AbortSignal): Promise<MediaResult> {
			const format = request.format ?? 'mp3'
			const data = await call('speech', signal, async requestOptions => {
				const response = await client.audio.speech.create(
					{
						model,
						input: request.text,
						voice: request.voice ?? 'alloy',
						response_format: format,
						...(request.speed !== undefined ? { speed: request.speed } : {}),
						...(request.instructions ? { instructions: request.instructions } : {}),
					},
					requestOptions,
				)
				return new Uint8Array(await response.arrayBuffer())
			})
			if (data.length === 0) {
				throw new ProviderError('unavailable', `${vendor} returned empty audio. Try again.`, { provider: 'openai' })
			}
			return {
				outputs: [{ kind: 'bytes', data, contentType: SPEECH_TYPES[format] }],
				usage: { unit: 'characters', units: request.text.length },
			}
		},

		async transcribe(model: string, request: TranscribeRequest, signal?: AbortSignal): Promise<TranscriptResult> {
			const file = await upload(request.audio, 'recording')
			// Whisper gives timed segments in its verbose answer; the newer transcription models only text.
			const verbose = model.startsWith('whisper')
			const result = await call('transcribe', signal, requestOptions =>
				client.audio.transcriptions.create(
					{
						model,
						file,
						...(request.language ? { language: request.language } : {}),
						...(verbose
							? { response_format: 'verbose_json' as const, timestamp_granularities: ['segment' as const] }
							: {}),
					},
					requestOptions,
				),
			)
			const seconds = sniffAudio(request.audio.data)?.durationSeconds ?? request.durationSeconds
			let usage: Usage
			// The usage's shape differs by response format and model: read it as what it says it is.
			const reported: unknown = 'usage' in result ? result.usage : undefined
			const field = (name: string) =>
				typeof reported === 'object' && reported !== null && name in reported
					? (reported as Record<string, unknown>)[name]
					: undefined
			const number = (name: string) => (typeof field(name) === 'number' ? (field(name) as number) : 0)
			if (field('type') === 'duration') usage = { unit: 'seconds', units: number('seconds') }
			else if (field('type') === 'tokens') {
				usage = { unit: 'tokens', inputTokens: number('input_tokens'), outputTokens: number('output_tokens') }
			} else if ('duration' in result && typeof result.duration === 'number') {
				usage = { unit: 'seconds', units: result.duration }
			} else {
				usage = { unit: 'seconds', units: seconds ?? 0, estimated: true }
			}
			const out: TranscriptResult = { text: result.text, usage }
			if ('segments' in result && Array.isArray(result.segments)) {
				out.segments = result.segments.map(s => ({ start: s.start, end: s.end, text: s.text.trim() }))
			}
			if ('language' in result && typeof result.language === 'string') out.language = result.language
			if ('duration' in result && typeof result.duration === 'number') out.durationSeconds = result.duration
			return out
		},

		async listModels(_known: readonly string[], signal?: AbortSignal) {
			return call('default', signal, async requestOptions => {
				const names: { name: string }[] = []
				for await (const model of client.models.list(requestOptions)) names.push({ name: model.id })
				return names
			})
		},
	}
}

function upload(input: BinaryInput, name: string) {
	return toFile(input.data, input.filename ?? `${name}.${extensionFor(input.contentType)}`, { type: input.contentType })
}

function clamp(n: number, min: number, max: number) {
	return Math.max(min, Math.min(max, Math.floor(n)))
}

function tokenUsage(
	usage: { prompt_tokens: number; completion_tokens: number } | null | undefined,
	input: string,
	output: string,
): Usage {
	if (usage) return { unit: 'tokens', inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }
	// Some compatible servers do not report usage; an estimate keeps the history honest about length.
	return { unit: 'tokens', inputTokens: estimateTokens(input), outputTokens: estimateTokens(output), estimated: true }
}

function mapFinishReason(reason: string): FinishReason {
	if (reason === 'stop' || reason === 'length' || reason === 'content_filter') return reason
	return 'other'
}

function imagesResult(
	data: Array<{ b64_json?: string; url?: string }>,
	format: string | undefined,
	vendor: string,
): MediaResult {
	const contentType = format === 'jpeg' ? 'image/jpeg' : format === 'webp' ? 'image/webp' : 'image/png'
	const outputs: MediaOutput[] = []
	for (const item of data) {
		if (item.b64_json)
			outputs.push({ kind: 'bytes', data: new Uint8Array(Buffer.from(item.b64_json, 'base64')), contentType })
		else if (item.url) outputs.push({ kind: 'url', url: item.url })
	}
	if (outputs.length === 0) {
		throw new ProviderError('unavailable', `${vendor} returned no image. Try again.`, { provider: 'openai' })
	}
	return { outputs, usage: { unit: 'images', units: outputs.length } }
}

export { mapOpenAIError } from './openai-errors.ts'
