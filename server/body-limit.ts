/**
 * Request bodies are capped as their bytes arrive, before any route reads them, so an oversized post costs a
 * few kilobytes of memory whatever it claims or sends. Each route kind has its cap: forms and JSON small,
 * signed webhooks small, uploads at their file limit (a route declares `handle.bodyLimit`, see
 * server/route-protection.ts). Past the cap the request is answered 413 and the rest of its body is discarded
 * unread.
 *
 * Two checks: a declared Content-Length is judged before anything is read (server/app.ts against the largest
 * cap, the route guard against the route's); a body sent without one (chunked) is counted by `BodyLimit`
 * (server/remix-express.ts), which stops passing bytes on at the cap.
 *
 * No Node imports here: pages declare their cap in `handle`, which reaches the browser bundle too.
 */
const KB = 1024
const MB = 1024 * KB

/** Forms and JSON bodies: far above any field's own limit (a 32,000-character message is under 128 KB). */
export const FORM_BODY_MAX_BYTES = 1 * MB
/** Signed provider webhooks: a prediction's JSON, with its logs. */
export const WEBHOOK_BODY_MAX_BYTES = 1 * MB

/** A multipart upload of `files` files of at most `bytesPerFile` each, with its text fields. */
export function uploadBodyLimit(files: number, bytesPerFile: number): number {
	return files * bytesPerFile + FORM_BODY_MAX_BYTES
}

/** "1 MB", "81 MB", "512 KB". */
export function describeBytes(bytes: number): string {
	if (bytes >= MB) return `${Math.floor(bytes / MB)} MB`
	if (bytes >= KB) return `${Math.floor(bytes / KB)} KB`
	return `${bytes} bytes`
}

export class BodyTooLargeError extends Error {
	constructor(readonly limit: number) {
		super(`The request body is larger than ${describeBytes(limit)}.`)
		this.name = 'BodyTooLargeError'
	}
}

/** By name, not `instanceof`: the error is made by the server entry's copy of this module and may be examined
 *  by the Remix build's. */
export function isBodyTooLarge(error: unknown): error is BodyTooLargeError {
	return (
		error instanceof Error &&
		error.name === 'BodyTooLargeError' &&
		typeof (error as { limit?: unknown }).limit === 'number'
	)
}

/** The body length a request declares, or null when it declares none (chunked) or an unreadable one. */
export function declaredLength(value: string | null | undefined): number | null {
	if (value === null || value === undefined || !/^\d{1,16}$/.test(value.trim())) return null
	return Number(value)
}
