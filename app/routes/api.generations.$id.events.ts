import type { LoaderFunctionArgs } from '@remix-run/node'
import { PENDING_STATUSES } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { closingHint, eventStreamSignal } from '#app/utils/event-stream.ts'
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
	const encoder = new TextEncoder()
	const signal = eventStreamSignal(request, lifecycle)
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (text: string) => controller.enqueue(encoder.encode(text))
			let status = first.status
			send(`retry: 2000\nevent: status\ndata: ${status}\n\n`)
			while (!signal.aborted && PENDING_STATUSES.includes(status)) {
				await generations.waitForChange(first.id, 5000, signal)
				if (signal.aborted) break
				const latest = await generations.get(user, first.id)
				if ('refused' in latest) break
				if (latest.status !== status) {
					status = latest.status
					send(`event: status\ndata: ${status}\n\n`)
				} else {
					send(': keep-alive\n\n')
				}
			}
			const hint = closingHint(lifecycle)
			if (hint && !request.signal.aborted) send(hint)
			controller.close()
		},
	})
	return new Response(stream, {
		headers: {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-cache, no-transform',
			'X-Accel-Buffering': 'no',
		},
	})
}
