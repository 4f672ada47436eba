/**
 * What the transcription pages and `/api/transcribe` share: reading the upload form (one file, the size limit
 * from config) and creating the transcript, and the data of a transcript's page (its player URL, the segments a
 * search finds).
 */
import type { AppLoadContext } from '@remix-run/node'
import type { Actor } from '#server/domain/generations/index.ts'
import type { Transcript } from '#server/domain/transcripts/index.ts'
import { TranscribeSchema } from '#server/domain/transcripts/schema.ts'
import { searchSegments } from '#server/domain/transcripts/formats.ts'
import type { Refusal } from '#server/domain/refusal.ts'
import { nonBlank } from './studio-action.server.ts'
import { readChatForm } from './uploads.server.ts'
import { parseWith } from './validation.server.ts'

type Services = AppLoadContext['services']

/** The largest body a transcription upload may send: the media bucket's cap (config may set a lower limit). */
export const TRANSCRIBE_BODY_MAX_BYTES = 200 * 1024 * 1024

export type TranscribeOutcome =
	| { ok: true; transcript: Transcript }
	| {
			ok: false
			refusal: Pick<Refusal, 'status' | 'code' | 'message' | 'fields' | 'headers'>
			values: Record<string, string>
	  }

export async function transcribeFromForm(
	request: Request,
	services: Services,
	user: Actor,
): Promise<TranscribeOutcome> {
	const form = await readChatForm(request, {
		fileFields: ['file'],
		maxFiles: 1,
		maxFileBytes: services.config.transcribeMaxBytes,
	})
	if (!form.ok) {
		return {
			ok: false,
			refusal: {
				status: form.status,
				code: form.status === 413 ? 'too_large' : 'invalid_upload',
				message: form.message,
				fields: { [form.field]: [form.message] },
			},
			values: {},
		}
	}
	const parsed = parseWith(TranscribeSchema, nonBlank(form.fields))
	if (!parsed.ok) {
		return {
			ok: false,
			refusal: { status: 400, code: 'invalid_request', message: 'Check the fields.', fields: parsed.fields },
			values: form.fields,
		}
	}
	const file = form.files[0]
	const result = await services.transcripts.create(
		user,
		parsed.value,
		file ? { name: file.name, data: file.data } : null,
	)
	if ('refused' in result) return { ok: false, refusal: result, values: form.fields }
	return { ok: true, transcript: result }
}

export async function transcribePageData(services: Services, user: Actor) {
	const [transcripts, audio, video] = await Promise.all([
		services.transcripts.list(user),
		services.generations.list(user, { kind: 'audio', limit: 20 }),
		services.generations.list(user, { kind: 'video', limit: 10 }),
	])
	const library = [...audio, ...video]
		.filter(g => g.status === 'succeeded' && g.outputs.length > 0)
		.map(g => ({ id: g.id, kind: g.kind, prompt: g.prompt }))
	const models = services.providers
		.list()
		.filter(m => m.available && m.capabilities.includes('transcribe'))
		.map(m => ({ id: m.id, name: m.displayName }))
	return {
		transcripts: transcripts.map(t => ({
			id: t.id,
			name: t.name,
			status: t.status,
			progress: t.progress,
			duration: t.duration,
			createdAt: t.createdAt,
			error: t.error,
		})),
		library,
		models,
		maxMb: Math.round(services.config.transcribeMaxBytes / (1024 * 1024)),
	}
}

export async function transcriptPageData(services: Services, transcript: Transcript, query: string) {
	const mediaUrl = await services.storage.signedUrl(transcript.bucket, transcript.key, { expiresInSeconds: 3600 })
	const matches = query ? searchSegments(transcript.segments, query) : null
	return { mediaUrl, matches }
}
