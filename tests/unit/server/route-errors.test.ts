import type { ServerBuild } from '@remix-run/node'
import { describe, expect, test } from 'vitest'
import { DatabaseUnavailableError } from '#server/db/index.ts'
import { handleRouteErrors } from '#server/route-errors.ts'

type Loader = (args: { request: Request; params: object; context: unknown }) => Promise<unknown>

function buildWith(modules: Record<string, Record<string, unknown>>): ServerBuild {
	const routes = Object.fromEntries(
		Object.entries(modules).map(([id, module]) => [id, { id, path: id, module }]),
	) as unknown as ServerBuild['routes']
	return { routes } as ServerBuild
}

async function call(build: ServerBuild, id: string, kind: 'loader' | 'action' = 'loader') {
	const fn = build.routes[id]?.module[kind] as Loader
	try {
		return { returned: await fn({ request: new Request('http://x/'), params: {}, context: { requestId: 'req-1' } }) }
	} catch (thrown) {
		return { thrown }
	}
}

describe('route failures become answers', () => {
	const wrapped = handleRouteErrors(
		buildWith({
			'routes/api.thing': {
				loader: () => Promise.reject(new Error('secret internals at db.ts:12')),
				action: () => Promise.reject(new DatabaseUnavailableError()),
			},
			'routes/page': {
				default: () => null,
				loader: () => Promise.reject(new DatabaseUnavailableError()),
				action: () => Promise.reject(new TypeError('a bug')),
			},
			'routes/ok': { loader: () => Promise.resolve({ fine: true }) },
			'routes/refused': { loader: () => Promise.reject(new Response('nope', { status: 404 })) },
		}),
	)

	test('an API route that throws answers 500 in the JSON error shape, without internals', async () => {
		const { thrown } = await call(wrapped, 'routes/api.thing')
		expect(thrown).toBeInstanceOf(Response)
		const response = thrown as Response
		expect(response.status).toBe(500)
		expect(response.headers.get('content-type')).toMatch(/application\/json/)
		const body = await response.text()
		expect(JSON.parse(body)).toEqual({
			error: { code: 'internal', message: 'Something went wrong on our side.', requestId: 'req-1' },
		})
		expect(body).not.toContain('secret')
	})

	test('a lost database answers 503 with Retry-After, on APIs and pages alike', async () => {
		for (const [id, kind] of [
			['routes/api.thing', 'action'],
			['routes/page', 'loader'],
		] as const) {
			const { thrown } = await call(wrapped, id, kind)
			const response = thrown as Response
			expect(response.status).toBe(503)
			expect(response.headers.get('retry-after')).toBe('5')
			expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unavailable')
		}
	})

	test("a page's other errors, thrown responses and results pass through unchanged", async () => {
		expect((await call(wrapped, 'routes/page', 'action')).thrown).toBeInstanceOf(TypeError)
		expect(((await call(wrapped, 'routes/refused')).thrown as Response).status).toBe(404)
		expect((await call(wrapped, 'routes/ok')).returned).toEqual({ fine: true })
	})
})
