/**
 * Helpers the chat modules share: model resolution with refusals a form can show, the budget estimate, and
 * what a provider error means for a request.
 */
import type { Readable } from 'node:stream'
import { computeCostMicros, type ModelInfo } from '#server/providers/catalogue.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { isProviderError } from '#server/providers/types.ts'
import { refuse, type Refusal } from '../refusal.ts'

export type Actor = { id: string }

/** A file from a form or an API body, before it is checked and stored. */
export type UploadedFile = { name: string; type: string; data: Uint8Array }

/** What the budget check assumes a reply costs before it is written. */
const ESTIMATED_OUTPUT_TOKENS = 800

export const sleep = (ms: number, signal?: AbortSignal) =>
	new Promise<void>(resolve => {
		const timer = setTimeout(done, ms)
		signal?.addEventListener('abort', done, { once: true })
		function done() {
			clearTimeout(timer)
			signal?.removeEventListener('abort', done)
			resolve()
		}
	})

/** A failure message a person can act on, never a stack trace or a vendor's internals. */
export function failureMessage(error: unknown): string {
	if (isProviderError(error)) return error.message
	return 'The reply failed on our side. Retry it; if it keeps failing, tell an administrator.'
}

/** A provider's "no" as a refusal for calls made inside a request (titles, analysis). */
export function providerRefusal(error: unknown): Refusal {
	if (!isProviderError(error)) throw error
	switch (error.code) {
		case 'rate_limited':
			return refuse(429, 'provider_rate_limited', error.message, {
				headers: error.retryAfterSeconds !== undefined ? { 'Retry-After': String(error.retryAfterSeconds) } : {},
			})
		case 'invalid_request':
			return refuse(400, 'provider_refused', error.message)
		case 'content_refused':
			return refuse(422, 'content_refused', error.message)
		default:
			return refuse(503, 'provider_unavailable', error.message)
	}
}

/** The catalogue model for an id (or the default for the capability), if it can do that here and now. */
export function resolveModel(
	providers: ProviderRegistry,
	modelId: string | null | undefined,
	capability: 'chat' | 'title' | 'vision' = 'chat',
): ModelInfo | Refusal {
	let model: ModelInfo | undefined
	try {
		model = modelId ? providers.model(modelId) : providers.defaultModel(capability)
	} catch (error) {
		return providerRefusal(error)
	}
	const field = { fields: { model: ['Pick a model from the list.'] } }
	if (!model) return refuse(400, 'invalid_model', `There is no model called ${modelId}. Pick another one.`, field)
	const usable = providers.list().find(m => m.id === model.id)?.available ?? false
	if (!model.capabilities.includes(capability)) {
		const what = capability === 'vision' ? 'look at images' : capability === 'title' ? 'write titles' : 'chat'
		return refuse(400, 'invalid_model', `${model.displayName} cannot ${what}; pick another model.`, field)
	}
	if (!usable) {
		return refuse(
			400,
			'model_unavailable',
			`${model.displayName} is not available on this server; pick another model.`,
			field,
		)
	}
	return model
}

/** A rough price before the call: the input's characters as tokens, plus a typical reply. */
export function estimateMicros(model: ModelInfo, inputChars: number): number {
	return computeCostMicros(model, {
		unit: 'tokens',
		inputTokens: Math.ceil(inputChars / 4),
		outputTokens: ESTIMATED_OUTPUT_TOKENS,
	})
}

export async function readAll(body: Readable): Promise<Uint8Array> {
	const chunks: Buffer[] = []
	for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array))
	return new Uint8Array(Buffer.concat(chunks))
}
