/**
 * The wrapper of server/route-protection.ts on a made-up build, with the real auth service (a test database)
 * and real limits: a route that forgets to ask for a user is still protected, a declared policy is counted
 * before the handler runs, an undeclared action falls back to `write`, and a misspelt policy stops start-up.
 */
import type { ServerBuild } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LoadContext } from '#server/load-context.ts'
import { createAuth, type Auth } from '#server/auth/index.ts'
import { createJobs, type Jobs } from '#server/jobs/index.ts'
import { createLimits, type Limits } from '#server/limits/index.ts'
import { protectRoutes, routeProtectionProblems } from '#server/route-protection.ts'
import { testDrivers } from '#tests/support/database.ts'
import { useTestDb } from '#tests/support/suite-services.ts'
import { signUpThrough } from '#tests/support/auth-service.ts'

const BASE = 'http://studio.test'

type Module = ServerBuild['routes'][string]['module']

function fakeBuild(routes: Record<string, { path: string; module: Partial<Module> }>): ServerBuild {
	const entries = Object.entries(routes).map(([id, r]) => [
		id,
		{ id, path: r.path, parentId: 'root', module: r.module as Module },
	])
	return {
		routes: {
			root: { id: 'root', path: '', module: { default: () => null } as Module },
			...Object.fromEntries(entries),
		},
	} as unknown as ServerBuild
}

describe.each(testDrivers())('route protection on %s', driver => {
	const t = useTestDb(driver)
	let auth: Auth
	let limits: Limits
	let jobs: Jobs
	let cookie: string
	const calls: string[] = []

	const context = (ip = '198.51.100.7') =>
		({ services: { auth, limits }, clientIp: ip, requestId: 'req-1', cspNonce: '' }) as unknown as LoadContext

	beforeAll(async () => {
		limits = await createLimits({ redisUrl: null, overrides: { publish: { points: 2, durationSeconds: 60 } } })
		jobs = await createJobs(t.db)
		await jobs.start()
		auth = await createAuth({ config: t.config, db: t.db, jobs, limits })
		;({ cookie } = await signUpThrough(auth, { name: 'Guarded', email: 'guarded@example.test', ip: '198.51.100.7' }))
	})
	afterAll(async () => {
		await jobs?.stop()
		await limits?.close()
	})

	const build = fakeBuild({
		// Forgets requireUser entirely: the wrapper still refuses the anonymous.
		'routes/careless': {
			path: 'careless',
			module: {
				default: () => null,
				loader: () => {
					calls.push('careless loader')
					return { secret: 42 }
				},
			},
		},
		'routes/api.careless': {
			path: 'api/careless',
			module: {
				loader: () => {
					calls.push('api loader')
					return new Response('{}')
				},
			},
		},
		'routes/static-page': { path: 'static-page', module: { default: () => null } },
		'routes/api.models': { path: 'api/models', module: { loader: () => 'catalogue' } },
		'routes/publish': {
			path: 'publish',
			module: {
				default: () => null,
				handle: { rateLimit: 'publish' },
				action: () => {
					calls.push('publish action')
					return null
				},
			},
		},
		'routes/api.publish': {
			path: 'api/publish',
			module: { handle: { rateLimit: 'publish' }, action: () => new Response('{}') },
		},
		'routes/undeclared': { path: 'undeclared', module: { default: () => null, action: () => 'done' } },
		'routes/login': {
			path: 'login',
			module: { default: () => null, handle: { rateLimit: 'signin' }, action: () => 'checked' },
		},
	})
	const routes = protectRoutes(build).routes
	const run = async (id: string, kind: 'loader' | 'action', request: Request, ctx = context()) => {
		const fn = routes[id]?.module[kind]
		if (!fn) throw new Error(`${id} has no ${kind}`)
		try {
			return await fn({ request, params: {}, context: ctx })
		} catch (thrown) {
			return thrown
		}
	}
	const signedIn = (path: string, init: RequestInit = {}) =>
		new Request(`${BASE}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), Cookie: cookie } })

	it('refuses the anonymous on a route that never asks for a user, and lets the signed-in through', async () => {
		const refused = await run('routes/careless', 'loader', new Request(`${BASE}/careless?tab=2`))
		expect(refused).toBeInstanceOf(Response)
		expect((refused as Response).status).toBe(302)
		expect((refused as Response).headers.get('location')).toBe('/login?redirectTo=%2Fcareless%3Ftab%3D2')
		expect(calls).not.toContain('careless loader')

		expect(await run('routes/careless', 'loader', signedIn('/careless'))).toEqual({ secret: 42 })
		expect(calls).toContain('careless loader')
	})

	it('answers 401 JSON on /api/ paths', async () => {
		const refused = (await run('routes/api.careless', 'loader', new Request(`${BASE}/api/careless`))) as Response
		expect(refused.status).toBe(401)
		expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } })
		expect(calls).not.toContain('api loader')
	})

	it('gives a page without a loader one that refuses the anonymous, and answers POSTs without an action with 405', async () => {
		const refused = (await run('routes/static-page', 'loader', new Request(`${BASE}/static-page`))) as Response
		expect(refused.status).toBe(302)
		expect(await run('routes/static-page', 'loader', signedIn('/static-page'))).toBeNull()
		const post = new Request(`${BASE}/careless`, { method: 'POST' })
		expect(((await run('routes/careless', 'action', post)) as Response).status).toBe(302)
		const signedPost = signedIn('/careless', { method: 'POST' })
		expect(((await run('routes/careless', 'action', signedPost)) as Response).status).toBe(405)
	})

	it('leaves public routes open', async () => {
		expect(await run('routes/api.models', 'loader', new Request(`${BASE}/api/models`))).toBe('catalogue')
		expect(routes['routes/api.models']?.module.action).toBeUndefined()
	})

	it('counts the declared policy before the action runs; a refused page form keeps what was typed', async () => {
		calls.length = 0
		const post = () =>
			signedIn('/publish', {
				method: 'POST',
				body: new URLSearchParams({ title: 'My poster', password: 'hunter2' }),
			})
		expect(await run('routes/publish', 'action', post())).toBeNull()
		expect(await run('routes/publish', 'action', post())).toBeNull()
		// Returned, not thrown: the page renders it as its action data, beside the form, instead of an error page.
		const refused = (await run('routes/publish', 'action', post())) as Response
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
		expect(refused.headers.get('ratelimit-limit')).toBe('2')
		const body = (await refused.json()) as { formErrors: string[]; message: string; values: Record<string, string> }
		expect(body.formErrors).toEqual([
			expect.stringMatching(/^Too many items published\. Please try again in (about )?\d+ (second|minute)s?\.$/),
		])
		expect(body.message).toBe(body.formErrors[0])
		expect(body.values).toEqual({ title: 'My poster' })
		expect(calls.filter(c => c === 'publish action')).toHaveLength(2)
		// An API caller gets the JSON error, thrown.
		const api = (await run('routes/api.publish', 'action', signedIn('/api/publish', { method: 'POST' }))) as Response
		expect(api.status).toBe(429)
		expect(await api.json()).toMatchObject({ error: { code: 'rate_limited', requestId: 'req-1' } })

		const headers = routes['routes/publish']?.module.headers
		if (typeof headers !== 'function') throw new Error('no headers function')
		const out = new Headers(
			headers({
				loaderHeaders: new Headers(),
				actionHeaders: new Headers(),
				parentHeaders: new Headers({ 'X-Parent': '1' }),
				errorHeaders: api.headers,
			}),
		)
		expect(out.get('retry-after')).toBe(refused.headers.get('retry-after'))
		expect(out.get('x-parent')).toBe('1')
	})

	it('limits an action that declares nothing with the fallback policy, and reports it', () => {
		expect(routeProtectionProblems(build)).toEqual([
			{ routeId: 'routes/undeclared', problem: 'has an action but its handle names no rate-limit policy' },
		])
	})

	it('counts sign-in attempts per address and typed e-mail, read from the form', async () => {
		const attempt = (email: string, ip: string) =>
			run(
				'routes/login',
				'action',
				new Request(`${BASE}/login`, { method: 'POST', body: new URLSearchParams({ email, password: 'x' }) }),
				context(ip),
			)
		for (let i = 0; i < 10; i++) expect(await attempt('victim@example.test', '203.0.113.9')).toBe('checked')
		expect(((await attempt('VICTIM@example.test ', '203.0.113.9')) as Response).status).toBe(429)
		// Another address, or another e-mail, is another bucket.
		expect(await attempt('victim@example.test', '203.0.113.10')).toBe('checked')
		expect(await attempt('other@example.test', '203.0.113.9')).toBe('checked')
	})

	it('stops start-up on a policy name that does not exist', () => {
		const broken = fakeBuild({
			'routes/typo': {
				path: 'typo',
				module: { default: () => null, handle: { rateLimit: 'generations' }, action: () => null },
			},
		})
		expect(() => protectRoutes(broken)).toThrow(/"generations", which does not exist/)
	})

	it("keeps a thrown response's Retry-After on a page whose route has headers of its own (the root's)", () => {
		const build = protectRoutes({
			routes: {
				root: {
					id: 'root',
					path: '',
					module: {
						default: () => null,
						headers: ({ loaderHeaders }: { loaderHeaders: Headers }) => ({
							'Cache-Control': loaderHeaders.get('Cache-Control') ?? 'private',
						}),
					} as unknown as Module,
				},
			},
		} as unknown as ServerBuild)
		const headers = build.routes.root?.module.headers
		if (typeof headers !== 'function') throw new Error('the root has no headers function')
		const empty = new Headers()
		const thrown = new Headers({ 'Retry-After': '5', 'Cache-Control': 'no-store' })
		const answer = new Headers(
			headers({ parentHeaders: empty, loaderHeaders: empty, actionHeaders: empty, errorHeaders: thrown }),
		)
		expect(answer.get('retry-after')).toBe('5')
		expect(answer.get('cache-control')).toBe('no-store')
		// Without a refusal, the route's own headers stand.
		const plain = new Headers(
			headers({ parentHeaders: empty, loaderHeaders: empty, actionHeaders: empty, errorHeaders: undefined }),
		)
		expect(plain.get('cache-control')).toBe('private')
		expect(plain.has('retry-after')).toBe(false)
	})
})
