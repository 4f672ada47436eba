/**
 * The audio studio's rules on top of the generation pipeline: a request fitted to what its model takes (a voice,
 * format or speed it does not offer is refused on its field, a blank one becomes the model's default, style
 * instructions go only to models that take them, music and sound effects only to models that make them), and
 * long speech split at sentence boundaries under the model's input limit (the worker joins the parts).
 */
import {
	PLAIN_SOUND_OPTIONS,
	PLAIN_SPEECH_OPTIONS,
	type ModelInfo,
	type Prices,
	type SoundOptions,
	type SpeechOptions,
} from '#server/providers/catalogue.ts'
import { logger } from '#server/logger.ts'
import type { ProviderRegistry } from '#server/providers/registry.ts'
import { providerRefusal } from '../provider-failures.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { formatUsd } from '../usage/money.ts'
import { list, offeredModels, refuseField } from './images.ts'
import type { AudioGenerationRequest, AudioMode, SoundModelView, SpeechModelView } from './schema.ts'

export const speechOptionsOf = (model: ModelInfo): SpeechOptions => model.speech ?? PLAIN_SPEECH_OPTIONS
export const soundOptionsOf = (model: ModelInfo): SoundOptions => model.sound ?? PLAIN_SOUND_OPTIONS

/** A model that can make `mode`, when no model was named: the default for the capability, or the first that can. */
export function audioModelFor(
	providers: Pick<ProviderRegistry, 'list'>,
	mode: AudioMode,
	preferred: ModelInfo,
): ModelInfo {
	if (mode !== 'effects' || soundOptionsOf(preferred).modes.includes('effects')) return preferred
	return (
		providers
			.list()
			.find(m => m.available && m.capabilities.includes('music') && soundOptionsOf(m).modes.includes('effects')) ??
		preferred
	)
}

/** The request as the model will get it; every field it uses present, so the stored row says what was made. */
export function fitAudioRequest(model: ModelInfo, request: AudioGenerationRequest): AudioGenerationRequest | Refusal {
	const base = { kind: 'audio' as const, mode: request.mode, prompt: request.prompt, model: model.id }
	if (request.mode === 'speech') {
		const o = speechOptionsOf(model)
		const voice = request.voice || o.voices[0] || 'default'
		if (!o.voices.includes(voice)) return refuseField('voice', `${model.displayName} speaks with ${list(o.voices)}.`)
		const format = request.format ?? o.formats[0] ?? 'mp3'
		if (!o.formats.includes(format)) return refuseField('format', `${model.displayName} makes ${list(o.formats)}.`)
		let speed: number | undefined
		if (request.speed !== undefined && request.speed !== 1) {
			if (!o.speed) return refuseField('speed', `${model.displayName} speaks at one speed only.`)
			if (request.speed < o.speed.min || request.speed > o.speed.max) {
				return refuseField('speed', `${model.displayName} takes a speed from ${o.speed.min} to ${o.speed.max}.`)
			}
			speed = request.speed
		}
		if (request.instructions && !o.instructions) {
			return refuseField(
				'instructions',
				`${model.displayName} does not take style instructions; pick a model that does.`,
			)
		}
		const fitted: AudioGenerationRequest = { ...base, voice, format, durationSeconds: request.durationSeconds }
		if (speed !== undefined) fitted.speed = speed
		if (request.instructions) fitted.instructions = request.instructions
		return fitted
	}
	const o = soundOptionsOf(model)
	if (!o.modes.includes(request.mode)) {
		const makes = o.modes.includes('music') ? 'music only' : 'sound effects only'
		return refuseField('model', `${model.displayName} makes ${makes}; pick another model.`)
	}
	if (request.durationSeconds > o.maxSeconds) {
		return refuseField('durationSeconds', `${model.displayName} makes up to ${o.maxSeconds} seconds.`)
	}
	const fitted: AudioGenerationRequest = { ...base, durationSeconds: request.durationSeconds }
	if (request.seed !== undefined) fitted.seed = request.seed
	return fitted
}

const SENTENCE_END = /(?<=[.!?…。！？]["”’)\]]*)\s+/u

/**
 * Text cut into parts of at most `max` characters, at sentence boundaries where it can be: sentences are packed
 * together while they fit; a sentence longer than the limit is cut at its last space (or, with none, at the limit).
 * Joining the parts with single spaces gives the text back, whitespace aside.
 */
export function splitSpeech(text: string, max: number): string[] {
	const clean = text.replace(/\s+/g, ' ').trim()
	if (clean.length <= max) return clean ? [clean] : []
	const parts: string[] = []
	let current = ''
	const flush = () => {
		if (current) parts.push(current)
		current = ''
	}
	for (const sentence of clean.split(SENTENCE_END).filter(Boolean)) {
		let rest = sentence.trim()
		if (current && current.length + 1 + rest.length <= max) {
			current = `${current} ${rest}`
			continue
		}
		flush()
		while (rest.length > max) {
			const space = rest.lastIndexOf(' ', max)
			const cut = space > 0 ? space : max
			parts.push(rest.slice(0, cut).trim())
			rest = rest.slice(cut).trim()
		}
		current = rest
	}
	flush()
	return parts
}

/** A speech model's price in words. */
export function speechPriceLabel(prices: Prices): string {
	return prices.character ? `${formatUsd(prices.character * 1000)} / 1,000 characters` : 'Free'
}

/** A music or effects model's price in words. */
export function soundPriceLabel(prices: Prices): string {
	return prices.second ? `${formatUsd(prices.second)} / second` : 'Free'
}

/** The speech models the form offers (available here), with what each takes. */
export function speechModels(providers: Pick<ProviderRegistry, 'list'>): SpeechModelView[] {
	return offeredModels(providers, 'speech', speechPriceLabel, m => {
		const o = speechOptionsOf(m)
		return {
			perCharacterMicros: m.prices.character ?? null,
			voices: [...o.voices],
			formats: [...o.formats],
			maxInputChars: o.maxInputChars,
			speed: o.speed,
			instructions: o.instructions,
		}
	})
}

/** The music and sound-effect models the form offers. */
export function soundModels(providers: Pick<ProviderRegistry, 'list'>): SoundModelView[] {
	return offeredModels(providers, 'music', soundPriceLabel, m => {
		const o = soundOptionsOf(m)
		return {
			modes: [...o.modes],
			maxSeconds: o.maxSeconds,
		}
	})
}

const SAMPLE_CACHE_MAX = 64
/** Samples already made in this process, by model and voice: one sentence each, a few KB. */
const samples = new Map<string, { data: Uint8Array; contentType: string }>()

/**
 * A short sample of a voice, to listen to before choosing: one fixed sentence, made once per model and voice in
 * this process and then served from memory. A model or voice that is not offered is refused; a paid model's
 * sample costs a fraction of a cent once and is not charged to anyone (the call is logged with its cost).
 */
export async function voiceSample(
	providers: Pick<ProviderRegistry, 'list' | 'model' | 'speech'>,
	modelId: string,
	voice: string,
): Promise<{ data: Uint8Array; contentType: string } | Refusal> {
	const model = providers.model(modelId)
	const offered = providers.list().find(m => m.id === modelId)
	if (!model || !offered?.available || !model.capabilities.includes('speech')) {
		return refuse(404, 'not_found', 'There is no such speech model here.')
	}
	const options = speechOptionsOf(model)
	if (!options.voices.includes(voice))
		return refuse(404, 'not_found', `${model.displayName} has no voice called ${voice}.`)
	const key = `${model.id}\u0000${voice}`
	const cached = samples.get(key)
	if (cached) return cached
	let result: Awaited<ReturnType<ReturnType<ProviderRegistry['speech']>['run']>>
	try {
		result = await providers.speech(model.id).run({
			text: `Hello. This is the ${voice} voice, reading a short sample for you.`,
			voice,
			format: options.formats[0] ?? 'mp3',
		})
	} catch (error) {
		return providerRefusal(error)
	}
	const output = result.outputs[0]
	if (!output || output.kind !== 'bytes')
		return refuse(503, 'provider_unavailable', 'The provider sent no sample. Try again.')
	logger.info('voice sample made', { model: model.id, voice, cost_micros: result.costMicros })
	if (samples.size >= SAMPLE_CACHE_MAX) samples.delete(samples.keys().next().value ?? '')
	const sample = { data: output.data, contentType: output.contentType }
	samples.set(key, sample)
	return sample
}
