import type { ActionFunctionArgs } from '@remix-run/node'
import { json } from '@remix-run/node'
import { apiError } from '#app/utils/http.server.ts'

export const handle = { rateLimit: { action: 'webhook' } }

/** Replicate prediction webhooks: public, authenticated by their Standard Webhooks signature over the raw body. */
export async function action({ request, context }: ActionFunctionArgs) {
	const outcome = await context.services.webhooks.replicate.receive(await request.text(), request.headers)
	if ('refused' in outcome) return apiError(outcome, context.requestId)
	return json({ ok: true, duplicate: outcome.duplicate })
}
