import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { SoundSearchSchema } from '#server/domain/sounds/schema.ts'

export const handle = { rateLimit: { loader: 'sound_search' } }

/**
 * `GET /api/sounds/search?q=…` (Bearer token or session): the caller's own audio whose prompt matches, and — when
 * the server has a Freesound key — Freesound's sounds with their licence, author and attribution.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(SoundSearchSchema, { q: readQuery(request).q })
	if (!parsed.ok) {
		const message = parsed.fields.q?.[0] ?? 'Type what to search for.'
		return apiError({ status: 400, code: 'invalid_query', message, fields: parsed.fields }, context.requestId)
	}
	return Response.json(await context.services.sounds.search(user, parsed.value.q))
}
