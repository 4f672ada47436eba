/**
 * The one UUID check. Ids arrive in URLs, forms, cookies and job data; a value that is not a UUID is refused
 * before it reaches a query (Postgres would answer a malformed uuid with an error, not "no row").
 */
import * as v from 'valibot'

/** The pattern's source, for building larger patterns (storage keys embed user ids and file ids). */
export const UUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

const UUID = new RegExp(`^${UUID_SOURCE}$`, 'i')

export function isUuid(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value)
}

/** The same check as a valibot schema, for ids inside job data and other stored JSON. */
export const UuidSchema = v.pipe(
	v.string(),
	v.check((value: string) => isUuid(value), 'Expected a UUID.'),
)
