/**
 * What the image, video and audio studios share: the loader data (recent work, models for the capability, a
 * fresh idempotency key) and the action (validate, create, redirect to the generation), so each studio route is
 * only its own fields.
 */
import type { AppLoadContext } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { GenerationRequestSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import type { GenerationKind } from '#server/domain/generations/schema.ts'
import { requireUser } from './auth.server.ts'
import { parseWith } from './validation.ts'
import { readForm } from '#app/utils/input.server.ts'

const CAPABILITIES = { image: ['image'], video: ['video'], audio: ['speech', 'music'] } as const

export async function studioLoader(kind: GenerationKind, request: Request, context: AppLoadContext) {
	const user = await requireUser(request, context)
	const { generations, providers } = context.services
	const recent = await generations.list(user, { kind, limit: 12 })
	const items = await Promise.all(recent.map(async g => ({ ...g, outputs: await generations.withUrls(g) })))
	const capabilities: readonly string[] = CAPABILITIES[kind]
	const models = providers
		.list()
		.filter(m => m.available && m.capabilities.some(c => capabilities.includes(c)))
		.map(m => ({ id: m.id, name: m.displayName, capabilities: m.capabilities }))
	// A fresh key per rendered form: submitting the same form twice (a double click, a resent POST) creates one generation.
	return { recent: items, models, idempotencyKey: crypto.randomUUID() }
}

export async function studioAction(kind: GenerationKind, request: Request, context: AppLoadContext) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const parsed = parseWith(GenerationRequestSchema, { ...form, kind })
	if (!parsed.ok) {
		// No general message: the error summary names each refused field, including one the form has no control for.
		return data({ fields: parsed.fields, message: '', values: form }, { status: 400 })
	}
	const key = parseWith(IdempotencyKeySchema, form.idempotencyKey ?? '')
	const result = await context.services.generations.create(user, parsed.value, {
		idempotencyKey: key.ok ? key.value : null,
	})
	if ('refused' in result) {
		return data(
			{ fields: result.fields ?? {}, message: result.message, values: form },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	return redirect(`/generations/${result.generation.id}`, 303)
}
