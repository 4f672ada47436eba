/**
 * Turns fields or a JSON value into a schema's output, or into field errors a form can show beside its fields
 * (and an API can return as `fields`). Requests are read by app/utils/input.server.ts, which leaves empty form
 * fields out, so optional fields stay optional.
 */
import * as v from 'valibot'

export type FieldErrors = Record<string, string[]>
export type Parsed<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors; formErrors: string[] }

export function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): Parsed<v.InferOutput<S>> {
	const result = v.safeParse(schema, input)
	if (result.success) return { ok: true, value: result.output }
	const flat = v.flatten<S>(result.issues)
	const fields: FieldErrors = {}
	for (const [key, messages] of Object.entries(flat.nested ?? {})) {
		if (Array.isArray(messages) && messages.length > 0) fields[key] = messages
	}
	return { ok: false, fields, formErrors: flat.root ?? [] }
}
