import type { LoaderFunctionArgs } from '@remix-run/node'
import { ExportFormatSchema } from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'

/**
 * `GET /api/chat/:id/export?format=markdown|json`: the conversation as a download. Markdown holds the branch
 * on screen; JSON holds every branch and is what "Import" reads back.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const format = parseWith(ExportFormatSchema, new URL(request.url).searchParams.get('format') ?? undefined)
	if (!format.ok) {
		return apiError(
			{ status: 400, code: 'invalid_format', message: 'Use format=markdown or format=json.' },
			context.requestId,
		)
	}
	const file = await context.services.chat.exportConversation(user, params.id ?? '', format.value)
	if ('refused' in file) return apiError(file, context.requestId)
	return new Response(file.body, {
		headers: {
			'Content-Type': file.contentType,
			'Content-Disposition': `attachment; filename="${file.filename}"`,
			'Cache-Control': 'private, no-store',
		},
	})
}
