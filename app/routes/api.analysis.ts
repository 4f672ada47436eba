import type { ActionFunctionArgs } from '@remix-run/node'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { ATTACHMENT_MAX_BYTES, AnalysisSchema } from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = {
	rateLimit: { action: 'analysis' },
	bodyLimit: uploadBodyLimit(1, ATTACHMENT_MAX_BYTES),
}

/**
 * `POST /api/analysis` (multipart): `file` — an image, or a frame the browser captured from a video — and an
 * optional `question` and `model` (a vision-capable one; the default otherwise). Or `attachmentId` instead of a
 * file, to ask about an image already attached in a chat. Answers `{ analysis: { text, model, costMicros } }`.
 * The image is checked by its bytes and not stored.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { requestId } = context
	const form = await readChatForm(request, { fileFields: ['file'], maxFiles: 1, maxFileBytes: ATTACHMENT_MAX_BYTES })
	if (!form.ok) {
		return apiError(
			{
				status: form.status,
				code: form.status === 413 ? 'too_large' : 'invalid_upload',
				message: form.message,
				fields: { [form.field]: [form.message] },
			},
			requestId,
		)
	}
	const parsed = parseWith(AnalysisSchema, form.fields)
	if (!parsed.ok) {
		return apiError(
			{ status: 400, code: 'invalid_request', message: 'Check the fields.', fields: parsed.fields },
			requestId,
		)
	}
	const image = form.files[0]
	const result = await context.services.chat.analyse(user, { ...parsed.value, ...(image ? { image } : {}) })
	if ('refused' in result) return apiError(result, requestId)
	return Response.json({ analysis: { text: result.text, model: result.model, costMicros: result.costMicros } })
}

export async function loader() {
	return Response.json(
		{ error: { code: 'method_not_allowed', message: 'Use POST with multipart form data.' } },
		{ status: 405, headers: { Allow: 'POST' } },
	)
}
