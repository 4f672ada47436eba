import type { LoaderFunctionArgs } from '@remix-run/node'
import { StreamQuerySchema } from '#server/domain/chat/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { eventStreamResponse, eventStreamSignal } from '#app/utils/event-stream.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'

/** Following a reply keeps a connection open; counted like a message. */
export const handle = { rateLimit: { loader: 'chat' } }

/** A comment line every so often keeps proxies from closing a quiet stream (a model thinking before it writes). */
const KEEP_ALIVE_MS = 15_000

/**
 * `GET /api/chat/:id/stream?message=<reply id>`: Server-Sent Events for one reply. `snapshot` (the text so far),
 * then `delta` per chunk as the provider sends it, then `done` with the final status; data is JSON. A reconnect
 * (EventSource does it by itself) starts again with a snapshot, so nothing is lost or repeated.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { requestId } = context
	const query = parseWith(StreamQuerySchema, readQuery(request))
	if (!query.ok)
		return apiError(
			{ status: 400, code: 'invalid_request', message: 'Unknown message.', fields: query.fields },
			requestId,
		)
	const { lifecycle } = context.services
	const signal = eventStreamSignal(request, lifecycle)
	const events = await context.services.chat.follow(user, params.id ?? '', query.value.message, signal)
	if ('refused' in events) return apiError(events, requestId)
	return eventStreamResponse(request, lifecycle, { retryMs: 3000, keepAliveMs: KEEP_ALIVE_MS }, async sink => {
		for await (const event of events) {
			const { type, ...data } = event
			sink.event(type, JSON.stringify(data))
		}
	})
}
