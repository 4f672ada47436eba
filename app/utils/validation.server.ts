/**
 * Turns fields or a JSON value into a schema's output, or into field errors a form can show beside its fields
 * (and an API can return as `fields`). Requests are read by app/utils/input.server.ts, which leaves empty form
 * fields out, so optional fields stay optional.
 */
import * as v from 'valibot'

export type FieldErrors = Record<string, string[]>
export type Parsed<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors; formErrors: string[] }

/** valibot's own words for a key that is not there, or a value of the wrong type: never shown to a person. */
const VALIDATOR_WORDS = /^Invalid (key|type): /

/**
 * `blankForMissing: false` keeps valibot's report of missing keys, for input that is not a form: an imported
 * file says what shape was expected instead (chat import).
 */
export function parseWith<S extends v.GenericSchema>(
	schema: S,
	input: unknown,
	{ blankForMissing = true }: { blankForMissing?: boolean } = {},
): Parsed<v.InferOutput<S>> {
	const result = v.safeParse(schema, input)
	if (result.success) return { ok: true, value: result.output }
	const fields = nestedErrors<S>(result.issues)
	// A required field left blank is not in the input at all, and valibot says so as "Invalid key: Expected
	// "name" but received undefined". Ask the field's own schema what it says about an empty value instead
	// ("Enter your name."); where it has nothing better to say, the original stays.
	const missing = Object.keys(fields).filter(key => fields[key]?.every(m => VALIDATOR_WORDS.test(m)))
	if (blankForMissing && missing.length > 0 && typeof input === 'object' && input !== null && !Array.isArray(input)) {
		const blanks = Object.fromEntries(missing.map(key => [key, '']))
		const again = v.safeParse(schema, { ...input, ...blanks })
		const said = again.success ? {} : nestedErrors<S>(again.issues)
		for (const key of missing) {
			const words = said[key]?.filter(m => !VALIDATOR_WORDS.test(m))
			if (words?.[0]) fields[key] = [words[0]]
		}
	}
	return { ok: false, fields, formErrors: v.flatten<S>(result.issues).root ?? [] }
}

function nestedErrors<S extends v.GenericSchema>(issues: [v.InferIssue<S>, ...v.InferIssue<S>[]]): FieldErrors {
	const fields: FieldErrors = {}
	for (const [key, messages] of Object.entries(v.flatten<S>(issues).nested ?? {})) {
		if (Array.isArray(messages) && messages.length > 0) fields[key] = messages
	}
	return fields
}
