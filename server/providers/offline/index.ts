/**
 * The offline provider: every capability, no network, no key, no cost. Outputs are deterministic (the same
 * prompt and seed give the same bytes) and say they are demos — in the text, in the picture (DEMO), in the
 * files' metadata — so a fresh install works end to end and nobody mistakes them for real results.
 * Its parts: text.ts (replies, titles, analyses, transcripts), pictures.ts, sounds.ts, video.ts; png.ts and
 * wav.ts encode; shared.ts holds the label and the seeded hash.
 */
import { sleep } from '#server/sleep.ts'
import { createChatStream } from '../chat-stream.ts'
import { estimateTokens } from '../deadline.ts'
import { ProviderError, type ChatRequest, type ChatStream, type ProviderAdapter } from '../types.ts'
import { createOfflinePictures } from './pictures.ts'
import { checkSignal } from './shared.ts'
import { offlineMusic, offlineSpeech } from './sounds.ts'
import { chunksOf, offlineAnalysis, offlineReply, offlineTitle, offlineTranscript } from './text.ts'
import { demoClip, demoVideoLoader } from './video.ts'

export { OFFLINE_LABEL } from './shared.ts'
export { offlineReply, offlineTitle } from './text.ts'
export { DEMO_VIDEO_FILE, DEMO_VIDEO_SECONDS, videoSize } from './video.ts'

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

const estimated = (input: string, output: string) => ({
	unit: 'tokens' as const,
	inputTokens: estimateTokens(input),
	outputTokens: estimateTokens(output),
	estimated: true,
})

export function createOfflineAdapter(options: OfflineOptions = {}): ProviderAdapter {
	const chunkDelayMs = options.chunkDelayMs ?? 25
	const pictures = createOfflinePictures({
		maxSide: options.maxImageSide ?? 1024,
		maxUpscaleSide: options.maxUpscaleSide ?? 2048,
	})
	const loadDemoVideo = demoVideoLoader(options.demoVideoPath)

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
				return { text, usage: estimated(input, text), finishReason: 'stop' }
			})
		},

		async title(_model, request, signal) {
			checkSignal(signal)
			const title = offlineTitle(request.text)
			return { title, usage: estimated(request.text, title) }
		},

		async vision(_model, request, signal) {
			checkSignal(signal)
			const text = offlineAnalysis(request.image.data, request.question)
			return { text, usage: estimated(request.question, text) }
		},

		async image(_model, request, signal) {
			checkSignal(signal)
			return pictures.image(request)
		},

		async imageEdit(_model, request, signal) {
			checkSignal(signal)
			return pictures.imageEdit(request)
		},

		async upscale(_model, request, signal) {
			checkSignal(signal)
			return pictures.upscale(request)
		},

		async video(_model, request, signal) {
			checkSignal(signal)
			const { data, seconds } = await demoClip(await loadDemoVideo(), request)
			checkSignal(signal)
			return {
				status: 'succeeded',
				outputs: [{ kind: 'bytes', data, contentType: 'video/mp4' }],
				usage: { unit: 'seconds', units: seconds },
			}
		},

		async speech(_model, request, signal) {
			checkSignal(signal)
			return offlineSpeech(request)
		},

		async music(_model, request, signal) {
			checkSignal(signal)
			return offlineMusic(request)
		},

		async transcribe(_model, request, signal) {
			checkSignal(signal)
			return offlineTranscript(request)
		},

		async listModels() {
			return ['chat', 'image', 'video', 'speech', 'music', 'transcribe'].map(name => ({ name }))
		},
	}
}
