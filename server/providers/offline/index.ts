/**
 * The offline provider: every capability, no network, no key, no cost. Outputs are deterministic (the same
 * prompt and seed give the same bytes) and say they are demos — in the text, in the picture (DEMO), in the
 * files' metadata — so a fresh install works end to end and nobody mistakes them for real results.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createChatStream } from '../chat-stream.ts'
import { sleep } from '#server/sleep.ts'
import { estimateTokens } from '../deadline.ts'
import { formatBytes, sniffAudio, sniffImage } from '../media.ts'
import {
	ProviderError,
	type AsyncMediaResult,
	type ChatMessage,
	type ChatRequest,
	type ChatStream,
	type ImageEditRequest,
	type ImageRequest,
	type ImageSize,
	type MediaResult,
	type MusicRequest,
	type ProviderAdapter,
	type SpeechRequest,
	type TextResult,
	type TranscriptResult,
	type TranscriptSegment,
	type TitleRequest,
	type TitleResult,
	type TranscribeRequest,
	type UpscaleRequest,
	type VideoRequest,
	type VisionRequest,
} from '../types.ts'
import { enlargeRgb, toGrey, toRgb } from '#server/media/images.ts'
import { drawLabel, encodePng, renderDemoImage } from './png.ts'
import { encodeWav, renderNoise, renderNotes, type Note } from './wav.ts'

export const OFFLINE_LABEL = 'Generation Studio offline demo output: no AI provider was called'
export const DEMO_VIDEO_FILE = 'offline-demo.mp4'
export const DEMO_VIDEO_SECONDS = 3

export type OfflineOptions = {
	/** Pause between streamed chat chunks, so streaming looks and behaves like a real provider. */
	chunkDelayMs?: number
	/** Where the committed demo clip lives; found next to the source tree or under the working directory otherwise. */
	demoVideoPath?: string
	/** Largest side of a demo picture; bigger requests are scaled down to keep the server light. */
	maxImageSide?: number
	/** Largest side of an upscaled picture (the source times the scale, up to this). */
	maxUpscaleSide?: number
}

/** A source or mask that cannot be decoded is the caller's mistake, said as such. */
async function unreadable<T>(fn: () => Promise<T>, what = 'source image'): Promise<T> {
	try {
		return await fn()
	} catch (error) {
		throw new ProviderError('invalid_request', `The ${what} is not an image that can be read.`, {
			provider: 'offline',
			cause: error,
		})
	}
}

const DEFAULT_SIZE = 512

function hashOf(...parts: Array<string | number | Uint8Array | undefined>): Uint8Array {
	const h = createHash('sha256')
	for (const part of parts) {
		h.update(part === undefined ? '\u0000-' : part instanceof Uint8Array ? part : String(part))
		h.update('\u0000')
	}
	return new Uint8Array(h.digest())
}

function parseSize(size: ImageSize | undefined, fallback: { width: number; height: number }, maxSide: number) {
	let { width, height } = fallback
	const match = size ? /^(\d+)x(\d+)$/.exec(size) : null
	if (match) {
		width = Number(match[1])
		height = Number(match[2])
	}
	if (!(width > 0 && height > 0)) throw new ProviderError('invalid_request', `Image size ${size} is not WIDTHxHEIGHT.`)
	const scale = Math.min(1, maxSide / Math.max(width, height))
	return { width: Math.max(8, Math.round(width * scale)), height: Math.max(8, Math.round(height * scale)) }
}

function checkSignal(signal: AbortSignal | undefined) {
	if (signal?.aborted) throw new ProviderError('canceled', 'The request was canceled.', { provider: 'offline' })
}

function quote(text: string, max = 160) {
	const oneLine = text.replace(/\s+/g, ' ').trim()
	return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine
}

function describeImage(data: Uint8Array): string {
	const facts = sniffImage(data)
	if (!facts) return `a file of ${formatBytes(data.length)} that is not an image format I recognise`
	const size = facts.width && facts.height ? `, ${facts.width}×${facts.height} pixels` : ''
	return `a ${facts.label} image${size} (${formatBytes(data.length)})`
}

function lastUserMessage(messages: ChatMessage[]): ChatMessage | undefined {
	return [...messages].reverse().find(m => m.role === 'user')
}

export function offlineReply(request: ChatRequest): string {
	const user = lastUserMessage(request.messages)
	const parts = ['(Offline demo reply)']
	parts.push(user?.content.trim() ? `You said: “${quote(user.content)}”.` : 'You sent an empty message.')
	const images = user?.images ?? []
	if (images.length > 0) {
		parts.push(`You attached ${images.map(i => describeImage(i.data)).join(' and ')}.`)
	}
	parts.push(
		'This reply comes from the built-in offline provider, so no model read your message.',
		'Set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) to chat with a real model.',
	)
	return parts.join(' ')
}

/** Splits a reply into several chunks of a few words, keeping the spaces so the chunks join back exactly. */
function chunksOf(text: string, wordsPerChunk = 4): string[] {
	const words = text.match(/\S+\s*/g) ?? [text]
	const chunks: string[] = []
	for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''))
	return chunks
}

export function offlineTitle(text: string): string {
	const words = text
		.replace(/[`*_#>[\]()"“”'’!?.,:;]+/g, ' ')
		.split(/\s+/)
		.filter(Boolean)
		.slice(0, 6)
	if (words.length === 0) return 'New conversation'
	const title = words.join(' ').slice(0, 60)
	return title.charAt(0).toUpperCase() + title.slice(1)
}

function defaultDemoVideoPaths(): string[] {
	const here = path.dirname(fileURLToPath(import.meta.url))
	return [
		path.resolve(here, '../../../public/demo', DEMO_VIDEO_FILE),
		path.resolve(process.cwd(), 'public/demo', DEMO_VIDEO_FILE),
	]
}

export function createOfflineAdapter(options: OfflineOptions = {}): ProviderAdapter {
	const chunkDelayMs = options.chunkDelayMs ?? 25
	const maxSide = options.maxImageSide ?? 1024
	const maxUpscaleSide = options.maxUpscaleSide ?? 2048
	let demoVideo: Promise<Uint8Array> | null = null

	function encode(width: number, height: number, rgb: Uint8Array): Uint8Array {
		return encodePng(width, height, rgb, { Software: 'Generation Studio', Comment: OFFLINE_LABEL })
	}

	function png(width: number, height: number, hash: Uint8Array): Uint8Array {
		return encode(width, height, renderDemoImage(width, height, hash))
	}

	/**
	 * A demo made from a source picture: the source at the output size, mixed with the pattern of `hash` —
	 * everywhere by `strength`, or only where `mask` is light — and labelled with what was done.
	 */
	async function fromSource(options: {
		source: Uint8Array
		width: number
		height: number
		hash: Uint8Array
		strength: number
		mask?: Uint8Array | undefined
		label: string
	}): Promise<Uint8Array> {
		const { width, height } = options
		const base = await unreadable(() => toRgb(options.source, width, height))
		const mask = options.mask ? await unreadable(() => toGrey(options.mask as Uint8Array, width, height), 'mask') : null
		const pattern = renderDemoImage(width, height, options.hash)
		for (let p = 0; p < width * height; p++) {
			const weight = mask ? ((mask[p] ?? 0) / 255) * Math.max(options.strength, 0.85) : options.strength
			for (let k = 0; k < 3; k++) {
				const i = p * 3 + k
				base[i] = Math.round((base[i] ?? 0) * (1 - weight) + (pattern[i] ?? 0) * weight)
			}
		}
		drawLabel(base, width, height, options.label, 'bottom')
		return encode(width, height, base)
	}

	async function loadDemoVideo(): Promise<Uint8Array> {
		demoVideo ??= (async () => {
			const candidates = options.demoVideoPath ? [options.demoVideoPath] : defaultDemoVideoPaths()
			for (const candidate of candidates) {
				try {
					return new Uint8Array(await readFile(candidate))
				} catch {
					// try the next place
				}
			}
			throw new ProviderError(
				'unavailable',
				`The offline demo video (public/demo/${DEMO_VIDEO_FILE}) is missing from this installation.`,
				{ provider: 'offline', retryable: false },
			)
		})()
		demoVideo.catch(() => {
			demoVideo = null
		})
		return demoVideo
	}

	return {
		name: 'offline',

		chat(_model: string, request: ChatRequest, signal?: AbortSignal): ChatStream {
			return createChatStream(async function* () {
				const text = offlineReply(request)
				for (const [i, piece] of chunksOf(text).entries()) {
					if (i > 0) {
						await sleep(chunkDelayMs, signal)
						if (signal?.aborted) {
							throw new ProviderError('canceled', 'The reply was canceled.', { provider: 'offline' })
						}
					}
					yield piece
				}
				const input = request.messages.map(m => m.content).join('\n')
				return {
					text,
					usage: {
						unit: 'tokens',
						inputTokens: estimateTokens(input),
						outputTokens: estimateTokens(text),
						estimated: true,
					},
					finishReason: 'stop',
				}
			})
		},

		async title(_model: string, request: TitleRequest, signal?: AbortSignal): Promise<TitleResult> {
			checkSignal(signal)
			const title = offlineTitle(request.text)
			return {
				title,
				usage: {
					unit: 'tokens',
					inputTokens: estimateTokens(request.text),
					outputTokens: estimateTokens(title),
					estimated: true,
				},
			}
		},

		async vision(_model: string, request: VisionRequest, signal?: AbortSignal): Promise<TextResult> {
			checkSignal(signal)
			const text =
				`(Offline demo analysis) This is ${describeImage(request.image.data)}. ` +
				(request.question.trim() ? `You asked: “${quote(request.question)}”. ` : '') +
				'No model looked at it: configure a vision-capable provider to analyse images for real.'
			return {
				text,
				usage: {
					unit: 'tokens',
					inputTokens: estimateTokens(request.question),
					outputTokens: estimateTokens(text),
					estimated: true,
				},
			}
		},

		async image(_model: string, request: ImageRequest, signal?: AbortSignal): Promise<MediaResult> {
			checkSignal(signal)
			const { width, height } = parseSize(request.size, { width: DEFAULT_SIZE, height: DEFAULT_SIZE }, maxSide)
			const n = Math.max(1, Math.min(4, request.n ?? 1))
			const seed = request.seed ?? 0
			const hash = (i: number) => hashOf('image', request.prompt, request.negativePrompt, request.quality, seed, i)
			const source = request.image?.data
			const strength = Math.max(0, Math.min(1, request.strength ?? 0.6))
			const outputs = await Promise.all(
				Array.from({ length: n }, async (_, i) => ({
					kind: 'bytes' as const,
					data: source
						? await fromSource({
								source,
								width,
								height,
								hash: hash(i),
								strength,
								label: `DEMO · IMAGE TO IMAGE ${Math.round(strength * 100)}`,
							})
						: png(width, height, hash(i)),
					contentType: 'image/png',
				})),
			)
			return { outputs, usage: { unit: 'images', units: n }, seed }
		},

		async imageEdit(_model: string, request: ImageEditRequest, signal?: AbortSignal): Promise<MediaResult> {
			checkSignal(signal)
			const facts = sniffImage(request.image.data)
			const fallback = { width: facts?.width ?? DEFAULT_SIZE, height: facts?.height ?? DEFAULT_SIZE }
			const { width, height } = parseSize(request.size, fallback, maxSide)
			const n = Math.max(1, Math.min(4, request.n ?? 1))
			const seed = request.seed ?? 0
			const outputs = await Promise.all(
				Array.from({ length: n }, async (_, i) => ({
					kind: 'bytes' as const,
					data: await fromSource({
						source: request.image.data,
						width,
						height,
						hash: hashOf('edit', request.image.data, request.mask?.data, request.prompt, seed, i),
						strength: 0.6,
						mask: request.mask?.data,
						label: 'DEMO · EDIT',
					}),
					contentType: 'image/png',
				})),
			)
			return { outputs, usage: { unit: 'images', units: n }, seed }
		},

		async upscale(_model: string, request: UpscaleRequest, signal?: AbortSignal): Promise<MediaResult> {
			checkSignal(signal)
			const scale = request.scale ?? 2
			// The source enlarged for real (Lanczos), so the result is the same picture at the larger size.
			const { rgb, width, height } = await unreadable(() => enlargeRgb(request.image.data, scale, maxUpscaleSide))
			drawLabel(rgb, width, height, `DEMO · UPSCALED ×${scale}`, 'bottom')
			const data = encode(width, height, rgb)
			return { outputs: [{ kind: 'bytes', data, contentType: 'image/png' }], usage: { unit: 'images', units: 1 } }
		},

		async video(_model: string, _request: VideoRequest, signal?: AbortSignal): Promise<AsyncMediaResult> {
			checkSignal(signal)
			// One committed clip for every prompt: deterministic, a real playable file, and obviously a demo.
			const data = await loadDemoVideo()
			return {
				status: 'succeeded',
				outputs: [{ kind: 'bytes', data, contentType: 'video/mp4' }],
				usage: { unit: 'seconds', units: DEMO_VIDEO_SECONDS },
			}
		},

		async speech(_model: string, request: SpeechRequest, signal?: AbortSignal): Promise<MediaResult> {
			checkSignal(signal)
			// Each voice its own register, each word its own pitch; the speed shortens the notes and the gaps.
			const register = { tone: 180, chime: 440, hum: 110 }[request.voice ?? 'tone'] ?? 180
			const pace = 1 / Math.max(0.25, Math.min(4, request.speed ?? 1))
			const words = request.text.split(/\s+/).filter(Boolean).slice(0, 80)
			const notes: Note[] = (words.length > 0 ? words : ['…']).map(word => {
				const h = hashOf('speech', request.voice, word.toLowerCase())
				return {
					frequency: register * 2 ** (((h[0] ?? 0) % 12) / 12),
					seconds: Math.min(0.35, 0.08 + word.length * 0.025) * pace,
					gap: 0.05 * pace,
				}
			})
			const data = encodeWav(renderNotes(notes, 16_000), 16_000, OFFLINE_LABEL)
			return {
				outputs: [{ kind: 'bytes', data, contentType: 'audio/wav' }],
				usage: { unit: 'characters', units: request.text.length },
			}
		},

		async music(_model: string, request: MusicRequest, signal?: AbortSignal): Promise<AsyncMediaResult> {
			checkSignal(signal)
			const seconds = Math.max(1, Math.min(30, request.durationSeconds))
			if (request.sound === 'effects') {
				const data = encodeWav(
					renderNoise(hashOf('effects', request.prompt, request.seed ?? 0), seconds, 22_050),
					22_050,
					OFFLINE_LABEL,
				)
				return {
					status: 'succeeded',
					outputs: [{ kind: 'bytes', data, contentType: 'audio/wav' }],
					usage: { unit: 'seconds', units: seconds },
					seed: request.seed ?? 0,
				}
			}
			const h = hashOf('music', request.prompt, request.seed ?? 0)
			const pentatonic = [0, 2, 4, 7, 9, 12, 14, 16]
			const root = 196 * 2 ** (((h[0] ?? 0) % 7) / 12)
			const beat = 0.2 + ((h[1] ?? 0) % 5) * 0.05
			const notes: Note[] = []
			for (let t = 0, i = 0; t < seconds - 1e-9; i++) {
				const step = pentatonic[(h[(i % 30) + 2] ?? 0) % pentatonic.length] ?? 0
				const length = Math.min(beat * (i % 4 === 3 ? 2 : 1), seconds - t)
				notes.push({ frequency: root * 2 ** (step / 12), seconds: length * 0.9, gap: length * 0.1 })
				t += length
			}
			const data = encodeWav(renderNotes(notes, 22_050), 22_050, OFFLINE_LABEL)
			return {
				status: 'succeeded',
				outputs: [{ kind: 'bytes', data, contentType: 'audio/wav' }],
				usage: { unit: 'seconds', units: seconds },
				seed: request.seed ?? 0,
			}
		},

		async transcribe(_model: string, request: TranscribeRequest, signal?: AbortSignal): Promise<TranscriptResult> {
			checkSignal(signal)
			const facts = sniffAudio(request.audio.data)
			const seconds = facts?.durationSeconds ?? request.durationSeconds
			const what = facts ? `${facts.label} recording` : 'recording in a format I do not recognise'
			const length = seconds !== undefined ? `${Math.round(seconds * 10) / 10}-second ` : ''
			const text =
				`(Offline demo transcript) A ${length}${what} (${formatBytes(request.audio.data.length)}) was received. ` +
				'Nothing was transcribed: set OPENAI_API_KEY to transcribe speech for real.'
			// Timed like a real transcript: one segment per two seconds, saying which stretch it stands for.
			const segments: TranscriptSegment[] = []
			if (seconds !== undefined && seconds > 0) {
				for (let start = 0; start < seconds - 1e-6; start += 2) {
					const end = Math.min(seconds, start + 2)
					segments.push({
						start,
						end,
						text: `(Offline demo) Seconds ${start.toFixed(0)} to ${end.toFixed(1)} of the recording.`,
					})
				}
			}
			return {
				text,
				usage: { unit: 'seconds', units: seconds ?? 0, estimated: seconds === undefined },
				segments,
				...(seconds !== undefined ? { durationSeconds: seconds } : {}),
				...(request.language ? { language: request.language } : {}),
			}
		},

		async listModels() {
			return ['chat', 'image', 'video', 'speech', 'music', 'transcribe'].map(name => ({ name }))
		},
	}
}
