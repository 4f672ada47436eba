import type { ActionFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { readJson } from '#app/utils/input.server.ts'
import { appOrigin } from '#app/utils/origin.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { CreateShareSchema } from '#server/domain/sharing/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: 'publish' }

/**
 * `POST /api/publish` (session or `Authorization: Bearer`): `{ kind, targetId, title?, expiresIn?, fromMessageId?,
 * toMessageId?, includeOutputs? }` makes a share link; 201 with `{ share: { id, slug, url, … } }`.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	if (request.method !== 'POST') {
		return apiError({ status: 405, code: 'method_not_allowed', message: 'POST a JSON body.' }, context.requestId)
	}
	const parsed = parseWith(CreateShareSchema, await readJson(request))
	if (!parsed.ok) {
		return apiError(
			{ status: 400, code: 'invalid_request', message: 'The share request is not valid.', fields: parsed.fields },
			context.requestId,
		)
	}
	const made = await context.services.sharing.create(user, parsed.value)
	if ('refused' in made) return apiError(made, context.requestId)
	const url = `${appOrigin(request, context)}/s/${made.slug}`
	return Response.json({ share: { ...made, url } }, { status: 201, headers: { Location: `/api/share/${made.slug}` } })
}
