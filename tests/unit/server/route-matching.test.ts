/**
 * The remembering matchRoutes gives exactly the answers of @remix-run/router's own, for the app's real route
 * tree and for trees rebuilt with the same shape (as Remix does on every render), pointing at the caller's
 * route objects; and its memory is bounded.
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { memoizeMatchRoutes } from '#server/route-matching.ts'

type Route = { id?: string; path?: string; index?: boolean; caseSensitive?: boolean; children?: Route[] }
type Match = { params: Record<string, string | undefined>; pathname: string; pathnameBase: string; route: Route }
const router = createRequire(import.meta.url)('@remix-run/router') as {
	matchRoutes: (routes: Route[], location: string | { pathname?: string }, basename?: string) => Match[] | null
}

/** A tree like the app's: root with flat routes, params, a splat, an index and nested layouts. */
const tree = (): Route[] => [
	{
		id: 'root',
		path: '',
		children: [
			{ id: 'routes/_index', index: true },
			{ id: 'routes/$', path: '*' },
			{ id: 'routes/login', path: 'login' },
			{
				id: 'routes/chat',
				path: 'chat',
				children: [
					{ id: 'routes/chat._index', index: true },
					{ id: 'routes/chat.$id', path: ':id' },
				],
			},
			{ id: 'routes/api.chat.$id.stream', path: 'api/chat/:id/stream' },
			{ id: 'routes/generations.$id', path: 'generations/:id' },
			{ id: 'routes/settings', path: 'settings', children: [{ id: 'routes/settings.tokens', path: 'tokens' }] },
			{ id: 'routes/Case', path: 'Case', caseSensitive: true },
			{ id: 'routes/docs.$', path: 'docs/*' },
			{ id: 'routes/optional', path: 'opt/:a?/end' },
		],
	},
]

const PATHS = [
	'/',
	'/login',
	'/login/',
	'/chat',
	'/chat/0b4c1f8e-3c1a-4f57-9a0d-000000000001',
	'/chat/caf%C3%A9',
	'/api/chat/abc/stream',
	'/generations/42',
	'/settings/tokens',
	'/Case',
	'/case',
	'/docs/a/b/c',
	'/opt/end',
	'/opt/x/end',
	'/nowhere/at/all',
	'/chat?x=1',
]

describe('memoizeMatchRoutes', () => {
	it('answers as matchRoutes does, first and later times, for the same tree and for a rebuilt one', () => {
		const memo = memoizeMatchRoutes(router.matchRoutes.bind(router))
		const constant = tree()
		for (let round = 0; round < 3; round++) {
			for (const path of PATHS) {
				for (const location of [path, { pathname: path }]) {
					expect(memo(constant, location), `${path} (round ${round})`).toEqual(router.matchRoutes(constant, location))
					const rebuilt = tree()
					const got = memo(rebuilt, location) as Array<{ route: Route }> | null
					expect(got).toEqual(router.matchRoutes(rebuilt, location))
					// The matches point at the caller's own route objects, not at a remembered tree.
					const own = new Set<Route>()
					const walk = (list: Route[]) => {
						for (const r of list) {
							own.add(r)
							if (r.children) walk(r.children)
						}
					}
					walk(rebuilt)
					for (const m of got ?? []) expect(own.has(m.route)).toBe(true)
				}
			}
		}
		expect(memo(constant, '/chat', '/base')).toEqual(router.matchRoutes(constant, '/chat', '/base'))
		expect(memo(constant, '/base/chat', '/base')).toEqual(router.matchRoutes(constant, '/base/chat', '/base'))
	})

	it('tells trees of different shapes apart', () => {
		const memo = memoizeMatchRoutes(router.matchRoutes.bind(router))
		const other: Route[] = [{ id: 'root', path: '', children: [{ id: 'routes/chat.$id', path: 'chat/:id' }] }]
		expect(memo(tree(), '/chat/1')).toEqual(router.matchRoutes(tree(), '/chat/1'))
		expect(memo(other, '/chat/1')).toEqual(router.matchRoutes(other, '/chat/1'))
		expect(memo(other, '/login')).toBeNull()
	})

	it('keeps at most 2,000 pathnames per tree, dropping the least recently used', () => {
		const memo = memoizeMatchRoutes(router.matchRoutes.bind(router))
		const routes = tree()
		for (let i = 0; i < 2_500; i++) memo(routes, `/chat/${i}`)
		expect(memo.size).toBe(2_000)
		expect(memo(routes, '/chat/1')).toEqual(router.matchRoutes(routes, '/chat/1'))
	})
})

describe('memoizeServerRoutes', () => {
	it('builds the route tree once per manifest and route modules, and again for a new build', async () => {
		const { memoizeServerRoutes } = await import('#server/route-matching.ts')
		let built = 0
		const create = memoizeServerRoutes(() => {
			built++
			return [{ id: 'root' }]
		})
		const [manifest, future] = [{}, {}]
		const [root, page] = [{ default: 'root' }, { default: 'page' }]
		const first = create(manifest, { root, page }, future, false)
		// Remix makes a new object holding the same modules for every request (createEntryRouteModules).
		expect(create(manifest, { root, page }, future, false)).toBe(first)
		expect(create(manifest, { page, root }, future, false)).toBe(first)
		expect(built).toBe(1)
		expect(create({}, { root, page }, future, false)).not.toBe(first)
		expect(create(manifest, { root, page: { default: 'another page' } }, future, false)).not.toBe(first)
		expect(create(manifest, { root }, future, false)).not.toBe(first)
		expect(create(manifest, { root, page, extra: page }, future, false)).not.toBe(first)
		expect(built).toBe(5)
	})
})

describe('memoizeDataRoutes', () => {
	it('copies a route tree into data routes once, and fills each caller’s manifest as the real one does', async () => {
		const { memoizeDataRoutes } = await import('#server/route-matching.ts')
		const { UNSAFE_convertRoutesToDataRoutes: convert } = await import('@remix-run/router')
		let built = 0
		const memoized = memoizeDataRoutes((routes, map, parentPath, manifest) => {
			built++
			return convert(
				routes as Parameters<typeof convert>[0],
				map as Parameters<typeof convert>[1],
				parentPath,
				manifest as never,
			)
		})
		const map = (route: { id?: string }) => ({ hasErrorBoundary: route.id === 'root' })
		const routes = [
			{
				id: 'root',
				path: '/',
				children: [
					{ id: 'routes/chat', path: 'chat' },
					{ id: 'routes/_index', index: true },
				],
			},
		]
		const expectedManifest = {}
		const expected = convert(routes, map, undefined, expectedManifest)
		const manifests = [{}, {}]
		const first = memoized(routes, map, undefined, manifests[0])
		const second = memoized(routes, map, undefined, manifests[1])
		expect(second).toBe(first)
		expect(first).toEqual(expected)
		for (const manifest of manifests) expect(manifest).toEqual(expectedManifest)
		expect(built).toBe(1)
		// Another tree, another mapping, or a subtree: built again.
		memoized([...routes], map, undefined, {})
		memoized(routes, () => ({}), undefined, {})
		memoized(routes, map, ['0'], {})
		expect(built).toBe(4)
	})
})

describe('branchStaticHandlers', () => {
	type Ctx = { statusCode: number; loaderData: unknown; actionData: unknown; errors: unknown; matches: Match[] }
	/** Data routes whose loaders and actions answer with their route id and params (and one that throws a 404). */
	const dataTree = () => {
		const withData = (route: Route): Route & Record<string, unknown> => ({
			...route,
			loader: ({ params }: { params: unknown }) => {
				if (route.id === 'routes/generations.$id') throw new Response('gone', { status: 404 })
				return { id: route.id, params }
			},
			action: () => ({ acted: route.id }),
			hasErrorBoundary: route.id === 'root' || route.id === 'routes/chat',
			children: route.children?.map(withData),
		})
		return tree().map(withData)
	}
	const summary = (context: unknown) => {
		if (context instanceof Response) return { response: context.status, location: context.headers.get('location') }
		const c = context as Ctx
		return {
			status: c.statusCode,
			loaderData: c.loaderData,
			actionData: c.actionData,
			errors: c.errors ? Object.keys(c.errors as object) : null,
			matches: c.matches.map(m => [(m.route as { id: string }).id, m.pathname, m.params]),
		}
	}
	const request = (path: string, method = 'GET') =>
		new Request(`http://localhost${path}`, method === 'GET' ? {} : { method, body: new URLSearchParams({ a: '1' }) })

	it('answers query and queryRoute as the whole tree’s static handler does, making one handler per branch', async () => {
		const { branchStaticHandlers } = await import('#server/route-matching.ts')
		const real = await import('@remix-run/router')
		let made = 0
		const create = (routes: unknown[], options?: { basename?: string }) => {
			made++
			return real.createStaticHandler(routes as never, options) as never
		}
		const branched = branchStaticHandlers(create, memoizeMatchRoutes(router.matchRoutes))(dataTree() as never)
		const whole = real.createStaticHandler(dataTree() as never)
		const paths = PATHS.filter(p => !p.includes('?'))
		for (const round of [1, 2]) {
			for (const path of [...paths, '/chat?index', '/chat/abc?x=1']) {
				for (const method of ['GET', 'POST']) {
					const expected = summary(await whole.query(request(path, method)))
					expect(summary(await branched.query(request(path, method))), `${method} ${path}, round ${round}`).toEqual(
						expected,
					)
				}
			}
			for (const [path, routeId] of [
				['/chat/abc', 'routes/chat.$id'],
				['/chat/abc', 'routes/chat'],
				['/api/chat/abc/stream', 'routes/api.chat.$id.stream'],
				['/login', 'routes/chat'],
			] as const) {
				const answer = async (handler: typeof whole) => {
					try {
						return await handler.queryRoute(request(path), { routeId })
					} catch (error) {
						return { thrown: error instanceof Response ? error.status : String(error) }
					}
				}
				expect(await answer(branched as never), `${path} → ${routeId}`).toEqual(await answer(whole))
			}
		}
		// The whole tree once, then one per distinct branch matched (404s use the whole tree).
		expect(made).toBeLessThanOrEqual(1 + paths.length)
		expect(branched.dataRoutes.map(r => r.id)).toEqual(['root'])
	})
})
