import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { voiceSampleFor } from '#app/utils/audio-studio.server.ts'

export const handle = { rateLimit: { loader: 'voice_sample' } }

/** `GET /audio/voices/:model/:voice`: a short spoken sample of a voice, for the audio studio's voice picker. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	await requireUser(request, context)
	const sample = await voiceSampleFor(context.services, params.model ?? '', params.voice ?? '')
	if ('refused' in sample) return apiError(sample, context.requestId)
	return new Response(Buffer.from(sample.data), {
		headers: {
			'Content-Type': sample.contentType,
			'Content-Length': String(sample.data.length),
			// The same voice always says the same sentence: the browser may keep it for a day.
			'Cache-Control': 'private, max-age=86400',
		},
	})
}
