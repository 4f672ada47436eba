/**
 * What the image, video and audio studios' actions share: validate the form with the generation schema, create
 * (one idempotency key per rendered form), and redirect to the generation; a refusal re-renders the form with
 * what was sent and the errors beside their fields (`formRefusal`, for the studios' other actions too).
 */
import type { AppLoadContext } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { GenerationRequestSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import type { GenerationKind } from '#server/domain/generations/schema.ts'
import type { Refusal } from '#server/domain/refusal.ts'
import { requireUser } from './auth.server.ts'
import { readForm } from './input.server.ts'
import { parseWith } from './validation.server.ts'

export async function studioAction(
	kind: GenerationKind,
	request: Request,
	context: AppLoadContext,
	/** The fields the request is made of, where a form sends some that are not meant (blank or of another mode). */
	given: (form: Record<string, string>) => Record<string, string> = form => form,
) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const parsed = parseWith(GenerationRequestSchema, { ...given(form), kind })
	if (!parsed.ok) {
		// No general message: the error summary names each refused field, including one the form has no control for.
		return data({ fields: parsed.fields, message: '', values: form }, { status: 400 })
	}
	const key = parseWith(IdempotencyKeySchema, form.idempotencyKey ?? '')
	const result = await context.services.generations.create(user, parsed.value, {
		idempotencyKey: key.ok ? key.value : null,
	})
	if ('refused' in result) return formRefusal(result, form)
	return redirect(`/generations/${result.generation.id}`, 303)
}

/** A refusal as a studio's form shows it: the errors beside their fields, the message and what was sent back in. */
export function formRefusal(
	refusal: Pick<Refusal, 'status' | 'message' | 'fields' | 'headers'>,
	values: Record<string, string>,
) {
	return data(
		{ fields: refusal.fields ?? {}, message: refusal.message, values },
		{ status: refusal.status, headers: refusal.headers ?? {} },
	)
}

/** A blank field (no seed, "Text only") is a field not given. */
export function nonBlank(form: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(form).filter(([, value]) => value !== ''))
}
