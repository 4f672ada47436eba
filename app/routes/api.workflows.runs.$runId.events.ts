import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { eventStreamResponse } from '#app/utils/event-stream.server.ts'
import { apiError } from '#app/utils/http.server.ts'

/**
 * `GET /api/workflows/runs/:runId/events`: Server-Sent Events, a `change` event each time a node's status (or the
 * run's) changes and `done` when the run has finished. Node jobs may run in another process, so the run is
 * re-read every second.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { workflows, lifecycle } = context.services
	const first = await workflows.runs.get(user, params.runId ?? '')
	if ('refused' in first) return apiError(first, context.requestId)
	const signature = (run: typeof first) => `${run.status}|${run.nodes.map(n => `${n.nodeId}:${n.status}`).join(',')}`
	const finished = (run: typeof first) => !['queued', 'running'].includes(run.status)
	return eventStreamResponse(request, lifecycle, { retryMs: 2000 }, async (sink, signal) => {
		let last = signature(first)
		sink.event('change', last)
		let done = finished(first)
		while (!signal.aborted && !done) {
			await new Promise(resolve => setTimeout(resolve, 1000))
			if (signal.aborted) break
			const latest = await workflows.runs.get(user, first.id)
			if ('refused' in latest) break
			const now = signature(latest)
			if (now !== last) {
				last = now
				sink.event('change', now)
			} else {
				sink.comment('keep-alive')
			}
			done = finished(latest)
		}
		if (done) sink.event('done', last)
	})
}
