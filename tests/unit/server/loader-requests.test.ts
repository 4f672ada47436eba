import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
	actionWithoutCopies,
	hasRemixParams,
	installLoaderRequests,
	loaderWithoutCopies,
	type CallRouteAction,
	type CallRouteLoader,
} from '#server/loader-requests.ts'

const require = createRequire(import.meta.url)
type DataModule = { callRouteLoader: CallRouteLoader; callRouteAction: CallRouteAction }
const data = require('@remix-run/server-runtime/dist/data.js') as DataModule
// Remix's own functions, kept before anything replaces them.
const remixLoader = data.callRouteLoader.bind(data)
const remixAction = data.callRouteAction.bind(data)

type Seen = { request: Request | null }
function recordingLoader(seen: Seen, answer: unknown = { ok: true }) {
	return ({ request }: { request: Request }) => {
		seen.request = request
		return answer
	}
}
function argsFor(request: Request, loader: (args: { request: Request }) => unknown) {
	return { request, params: { id: '7' }, loadContext: { services: 1 }, loader, routeId: 'routes/x', singleFetch: true }
}

describe('hasRemixParams', () => {
	it('tells an address with index or _routes from one without', () => {
		expect(hasRemixParams('http://a.test/chat/1')).toBe(false)
		expect(hasRemixParams('http://a.test/chat/1?q=index&x=_routes')).toBe(false)
		expect(hasRemixParams('http://a.test/chat?index')).toBe(true)
		expect(hasRemixParams('http://a.test/chat?q=1&index=')).toBe(true)
		expect(hasRemixParams('http://a.test/chat.data?_routes=routes%2Fchat')).toBe(true)
	})
})

describe('loaderWithoutCopies', () => {
	it('passes the request itself, and what a loader sees matches Remix’s copy', async () => {
		const request = new Request('http://a.test/chat/1?q=a%20b&page=2', { headers: { cookie: 'c=1' } })
		const ours: Seen = { request: null }
		const theirs: Seen = { request: null }
		const answer = await loaderWithoutCopies(remixLoader)(argsFor(request, recordingLoader(ours)))
		const remixAnswer = await remixLoader(argsFor(request, recordingLoader(theirs)))
		expect(ours.request).toBe(request)
		expect(answer).toEqual(remixAnswer)
		const a = ours.request as Request
		const b = theirs.request as Request
		expect(a.method).toBe(b.method)
		expect([...a.headers]).toEqual([...b.headers])
		expect([...new URL(a.url).searchParams]).toEqual([...new URL(b.url).searchParams])
		expect(new URL(a.url).pathname).toBe(new URL(b.url).pathname)
	})

	it('leaves an address with Remix’s parameters to Remix', async () => {
		const request = new Request('http://a.test/chat?index&q=1')
		const seen: Seen = { request: null }
		await loaderWithoutCopies(remixLoader)(argsFor(request, recordingLoader(seen)))
		expect(seen.request).not.toBe(request)
		expect(seen.request?.url).toBe('http://a.test/chat?q=1')
	})

	it('refuses a loader that returns nothing, as Remix does', async () => {
		const request = new Request('http://a.test/chat/1')
		const call = loaderWithoutCopies(remixLoader)(argsFor(request, () => undefined))
		await expect(call).rejects.toThrow(/routes\/x.*didn't return anything/)
		await expect(remixLoader(argsFor(request, () => undefined))).rejects.toThrow(/routes\/x.*didn't return anything/)
	})

	it('passes through the original without single fetch', async () => {
		let called = 0
		const original: CallRouteLoader = async () => {
			called++
			return 'remix'
		}
		const request = new Request('http://a.test/chat/1')
		const answer = await loaderWithoutCopies(original)({ ...argsFor(request, () => 'mine'), singleFetch: false })
		expect(answer).toBe('remix')
		expect(called).toBe(1)
	})
})

describe('actionWithoutCopies', () => {
	it('passes a POST itself, body unread', async () => {
		const request = new Request('http://a.test/chat/1', { method: 'POST', body: 'content=hi' })
		let body = ''
		const action = async ({ request: received }: { request: Request }) => {
			expect(received).toBe(request)
			body = await received.text()
			return { ok: true }
		}
		const answer = await actionWithoutCopies(remixAction)({
			request,
			params: {},
			loadContext: {},
			action,
			routeId: 'routes/x',
			singleFetch: true,
		})
		expect(answer).toEqual({ ok: true })
		expect(body).toBe('content=hi')
	})
})

describe('installLoaderRequests', () => {
	it('reaches the loaders of the data routes Remix builds', async () => {
		installLoaderRequests()
		const routes = require('@remix-run/server-runtime/dist/routes.js') as {
			createStaticHandlerDataRoutes(
				manifest: Record<string, unknown>,
				future: Record<string, boolean>,
			): { loader?: (args: { request: Request; params: object; context: unknown }) => Promise<unknown> }[]
		}
		const seen: Seen = { request: null }
		const manifest = {
			root: { id: 'root', path: '', module: { loader: recordingLoader(seen) } },
		}
		const [root] = routes.createStaticHandlerDataRoutes(manifest, { v3_singleFetch: true })
		const request = new Request('http://a.test/')
		await root?.loader?.({ request, params: {}, context: {} })
		expect(seen.request).toBe(request)
	})
})
