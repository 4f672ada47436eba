/**
 * Loaders and actions get the request itself when it has nothing of Remix's to take out.
 *
 * Remix v2's `callRouteLoader` and `callRouteAction` hand every loader and action a copy of the request without
 * the search parameters Remix adds for itself (`index` for an index route, `_routes` for single fetch): two
 * `new Request(...)` per call, each with a URL parse and an abort signal that follows the original's. A chat page
 * runs four loaders, so eight copies, about 0.1 ms each on a slow machine (3–5% of the page). When the address has
 * neither parameter, each copy is the same request in all that a loader reads (its method, headers, body, signal,
 * and the same search parameters), so the request is passed as it is; otherwise Remix's own function runs.
 *
 * Remix's data routes call both through the module object of `@remix-run/server-runtime/dist/data.js`, so the
 * replacement, installed once at start-up, reaches every call. `tests/unit/server/loader-requests.test.ts` compares
 * what a loader and an action receive and return with Remix's own functions, and fails if an upgrade stops calling
 * them through that module. See docs/decisions/016-render-speed.md, ninth round.
 */
import { createRequire } from 'node:module'

type RouteArgs = { request: Request; context: unknown; params: Record<string, string | undefined> }
export type CallRouteLoader = (args: {
	request: Request
	params: RouteArgs['params']
	loadContext: unknown
	loader: (args: RouteArgs) => unknown
	routeId: string
	singleFetch: boolean
}) => Promise<unknown>
export type CallRouteAction = (args: {
	request: Request
	params: RouteArgs['params']
	loadContext: unknown
	action: (args: RouteArgs) => unknown
	routeId: string
	singleFetch: boolean
}) => Promise<unknown>

/** Whether the address carries a search parameter Remix strips before a loader or action sees the request. */
export function hasRemixParams(url: string): boolean {
	const query = url.indexOf('?')
	if (query === -1) return false
	const search = new URLSearchParams(url.slice(query))
	return search.has('index') || search.has('_routes')
}

/** Remix's `callRouteLoader`, passing the request itself when there is nothing to strip (single fetch only). */
export function loaderWithoutCopies(original: CallRouteLoader): CallRouteLoader {
	return async args => {
		// Without single fetch, Remix also strips `_data` and wraps the answer in a Response: its own path.
		if (!args.singleFetch || hasRemixParams(args.request.url)) return await original(args)
		const result = await args.loader({ request: args.request, context: args.loadContext, params: args.params })
		if (result === undefined)
			throw new Error(
				`You defined a loader for route "${args.routeId}" but didn't return anything from your \`loader\` function. Please return a value or \`null\`.`,
			)
		// The rest of Remix's function for single fetch: `defer()` data with a redirect status becomes the redirect.
		const { isDeferredData, isRedirectStatusCode, redirect } = responses()
		if (isDeferredData(result) && result.init && isRedirectStatusCode(result.init.status ?? 200))
			return redirect(new Headers(result.init.headers).get('Location') ?? '/', result.init)
		return result
	}
}

/** Remix's `callRouteAction`, passing the request itself when there is nothing to strip (single fetch only). */
export function actionWithoutCopies(original: CallRouteAction): CallRouteAction {
	return async args => {
		if (!args.singleFetch || hasRemixParams(args.request.url)) return await original(args)
		const result = await args.action({ request: args.request, context: args.loadContext, params: args.params })
		if (result === undefined)
			throw new Error(
				`You defined an action for route "${args.routeId}" but didn't return anything from your \`action\` function. Please return a value or \`null\`.`,
			)
		return result
	}
}

type DeferredLike = { init?: { status?: number; headers?: HeadersInit } }
type Responses = {
	isDeferredData(value: unknown): value is DeferredLike
	isRedirectStatusCode(status: number): boolean
	redirect(url: string, init?: DeferredLike['init']): Response
}
let responsesModule: Responses | null = null
function responses(): Responses {
	responsesModule ??= createRequire(import.meta.url)('@remix-run/server-runtime/dist/responses.js') as Responses
	return responsesModule
}

let installed = false

/** Replaces `callRouteLoader` and `callRouteAction` on Remix's data module. Idempotent; call at start-up. */
export function installLoaderRequests(): void {
	if (installed) return
	const require = createRequire(import.meta.url)
	const data = require('@remix-run/server-runtime/dist/data.js') as {
		callRouteLoader: CallRouteLoader
		callRouteAction: CallRouteAction
	}
	data.callRouteLoader = loaderWithoutCopies(data.callRouteLoader.bind(data))
	data.callRouteAction = actionWithoutCopies(data.callRouteAction.bind(data))
	installed = true
}
