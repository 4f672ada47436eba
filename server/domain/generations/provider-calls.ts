/**
 * Calling providers from the worker: errors that say "try again" (429, 5xx) retried with backoff, and speech
 * longer than a model takes split into parts, spoken one by one and joined into one file.
 */
import { joinAudio } from '#server/media/join-audio.ts'
import type { ModelInfo } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import type { Usage } from '#server/providers/types.ts'
import { ProviderError, isProviderError } from '#server/providers/types.ts'
import { logger } from '#server/logger.ts'
import { sleep } from '#server/sleep.ts'
import { speechOptionsOf, splitSpeech } from './audio.ts'
import type { OutputFetcher } from './outputs.ts'
import type { AudioGenerationRequest } from './schema.ts'

export const NO_USABLE_OUTPUT = 'The provider reported success but sent no output we could use. Try again.'

export function createProviderCalls(deps: {
	providers: ProviderRegistry
	fetchOutput: OutputFetcher
	/** In-call retries of a provider error that says "try again" (429, 5xx), before the attempt gives up. */
	providerRetries: { attempts: number; baseDelayMs: number; maxDelayMs: number }
}) {
	const { providers } = deps
	const retries = deps.providerRetries

	/** Calls the provider, retrying errors that say "try again" with exponential backoff (honouring Retry-After). */
	async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await fn()
			} catch (error) {
				if (!isProviderError(error) || !error.retryable || attempt >= retries.attempts) throw error
				const backoff = retries.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5)
				const wait = Math.min(retries.maxDelayMs, Math.max(backoff, (error.retryAfterSeconds ?? 0) * 1000))
				logger.warn('provider asked us to retry', { code: error.code, attempt, wait_ms: Math.round(wait) })
				await sleep(wait)
			}
		}
	}

	/**
	 * Speech: the text split at sentence boundaries under the model's input limit, each part spoken (with the
	 * usual retries), and the parts joined into one file with ffmpeg. The usage is the sum of the parts'.
	 */
	async function speak(model: ModelInfo, request: AudioGenerationRequest) {
		const options = speechOptionsOf(model)
		const parts = splitSpeech(request.prompt, options.maxInputChars)
		const format = request.format ?? options.formats[0] ?? 'mp3'
		const results = []
		for (const text of parts) {
			results.push(
				await withRetries(() =>
					providers.speech(model.id).run({
						text,
						format,
						...(request.voice ? { voice: request.voice } : {}),
						...(request.speed !== undefined ? { speed: request.speed } : {}),
						...(request.instructions ? { instructions: request.instructions } : {}),
					}),
				),
			)
		}
		const costMicros = results.reduce((sum, r) => sum + r.costMicros, 0)
		const usage: Usage = {
			unit: 'characters',
			units: results.reduce((sum, r) => sum + (r.usage.units ?? 0), 0),
			...(results.some(r => r.usage.estimated) ? { estimated: true } : {}),
		}
		const first = results[0]
		if (!first || results.length === 1) return { outputs: first?.outputs ?? [], usage, costMicros }
		const files: Uint8Array[] = []
		for (const r of results) {
			const output = r.outputs[0]
			if (!output) throw new ProviderError('unavailable', NO_USABLE_OUTPUT)
			files.push(output.kind === 'bytes' ? output.data : (await deps.fetchOutput(output.url)).data)
		}
		const joined = await joinAudio(files, format)
		return { outputs: [{ kind: 'bytes' as const, ...joined }], usage, costMicros }
	}

	return { withRetries, speak }
}
