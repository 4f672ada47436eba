/**
 * Remix in the traces: the HTTP server span and the request duration metric carry the matched route pattern as
 * `http.route` (so the span is named `GET /generations/:id`, never after a raw id), and every loader and action
 * gets a span named after its route id (`remix.loader routes/_index`), a child of the HTTP server span. Remix v2
 * has no hook for either, so the build's routes are matched here and its route modules wrapped once at start-up.
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { getRPCMetadata, RPCType } from '@opentelemetry/core'
import type { ActionFunction, LoaderFunction, ServerBuild } from '@remix-run/node'
import { matchRoutes, type AgnosticRouteObject } from '@remix-run/router'
import { requestScope } from './logger.ts'
import type { RequestHandler } from 'express'

const tracer = trace.getTracer('generation-studio.remix')
const MAX_REMEMBERED_PATHNAMES = 2_000
const MAX_REMEMBERED_PATHNAME = 512

function isResponse(value: unknown): value is Response {
	return value instanceof Response
}

function wrap<F extends LoaderFunction | ActionFunction>(kind: 'loader' | 'action', routeId: string, fn: F): F {
	const wrapped = (args: Parameters<F>[0]) =>
		tracer.startActiveSpan(
			`remix.${kind} ${routeId}`,
			{ attributes: { 'remix.route.id': routeId, 'remix.handler': kind } },
			async span => {
				try {
					const result: unknown = await fn(args)
					if (isResponse(result)) span.setAttribute('http.response.status_code', result.status)
					return result
				} catch (error) {
					// A thrown Response is control flow (redirects, 404s), not a failure of the handler.
					if (isResponse(error)) {
						span.setAttribute('http.response.status_code', error.status)
						if (error.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
					} else {
						span.recordException(error instanceof Error ? error : String(error))
						span.setStatus({ code: SpanStatusCode.ERROR })
					}
					throw error
				} finally {
					span.end()
				}
			},
		)
	return wrapped as F
}

export function instrumentBuild(build: ServerBuild): ServerBuild {
	const routes: ServerBuild['routes'] = {}
	for (const [id, route] of Object.entries(build.routes)) {
		const module = { ...route.module }
		if (module.loader) module.loader = wrap('loader', id, module.loader)
		if (module.action) module.action = wrap('action', id, module.action)
		routes[id] = { ...route, module }
	}
	return { ...build, routes }
}

/** The build's routes as the router's nested route objects, the way Remix matches them. */
function routeTree(build: Pick<ServerBuild, 'routes'>, parentId?: string): AgnosticRouteObject[] {
	return Object.values(build.routes)
		.filter(route => route.parentId === parentId)
		.map(route => {
			const base = { id: route.id, caseSensitive: route.caseSensitive ?? false }
			if (route.index) return { ...base, index: true, ...(route.path ? { path: route.path } : {}) }
			return { ...base, ...(route.path ? { path: route.path } : {}), children: routeTree(build, route.id) }
		})
}

/** The route pattern a path matches (`/generations/:id`, `/*` for the catch-all), or null when none does. */
export function routePatternMatcher(build: Pick<ServerBuild, 'routes'>): (pathname: string) => string | null {
	const tree = routeTree(build)
	const match = (pathname: string): string | null => {
		// Remix's own requests: the route manifest, and single-fetch data (`/x.data`, `/_root.data` for `/`).
		if (pathname === '/__manifest') return pathname
		if (pathname.endsWith('.data')) pathname = pathname === '/_root.data' ? '/' : pathname.slice(0, -'.data'.length)
		const matches = matchRoutes(tree, pathname)
		if (!matches) return null
		const segments = matches.flatMap(m => (m.route.path ? m.route.path.split('/').filter(Boolean) : []))
		return `/${segments.join('/')}`
	}
	// The routes never change while the process runs: a pathname's pattern is looked up once (matching flattens and
	// ranks every route), and the most recently used pathnames are kept.
	const known = new Map<string, string | null>()
	return pathname => {
		if (pathname.length > MAX_REMEMBERED_PATHNAME) return match(pathname)
		let pattern = known.get(pathname)
		if (pattern === undefined) pattern = match(pathname)
		else known.delete(pathname)
		known.set(pathname, pattern)
		if (known.size > MAX_REMEMBERED_PATHNAMES) {
			const oldest = known.keys().next().value
			if (oldest !== undefined) known.delete(oldest)
		}
		return pattern
	}
}

/** Names the current HTTP server span (and its duration metric) after a route pattern; a no-op without the SDK. */
export function setHttpRoute(route: string) {
	const rpc = getRPCMetadata(context.active())
	if (rpc?.type === RPCType.HTTP) rpc.route = route
}

/**
 * Express middleware: the Remix route pattern of each request, for the HTTP server span and for the request's log
 * scope (error lines are counted by route: server/logger.ts `recentErrorCounts`).
 */
export function httpRouteFromBuild(build: Pick<ServerBuild, 'routes'>): RequestHandler {
	const patternOf = routePatternMatcher(build)
	return (req, _res, next) => {
		const route = patternOf(req.path)
		if (route) {
			const rpc = getRPCMetadata(context.active())
			if (rpc?.type === RPCType.HTTP) rpc.route = route
			const scope = requestScope.getStore()
			if (scope) scope.route = `${req.method} ${route}`
		}
		next()
	}
}
