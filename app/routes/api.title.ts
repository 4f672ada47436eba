import type { ActionFunctionArgs } from '@remix-run/node'
import { TitleRequestSchema } from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readFormOrJson } from '#app/utils/input.server.ts'

export const handle = { rateLimit: { action: 'title' } }

/**
 * `POST /api/title` with `{ "conversationId": "…" }` (JSON or a form): writes a new title for one of your chats
 * with the `title` capability, now, and answers `{ title }`. Chats are also named by a background job after
 * their first exchange; this is for asking again.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { requestId } = context
	const parsed = parseWith(TitleRequestSchema, await readFormOrJson(request))
	if (!parsed.ok) {
		return apiError(
			{ status: 400, code: 'invalid_request', message: 'Say which chat to name.', fields: parsed.fields },
			requestId,
		)
	}
	const result = await context.services.chat.generateTitle(user, parsed.value.conversationId)
	if ('refused' in result) return apiError(result, requestId)
	return Response.json({ title: result.title })
}

export async function loader() {
	return Response.json(
		{ error: { code: 'method_not_allowed', message: 'Use POST.' } },
		{ status: 405, headers: { Allow: 'POST' } },
	)
}
