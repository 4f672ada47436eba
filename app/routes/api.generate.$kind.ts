import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { GenerationRequestSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { apiError } from '#app/utils/http.server.ts'
import { readJson } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

/** `POST /api/generate/image|video|audio` with a JSON body: 202 and the queued generation (or the first one, replayed). */
export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const { requestId } = context
	if (request.method !== 'POST')
		return apiError(
			{ status: 405, code: 'method_not_allowed', message: 'Use POST.', headers: { Allow: 'POST' } },
			requestId,
		)
	const body = await readJson(request)
	const parsed = parseWith(GenerationRequestSchema, {
		...(typeof body === 'object' && body ? body : {}),
		kind: params.kind,
	})
	if (!parsed.ok) {
		return apiError(
			{
				status: 400,
				code: 'invalid_request',
				message: parsed.formErrors[0] ?? 'Check the fields.',
				fields: parsed.fields,
			},
			requestId,
		)
	}
	const header = request.headers.get('idempotency-key')
	const key = header === null ? null : parseWith(IdempotencyKeySchema, header)
	if (key && !key.ok) {
		return apiError(
			{
				status: 400,
				code: 'invalid_idempotency_key',
				message: key.fields['']?.[0] ?? key.formErrors[0] ?? 'Invalid key.',
			},
			requestId,
		)
	}
	const result = await context.services.generations.create(user, parsed.value, { idempotencyKey: key?.value ?? null })
	if ('refused' in result) return apiError(result, requestId)
	const generation = await context.services.generations.withUrls(result.generation)
	return Response.json(
		{ generation: { ...result.generation, outputs: generation }, replayed: result.replayed },
		{ status: 202, headers: { Location: `/api/generations/${result.generation.id}` } },
	)
}

export async function loader({ context }: LoaderFunctionArgs) {
	return apiError(
		{ status: 405, code: 'method_not_allowed', message: 'Use POST with a JSON body.', headers: { Allow: 'POST' } },
		context.requestId,
	)
}
