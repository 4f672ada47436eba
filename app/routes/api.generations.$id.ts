import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { GenerationActionSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import { apiError } from '#app/utils/http.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readJson } from '#app/utils/input.server.ts'

// Cancel and delete are writes; a retry starts provider work and counts against `generation` in the domain.
export const handle = { rateLimit: { action: 'write' } }

/** `GET /api/generations/:id`: the generation with signed output URLs. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations } = context.services
	const found = await generations.get(user, params.id ?? '')
	if ('refused' in found) return apiError(found, context.requestId)
	return Response.json({ generation: { ...found, outputs: await generations.withUrls(found) } })
}

/**
 * `DELETE /api/generations/:id` removes it and its files; `POST` with `{ "intent": "cancel" }` cancels it,
 * `retry` runs it again, and for images `vary` (same settings, new seed) and `upscale` (`output`, `model`,
 * `scale`) start a new generation made from it (202, with an optional `Idempotency-Key` header).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations } = context.services
	const id = params.id ?? ''
	if (request.method === 'DELETE') {
		const result = await generations.remove(user, id)
		return result === true ? new Response(null, { status: 204 }) : apiError(result, context.requestId)
	}
	const parsed = parseWith(GenerationActionSchema, await readJson(request))
	if (!parsed.ok || parsed.value.intent === 'delete') {
		return apiError(
			{
				status: 400,
				code: 'invalid_request',
				message:
					'Send { "intent": "cancel" }, { "intent": "retry" }, { "intent": "vary" } or { "intent": "upscale", "output": 0, "model": "…", "scale": 2 }; DELETE removes the generation.',
				...(parsed.ok ? {} : { fields: parsed.fields }),
			},
			context.requestId,
		)
	}
	const { intent, output, model, scale } = parsed.value
	const header = request.headers.get('idempotency-key')
	const key = header === null ? null : parseWith(IdempotencyKeySchema, header)
	const idempotencyKey = key?.ok ? key.value : null
	const result =
		intent === 'cancel'
			? await generations.cancel(user, id)
			: intent === 'vary'
				? await generations.vary(user, id, { idempotencyKey })
				: intent === 'upscale'
					? await generations.upscale(user, id, { output, model, scale, idempotencyKey })
					: await generations.retry(user, id)
	if ('refused' in result) return apiError(result, context.requestId)
	const generation = 'generation' in result ? result.generation : result
	return Response.json(
		{ generation: { ...generation, outputs: await generations.withUrls(generation) } },
		{
			status: intent === 'cancel' ? 200 : 202,
			...(intent === 'cancel' ? {} : { headers: { Location: `/api/generations/${generation.id}` } }),
		},
	)
}
