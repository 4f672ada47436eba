import type { ActionFunctionArgs } from '@remix-run/node'
import { json } from '@remix-run/node'
import { TitleRequestSchema } from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { formToObject, parseWith } from '#app/utils/validation.ts'

export const handle = { rateLimit: { action: 'title' } }

/**
 * `POST /api/title` with `{ "conversationId": "…" }` (JSON or a form): writes a new title for one of your chats
 * with the `title` capability, now, and answers `{ title }`. Chats are also named by a background job after
 * their first exchange; this is for asking again.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { requestId } = context
	let body: unknown
	try {
		body = (request.headers.get('content-type') ?? '').includes('application/json')
			? await request.json()
			: formToObject(await request.formData())
	} catch {
		return apiError(
			{ status: 400, code: 'invalid_body', message: 'Send JSON or a form with conversationId.' },
			requestId,
		)
	}
	const parsed = parseWith(TitleRequestSchema, body)
	if (!parsed.ok) {
		return apiError(
			{ status: 400, code: 'invalid_request', message: 'Say which chat to name.', fields: parsed.fields },
			requestId,
		)
	}
	const result = await context.services.chat.generateTitle(user, parsed.value.conversationId)
	if ('refused' in result) return apiError(result, requestId)
	return json({ title: result.title })
}

export async function loader() {
	return json(
		{ error: { code: 'method_not_allowed', message: 'Use POST.' } },
		{ status: 405, headers: { Allow: 'POST' } },
	)
}
