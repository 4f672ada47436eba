/**
 * An expected "no" from a domain function: bad input, over budget, rate limited, not found, conflicting
 * idempotency key. Domain functions return it instead of throwing, so a page can re-render its form with the
 * message and an API route can answer `{ error: { code, message, fields? } }` with the status — and nothing
 * crosses the bundle boundary as a class (docs/decisions/004).
 */
export type Refusal = {
	refused: true
	status: 400 | 401 | 402 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503
	code: string
	message: string
	fields?: Record<string, string[]>
	headers?: Record<string, string>
}

export function refuse(
	status: Refusal['status'],
	code: string,
	message: string,
	extra: Pick<Refusal, 'fields' | 'headers'> = {},
): Refusal {
	return { refused: true, status, code, message, ...extra }
}

export function isRefusal(value: unknown): value is Refusal {
	return typeof value === 'object' && value !== null && (value as { refused?: unknown }).refused === true
}

export const notFound = (what = 'That item') => refuse(404, 'not_found', `${what} does not exist, or it is not yours.`)
