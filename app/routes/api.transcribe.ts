import type { ActionFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { TRANSCRIBE_BODY_MAX_BYTES, transcribeFromForm } from '#app/utils/transcripts.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = {
	rateLimit: { action: 'transcription' },
	bodyLimit: uploadBodyLimit(1, TRANSCRIBE_BODY_MAX_BYTES),
}

/**
 * `POST /api/transcribe` (multipart, Bearer token or session): `file` — audio or video, sniffed by its bytes, up
 * to TRANSCRIBE_MAX_MB — or `generationId` for one of the caller's library items; optional `language` (ISO 639-1)
 * and `model`. Answers 202 with the transcript (`status` queued) and where to follow it: the page, and the
 * download URL that answers 409 until it is done.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	if (request.method !== 'POST') {
		return apiError({ status: 405, code: 'method_not_allowed', message: 'POST a recording here.' }, context.requestId)
	}
	const outcome = await transcribeFromForm(request, context.services, user)
	if (!outcome.ok) return apiError(outcome.refusal, context.requestId)
	const t = outcome.transcript
	return Response.json(
		{
			transcript: { id: t.id, status: t.status, name: t.name, model: t.model, language: t.language },
			links: {
				page: `/audio/transcripts/${t.id}`,
				download: `/audio/transcripts/${t.id}/download?format=json`,
			},
		},
		{ status: 202 },
	)
}
