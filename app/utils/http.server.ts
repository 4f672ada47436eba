/**
 * The one JSON error shape of every API route: `{ error: { code, message, fields?, requestId } }`, with the
 * status and headers (e.g. Retry-After) of the refusal it reports.
 */
import type { Refusal } from '#server/domain/refusal.ts'

export function apiError(
	refusal: Pick<Refusal, 'status' | 'code' | 'message' | 'fields' | 'headers'>,
	requestId: string,
) {
	return Response.json(
		{
			error: {
				code: refusal.code,
				message: refusal.message,
				...(refusal.fields ? { fields: refusal.fields } : {}),
				requestId,
			},
		},
		{ status: refusal.status, headers: refusal.headers ?? {} },
	)
}

/** A 404 thrown from a loader: every route says "not found" the same way, and the error page shows it. */
export function notFound(
	message = 'There is nothing at this address. Check the link, or start from the home page.',
): Response {
	return Response.json({ error: { code: 'not_found', message } }, { status: 404 })
}
