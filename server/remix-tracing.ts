/**
 * A span for every Remix loader and action, named after its route id (`remix.loader routes/_index`), as a
 * child of the HTTP server span. Remix v2 has no hook for this, so the server build's route modules are
 * wrapped once at start-up.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api'
import type { ActionFunction, LoaderFunction, ServerBuild } from '@remix-run/node'

const tracer = trace.getTracer('generation-studio.remix')

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
