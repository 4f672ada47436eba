/**
 * Route matching, remembered. `matchRoutes` of @remix-run/router flattens the whole route tree, scores and sorts
 * every branch and compiles a regular expression per branch it tries — on every call, and a page request calls
 * it more than once (Remix's request handler, then react-router while rendering). The route list never changes
 * while the process runs, so the answer for a pathname is always the same: this module keeps it, per route tree
 * and pathname, in a bounded LRU, and hands out fresh match objects that point at the caller's own route objects.
 *
 * Remix v2 has no option for this; it calls `matchRoutes` through the @remix-run/router module object, so
 * replacing that export once at start-up (`installRenderCaches`) reaches every caller that looks it up there.
 * The static handler inside @remix-run/router calls its own copy, which no export reaches: `branchStaticHandlers`
 * gives it a tree of one branch to match in instead of the whole one. See docs/decisions/016-render-speed.md.
 */
import { createRequire } from 'node:module'

type RouteLike = { id?: string; path?: string; index?: boolean; caseSensitive?: boolean; children?: RouteLike[] }
type Location = string | { pathname?: string }
type Match = { params: Record<string, string | undefined>; pathname: string; pathnameBase: string; route: RouteLike }
type MatchRoutes = (routes: RouteLike[], location: Location, basename?: string) => Match[] | null

/** Remembered answer: the matched routes by their position in the tree, with the params and pathnames. */
type Remembered = { at: number[][]; params: Match['params']; pathnames: [string, string][] } | null

/** Distinct pathnames remembered per route tree; the least recently used goes first beyond it. */
const MAX_PATHNAMES = 2_000
/** Pathnames longer than this are matched every time (nobody navigates there twice). */
const MAX_PATHNAME_LENGTH = 512

/**
 * A route tree's shape: every route's id, path, index and case flags in order. Remix builds new route objects for
 * every render (same shape), so trees are told apart by shape, and the shape is remembered per array object.
 */
const shapes = new WeakMap<RouteLike[], string>()
function shapeOf(routes: RouteLike[]): string {
	let shape = shapes.get(routes)
	if (shape === undefined) {
		// Remix rebuilds the tree for every render, so this runs per request: one string, no intermediate arrays.
		let out = ''
		const walk = (list: RouteLike[]) => {
			for (const r of list) {
				out += `${r.id ?? ''}:${r.path ?? ''}:${r.index ? 1 : 0}${r.caseSensitive ? 1 : 0},`
				if (r.children?.length) {
					out += '('
					walk(r.children)
					out += ')'
				}
			}
		}
		walk(routes)
		shape = out
		shapes.set(routes, shape)
	}
	return shape
}

function positions(routes: RouteLike[]): Map<RouteLike, number[]> {
	const out = new Map<RouteLike, number[]>()
	const walk = (list: RouteLike[], prefix: number[]) =>
		list.forEach((route, i) => {
			const at = [...prefix, i]
			out.set(route, at)
			if (route.children) walk(route.children, at)
		})
	walk(routes, [])
	return out
}

function routeAt(routes: RouteLike[], at: number[]): RouteLike | undefined {
	let list: RouteLike[] | undefined = routes
	let route: RouteLike | undefined
	for (const i of at) {
		route = list?.[i]
		list = route?.children
	}
	return route
}

export function memoizeMatchRoutes(matchRoutes: MatchRoutes): MatchRoutes & { readonly size: number } {
	const byShape = new Map<string, Map<string, Remembered>>()
	const memoized = (routes: RouteLike[], location: Location, basename?: string): Match[] | null => {
		// Only plain pathnames are remembered (a string with a search or hash is matched as it comes).
		const pathname =
			typeof location === 'string' ? (/[?#]/.test(location) ? null : location) : (location.pathname ?? '/')
		if (pathname === null || pathname.length > MAX_PATHNAME_LENGTH || !Array.isArray(routes)) {
			return matchRoutes(routes, location, basename)
		}
		const shape = shapeOf(routes)
		let remembered = byShape.get(shape)
		if (!remembered) {
			remembered = new Map()
			byShape.set(shape, remembered)
		}
		const key = `${basename ?? '/'}\u0000${pathname}`
		let entry = remembered.get(key)
		if (entry === undefined) {
			const matches = matchRoutes(routes, location, basename)
			if (matches) {
				const where = positions(routes)
				const at = matches.map(m => where.get(m.route))
				entry = at.every(a => a !== undefined)
					? {
							at: at as number[][],
							params: matches[matches.length - 1]?.params ?? {},
							pathnames: matches.map(m => [m.pathname, m.pathnameBase]),
						}
					: null
				// A route object not found in the tree it was matched in: answer, but do not remember.
				if (entry === null) return matches
			} else entry = null
		} else remembered.delete(key)
		remembered.set(key, entry)
		if (remembered.size > MAX_PATHNAMES) {
			const oldest = remembered.keys().next().value
			if (oldest !== undefined) remembered.delete(oldest)
		}
		if (entry === null) return null
		// As in matchRoutes, every match of one answer shares one params object.
		const params = { ...entry.params }
		const result: Match[] = []
		for (let i = 0; i < entry.at.length; i++) {
			const route = routeAt(routes, entry.at[i] ?? [])
			const [matchedPathname, pathnameBase] = entry.pathnames[i] ?? ['/', '/']
			if (!route) return matchRoutes(routes, location, basename)
			result.push({ params, pathname: matchedPathname, pathnameBase, route })
		}
		return result
	}
	Object.defineProperty(memoized, 'size', {
		get: () => [...byShape.values()].reduce((n, m) => n + m.size, 0),
	})
	return memoized as MatchRoutes & { readonly size: number }
}

type CreateServerRoutes = (
	manifestRoutes: object,
	routeModules: object,
	future: unknown,
	isSpaMode: boolean,
) => unknown[]

/**
 * `createServerRoutes` with its answer kept per manifest: `RemixServer` builds the whole route tree for react-router
 * (grouping the manifest by parent, one object per route) on every render, from a manifest and route modules that
 * do not change while a build is loaded. React-router copies the routes it is given (`convertRoutesToDataRoutes`)
 * and never changes them, so one tree serves every render of one build; a new build (development) is a new manifest.
 * Remix hands over a new route-modules object for every request (`createEntryRouteModules`), holding the same
 * modules: they are compared one by one, not by the object that holds them.
 */
export function memoizeServerRoutes(create: CreateServerRoutes): CreateServerRoutes {
	const kept = new WeakMap<object, { routeModules: object; future: unknown; isSpaMode: boolean; routes: unknown[] }>()
	return (manifestRoutes, routeModules, future, isSpaMode) => {
		const entry = kept.get(manifestRoutes)
		if (
			entry &&
			sameModules(entry.routeModules, routeModules) &&
			entry.future === future &&
			entry.isSpaMode === isSpaMode
		) {
			return entry.routes
		}
		const routes = create(manifestRoutes, routeModules, future, isSpaMode)
		kept.set(manifestRoutes, { routeModules, future, isSpaMode, routes })
		return routes
	}
}

type ConvertRoutes = (
	routes: unknown[],
	mapRouteProperties: unknown,
	parentPath?: string[],
	manifest?: Record<string, unknown>,
) => unknown[]

/**
 * `convertRoutesToDataRoutes` with its answer kept per route tree: react-router's `createStaticRouter` copies the
 * whole tree into data routes (and a manifest by id) on every render. The tree is the one `memoizeServerRoutes`
 * keeps, and the copies are only read while rendering, so one copy serves every render; the manifest the caller
 * hands in (a new empty object each time) is filled from the kept one. Calls for a subtree or with a manifest
 * already holding routes are passed through.
 */
export function memoizeDataRoutes(convert: ConvertRoutes): ConvertRoutes {
	const kept = new WeakMap<
		object,
		{ mapRouteProperties: unknown; dataRoutes: unknown[]; manifest: Record<string, unknown> }
	>()
	return (routes, mapRouteProperties, parentPath, manifest) => {
		const plain = parentPath === undefined && (manifest === undefined || Object.keys(manifest).length === 0)
		if (!plain) return convert(routes, mapRouteProperties, parentPath, manifest)
		const entry = kept.get(routes)
		if (entry && entry.mapRouteProperties === mapRouteProperties) {
			if (manifest) Object.assign(manifest, entry.manifest)
			return entry.dataRoutes
		}
		const built: Record<string, unknown> = {}
		const dataRoutes = convert(routes, mapRouteProperties, undefined, built)
		kept.set(routes, { mapRouteProperties, dataRoutes, manifest: built })
		if (manifest) Object.assign(manifest, built)
		return dataRoutes
	}
}

/** The same route modules under the same ids (the holding objects may differ). */
function sameModules(a: object, b: object): boolean {
	if (a === b) return true
	const left = a as Record<string, unknown>
	const right = b as Record<string, unknown>
	let count = 0
	for (const id in right) {
		if (left[id] !== right[id]) return false
		count++
	}
	return count === Object.keys(left).length
}

type DataRoute = RouteLike & { id: string; children?: DataRoute[] }
type StaticHandler = {
	dataRoutes: DataRoute[]
	query(request: Request, options?: unknown): Promise<unknown>
	queryRoute(request: Request, options?: unknown): Promise<unknown>
}
type CreateStaticHandler = (routes: DataRoute[], options?: { basename?: string }) => StaticHandler

/** The matched routes as a tree of their own: each route copied with its one matched child as its only child. */
function branchTree(matched: readonly DataRoute[]): DataRoute[] {
	let child: DataRoute | undefined
	for (let i = matched.length - 1; i >= 0; i--) {
		const route = matched[i] as DataRoute
		// An index route may not have children, not even an empty list.
		child = { ...route, children: child ? [child] : undefined }
	}
	return child ? [child] : []
}

const idsOf = (matches: readonly Match[] | null) => matches?.map(m => (m.route as DataRoute).id).join('\u0000') ?? ''

/**
 * `createStaticHandler` whose `query` and `queryRoute` match in a tree of one branch. The static handler flattens,
 * scores and sorts every branch of the whole tree on each call (`matchRoutes`, its own copy), a few per cent of a
 * page's time with ~100 routes. Here the request's branch is found with the remembering `matchRoutes`, and the
 * request goes to a static handler made once per branch over just those routes (the same loaders, actions and
 * ids, copied as the static handler copies any tree it is given): its own matching then ranks three or four
 * branches. A branch is used only after it was seen to match its first address as the whole tree does; an address
 * that matches nothing (a 404) goes to the whole tree's handler. In development Remix makes a new static handler per
 * request, so there every branch is made once per request and nothing is gained (nor lost but the copy).
 */
export function branchStaticHandlers(create: CreateStaticHandler, matchRoutes: MatchRoutes): CreateStaticHandler {
	return (routes, options) => {
		const whole = create(routes, options)
		const basename = options?.basename
		/** The static handler per branch (by matched route ids); `whole` where the branch did not match alike. */
		const byBranch = new Map<string, StaticHandler>()
		const handlerFor = (request: Request): StaticHandler => {
			const pathname = new URL(request.url).pathname
			const matches = matchRoutes(whole.dataRoutes, pathname, basename)
			if (!matches?.length) return whole
			const key = idsOf(matches)
			let handler = byBranch.get(key)
			if (!handler) {
				const branch = create(branchTree(matches.map(m => m.route as DataRoute)), options)
				handler = idsOf(matchRoutes(branch.dataRoutes, pathname, basename)) === key ? branch : whole
				byBranch.set(key, handler)
			}
			return handler
		}
		return {
			get dataRoutes() {
				return whole.dataRoutes
			},
			query: (request, queryOptions) => handlerFor(request).query(request, queryOptions),
			queryRoute: (request, queryOptions) => handlerFor(request).queryRoute(request, queryOptions),
		}
	}
}

let installed = false

/**
 * Replaces @remix-run/router's exported `matchRoutes`, `UNSAFE_convertRoutesToDataRoutes` and
 * `createStaticHandler`, and the `createServerRoutes` of @remix-run/react's routes module (Remix's request handler,
 * RemixServer and createStaticRouter call them through their module objects) with the remembering ones above.
 * Idempotent; call at start-up, before the request handler is made.
 */
export function installRenderCaches(): void {
	if (installed) return
	const require = createRequire(import.meta.url)
	const router = require('@remix-run/router') as {
		matchRoutes: MatchRoutes
		UNSAFE_convertRoutesToDataRoutes: ConvertRoutes
		createStaticHandler: CreateStaticHandler
	}
	router.matchRoutes = memoizeMatchRoutes(router.matchRoutes.bind(router))
	// Remix's request handler makes its static handler through the module object.
	router.createStaticHandler = branchStaticHandlers(router.createStaticHandler.bind(router), router.matchRoutes)
	// react-router-dom's createStaticRouter calls it through the module object too.
	router.UNSAFE_convertRoutesToDataRoutes = memoizeDataRoutes(router.UNSAFE_convertRoutesToDataRoutes.bind(router))
	const routes = require('@remix-run/react/dist/routes.js') as { createServerRoutes: CreateServerRoutes }
	routes.createServerRoutes = memoizeServerRoutes(routes.createServerRoutes.bind(routes))
	installed = true
}
