import type { LoaderFunctionArgs } from '@remix-run/node'
import * as v from 'valibot'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError, notFound } from '#app/utils/http.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { FORMAT_TYPES, TRANSCRIPT_FORMATS, formatTranscript } from '#server/domain/transcripts/formats.ts'

const QuerySchema = v.object({
	format: v.optional(v.picklist(TRANSCRIPT_FORMATS, 'Ask for txt, srt, vtt or json.'), 'txt'),
})

/**
 * `GET /audio/transcripts/:id/download?format=txt|srt|vtt|json`: the transcript as a file (also for API clients,
 * with a Bearer token).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(QuerySchema, { format: readQuery(request).format })
	if (!parsed.ok) {
		return apiError(
			{ status: 400, code: 'invalid_query', message: 'Ask for txt, srt, vtt or json.', fields: parsed.fields },
			context.requestId,
		)
	}
	const transcript = await context.services.transcripts.get(user, params.id ?? '')
	if ('refused' in transcript) throw notFound(transcript.message)
	if (transcript.status !== 'succeeded') {
		return apiError(
			{ status: 409, code: 'not_ready', message: 'This transcript is not finished yet.' },
			context.requestId,
		)
	}
	const { format } = parsed.value
	const base = (transcript.name || 'transcript')
		.replace(/\.[a-z0-9]{1,5}$/i, '')
		.replace(/[^\w.-]+/g, '-')
		.slice(0, 80)
	return new Response(formatTranscript(format, transcript), {
		headers: {
			'Content-Type': FORMAT_TYPES[format],
			'Content-Disposition': `attachment; filename="${base || 'transcript'}.${format}"`,
			'Cache-Control': 'private, no-store',
		},
	})
}
