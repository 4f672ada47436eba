/**
 * The guarantee behind docs/decisions/005: every route of the built app that is not on the public list refuses
 * an anonymous GET and POST (401 JSON on /api/, a redirect to /login elsewhere), proven against the running
 * built server; and every route with an action names a rate-limit policy that exists. The routes come from the
 * build itself, so a route added tomorrow is checked tomorrow without anyone editing this file.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import type { ServerBuild } from '@remix-run/node'
import { describe, expect, it } from 'vitest'
import { isPolicyName } from '#server/limits/index.ts'
import {
	declaredPolicies,
	isPublicRoute,
	PUBLIC_ROUTES,
	routeProtectionProblems,
	type Declared,
} from '#server/route-protection.ts'
import { useTestServer } from '#tests/support/suite-services.ts'

const require = createRequire(import.meta.url)
const build = require(path.resolve('build/remix/index.js')) as ServerBuild

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000'

type RouteCase = { id: string; url: string; postUrl: string; api: boolean; hasAction: boolean }

/** The address of a route, parameters filled with a sample id (an index route is POSTed with `?index`). */
function routeCase(id: string): RouteCase {
	const segments: string[] = []
	for (let route = build.routes[id]; route; route = route.parentId ? build.routes[route.parentId] : undefined) {
		if (route.path) segments.unshift(route.path)
	}
	const pathname =
		`/${segments.join('/')}`
			.replace(/:[^/]+/g, SAMPLE_ID)
			.replace(/\*$/, 'anything')
			.replace(/\/+$/, '') || '/'
	const route = build.routes[id]
	return {
		id,
		url: pathname,
		postUrl: route?.index ? `${pathname}?index` : pathname,
		api: pathname.startsWith('/api/'),
		hasAction: Boolean(route?.module.action),
	}
}

const protectedRoutes = Object.keys(build.routes)
	.filter(id => !isPublicRoute(id))
	.sort()
	.map(routeCase)

/** The policies a route of the build declares (the same reading the protection applies). */
function declared(id: string): Declared {
	return declaredPolicies(build.routes[id]?.module.handle)
}

describe('the route manifest', () => {
	it('has protected routes to check, and a public list that names routes, not paths', () => {
		expect(protectedRoutes.length).toBeGreaterThan(5)
		for (const id of PUBLIC_ROUTES) expect(id === 'root' || id.startsWith('routes/')).toBe(true)
		// A stale entry would open whatever route later takes its name.
		expect(
			PUBLIC_ROUTES.filter(id => !build.routes[id]),
			'public routes that do not exist',
		).toEqual([])
	})

	it('names an existing rate-limit policy on every route with an action', () => {
		const withAction = Object.keys(build.routes).filter(id => build.routes[id]?.module.action)
		expect(withAction.length).toBeGreaterThan(0)
		const missing = withAction.filter(id => declared(id).action.length === 0)
		expect(missing, 'routes with an action but no `handle.rateLimit` action policy').toEqual([])
		const unknown = Object.keys(build.routes).flatMap(id =>
			[...declared(id).action, ...declared(id).loader].filter(p => !isPolicyName(p)).map(p => `${id}: ${p}`),
		)
		expect(unknown, 'policies that do not exist in server/limits/policies.ts').toEqual([])
		expect(routeProtectionProblems(build)).toEqual([])
	})
})

describe('anonymous requests to every protected route of the running server', () => {
	const t = useTestServer()

	async function expectRefused(route: RouteCase, response: Response) {
		if (route.api) {
			expect(response.status, `${route.id} ${response.url}`).toBe(401)
			const body = (await response.json()) as { error?: { code?: string; requestId?: string } }
			expect(body.error?.code).toBe('unauthorized')
			expect(body.error?.requestId).toBe(response.headers.get('x-request-id'))
		} else {
			expect(response.status, `${route.id} ${response.url}`).toBe(302)
			const target = response.headers.get('location') ?? ''
			expect(target, route.id).toMatch(/^\/login(\?redirectTo=|$)/)
			await response.body?.cancel()
		}
	}

	it.each(protectedRoutes)('$id refuses an anonymous GET ($url)', async route => {
		const response = await fetch(`${t.server.url}${route.url}`, { redirect: 'manual' })
		await expectRefused(route, response)
	})

	it.each(protectedRoutes)('$id refuses an anonymous POST ($postUrl)', async route => {
		const response = await fetch(`${t.server.url}${route.postUrl}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { Origin: t.server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'intent=anything',
		})
		await expectRefused(route, response)
	})

	it.each(protectedRoutes.filter(r => r.api))('$id refuses a made-up bearer token', async route => {
		const response = await fetch(`${t.server.url}${route.url}`, {
			redirect: 'manual',
			headers: { Authorization: `Bearer gs_${'x'.repeat(43)}` },
		})
		await expectRefused(route, response)
	})
})
