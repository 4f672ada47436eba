/**
 * What a loader or action answers when it fails for a reason that is not the request's fault:
 * - the database is out of reach (a restart, a failover, a dropped connection): 503 with `Retry-After`, the JSON
 *   error shape; a page shows it in its error boundary, an API client reads it;
 * - anything else thrown by an API route (a module without a page): 500 with the JSON error shape and the request
 *   id, never Remix's `text/plain` "Unexpected Server Error". Pages keep Remix's error page for those.
 * The server build's route modules are wrapped once at start-up, like route protection and tracing.
 */
import type { ActionFunction, LoaderFunction, ServerBuild } from '@remix-run/node'
import { DatabaseUnavailableError } from './db/index.ts'
import { logger } from './logger.ts'

/** How long a client should wait before trying again while the database is away. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5

type Handler = LoaderFunction | ActionFunction
type HandlerArgs = Parameters<LoaderFunction>[0]

function requestIdOf(context: unknown): string {
	if (typeof context === 'object' && context !== null && 'requestId' in context) return String(context.requestId)
	return ''
}

export type ErrorAnswer = { status: number; code: string; message: string; headers: Record<string, string> }

/** What every layer answers while the database is out of reach. */
export const DATABASE_UNAVAILABLE: ErrorAnswer = {
	status: 503,
	code: 'unavailable',
	message: 'The database is not answering right now. Try again in a few seconds.',
	headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS), 'Cache-Control': 'no-store' },
}

export const INTERNAL_ERROR: ErrorAnswer = {
	status: 500,
	code: 'internal',
	message: 'Something went wrong on our side.',
	headers: { 'Cache-Control': 'no-store' },
}

/** The API's one error shape (see app/utils/http.ts). */
export function errorBody(answer: ErrorAnswer, requestId: string) {
	return { error: { code: answer.code, message: answer.message, requestId } }
}

function errorResponse(answer: ErrorAnswer, requestId: string) {
	return Response.json(errorBody(answer, requestId), { status: answer.status, headers: answer.headers })
}

function guard(routeId: string, kind: 'loader' | 'action', isApi: boolean, fn: Handler): Handler {
	return async (args: HandlerArgs) => {
		try {
			return await fn(args)
		} catch (error) {
			if (error instanceof Response) throw error
			const requestId = requestIdOf(args.context)
			if (error instanceof DatabaseUnavailableError) {
				logger.warn('request answered 503: database unavailable', { route: routeId, handler: kind, error })
				throw errorResponse(DATABASE_UNAVAILABLE, requestId)
			}
			if (!isApi) throw error
			logger.error('request failed', { route: routeId, handler: kind, error })
			throw errorResponse(INTERNAL_ERROR, requestId)
		}
	}
}

/** Wraps every loader and action of the server build (see the file comment). Call once, at start-up. */
export function handleRouteErrors(build: ServerBuild): ServerBuild {
	const routes: ServerBuild['routes'] = {}
	for (const [routeId, route] of Object.entries(build.routes)) {
		const module = { ...route.module }
		const isApi = module.default === undefined
		if (module.loader) module.loader = guard(routeId, 'loader', isApi, module.loader)
		if (module.action) module.action = guard(routeId, 'action', isApi, module.action)
		routes[routeId] = { ...route, module }
	}
	return { ...build, routes }
}
