import type { AppLoadContext } from '@remix-run/node'

/** The origin the app is reached at (PUBLIC_URL, or the request's own in development): for links shown to others. */
export function appOrigin(request: Request, context: AppLoadContext): string {
	return context.services.config.publicUrl?.origin ?? new URL(request.url).origin
}

/** An absolute URL for `path` (a signed media URL may already be absolute). */
export function absoluteUrl(origin: string, path: string): string {
	return new URL(path, origin).toString()
}
