/**
 * When a signed URL expires. Pages sign their files on every render; rounding each expiry up to a boundary of
 * `URL_WINDOW_SECONDS` makes a page rendered twice within the window name the same URLs, so the browser's cache
 * holds (docs/decisions/016-render-speed.md).
 */

/** Signed URLs expire on a boundary of this many seconds. */
export const URL_WINDOW_SECONDS = 1800

/** The `expiresInSeconds` of a URL that works at least `atLeastSeconds` from `nowMs` and ends on a window boundary. */
export function windowedExpiry(atLeastSeconds: number, nowMs = Date.now()): number {
	const now = Math.floor(nowMs / 1000)
	return Math.ceil((now + atLeastSeconds) / URL_WINDOW_SECONDS) * URL_WINDOW_SECONDS - now
}
