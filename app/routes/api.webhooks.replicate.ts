import type { ActionFunctionArgs } from '@remix-run/node'
import { apiError } from '#app/utils/http.server.ts'
import { readText } from '#app/utils/input.server.ts'
import { WEBHOOK_BODY_MAX_BYTES } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { action: 'webhook' }, bodyLimit: WEBHOOK_BODY_MAX_BYTES }

/** Replicate prediction webhooks: public, authenticated by their Standard Webhooks signature over the raw body. */
export async function action({ request, context }: ActionFunctionArgs) {
	const outcome = await context.services.webhooks.replicate.receive(await readText(request), request.headers)
	if ('refused' in outcome) return apiError(outcome, context.requestId)
	return Response.json({ ok: true, duplicate: outcome.duplicate })
}
