/**
 * The audio studio's data: the speech and sound models with what each takes, the user's recent audio (the
 * results list), and the values the form starts from — the form itself sent back by GET when the kind or the
 * model changes without JavaScript.
 */
import type { AppLoadContext } from '@remix-run/node'
import type { Actor } from '#server/domain/generations/index.ts'
import { soundModels, speechModels, voiceSample } from '#server/domain/generations/index.ts'
import { AUDIO_MODES, PENDING_STATUSES, type AudioMode } from '#server/domain/generations/schema.ts'
import { AUDIO_FORM_FIELDS, type AudioFormValues } from '#app/components/audio/types.ts'
import { readQuery } from './input.server.ts'

type Services = AppLoadContext['services']

const isMode = (value: string | undefined): value is AudioMode =>
	(AUDIO_MODES as readonly string[]).includes(value ?? '')

export async function audioStudioData(request: Request, services: Services, user: Actor) {
	const query = readQuery(request)
	const values: AudioFormValues = {}
	for (const name of AUDIO_FORM_FIELDS) if (query[name]) values[name] = query[name]
	if (!isMode(values.mode)) delete values.mode
	const { generations, providers } = services
	const recent = await generations.list(user, { kind: 'audio', limit: 24 })
	const results = await Promise.all(
		recent.map(async g => ({ ...g, outputs: await generations.withUrls(g, { download: true }) })),
	)
	const defaultOf = (capability: 'speech' | 'music') => {
		try {
			return providers.defaultModel(capability).id
		} catch {
			return ''
		}
	}
	return {
		speechModels: speechModels(providers),
		soundModels: soundModels(providers),
		defaults: { speech: defaultOf('speech'), music: defaultOf('music') },
		values,
		results,
		pending: results.some(r => PENDING_STATUSES.includes(r.status)),
		// A fresh key per rendered form: submitting the same form twice creates one generation.
		idempotencyKey: crypto.randomUUID(),
	}
}

/** A voice's sample for the studio's voice picker (server/domain/generations/audio.ts). */
export function voiceSampleFor(services: Services, modelId: string, voice: string) {
	return voiceSample(services.providers, modelId, voice)
}
