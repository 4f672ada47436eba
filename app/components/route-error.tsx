/**
 * What a page shows when its loader or action fails: the status, a sentence a person can act on, and the request
 * id to quote. Every route with data exports it as its ErrorBoundary, so an error inside a page keeps everything
 * around it (the shell, and in chat the conversation list); the root uses it for what fails above the pages.
 */
import { isRouteErrorResponse, useRouteError, useRouteLoaderData } from '@remix-run/react'

type RootData = { requestId?: string }

function messageOf(error: unknown, status: number): string {
	if (isRouteErrorResponse(error) && typeof error.data === 'object' && error.data && 'error' in error.data) {
		return String((error.data as { error: { message?: unknown } }).error.message ?? '')
	}
	if (status === 404) return 'There is nothing at this address. Check the link, or start from the home page.'
	if (status === 500) {
		return 'The error has been logged. Try again in a moment; if it keeps happening, quote the reference below.'
	}
	return ''
}

export function RouteErrorBoundary() {
	const error = useRouteError()
	const requestId = useRouteLoaderData<RootData>('root')?.requestId
	const status = isRouteErrorResponse(error) ? error.status : 500
	const title =
		status === 404
			? 'Page not found'
			: status === 403
				? 'Not allowed'
				: status === 429
					? 'Too many requests'
					: 'Something went wrong'
	const message = messageOf(error, status)
	return (
		<section className="mx-auto max-w-xl py-16 text-center" data-error-status={status}>
			<p className="text-sm font-semibold text-link">{status}</p>
			<h1 className="mt-2 text-3xl font-bold">{title}</h1>
			{message ? <p className="mt-4 text-fg-soft">{message}</p> : null}
			{requestId ? (
				<p className="mt-6 text-sm text-fg-muted">
					Reference: <code data-request-id>{requestId}</code>
				</p>
			) : null}
			<p className="mt-8">
				<a href="/" className="btn-secondary">
					Go to the home page
				</a>
			</p>
		</section>
	)
}
