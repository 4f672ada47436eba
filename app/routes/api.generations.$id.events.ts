import type { LoaderFunctionArgs } from '@remix-run/node'
import { PENDING_STATUSES } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { eventStreamResponse } from '#app/utils/event-stream.server.ts'
import { apiError } from '#app/utils/http.server.ts'

/**
 * `GET /api/generations/:id/events`: Server-Sent Events, one `status` event per change, until the generation
 * is done. Changes made in this process arrive at once; the row is also re-read every few seconds, so a
 * worker in another process is followed too.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations, lifecycle } = context.services
	const first = await generations.get(user, params.id ?? '')
	if ('refused' in first) return apiError(first, context.requestId)
	return eventStreamResponse(request, lifecycle, { retryMs: 2000 }, async (sink, signal) => {
		let status = first.status
		sink.event('status', status)
		while (!signal.aborted && PENDING_STATUSES.includes(status)) {
			await generations.waitForChange(first.id, 5000, signal)
			if (signal.aborted) break
			const latest = await generations.get(user, first.id)
			if ('refused' in latest) break
			if (latest.status !== status) {
				status = latest.status
				sink.event('status', status)
			} else {
				sink.comment('keep-alive')
			}
		}
	})
}
