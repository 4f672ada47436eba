/**
 * Central route protection (docs/decisions/005-central-route-protection.md). Every Remix route requires a
 * signed-in user unless its id is on PUBLIC_ROUTES below, and every action counts against the rate-limit
 * policy its module names in `handle` (loaders only when they declare one):
 *
 *   export const handle: RouteHandle = { rateLimit: 'account' }                      // the action
 *   export const handle: RouteHandle = { rateLimit: { action: 'chat', loader: 'analysis' } }
 *
 * The server build's route modules are wrapped once at start-up, so declaring is enforcing: a route cannot
 * forget the check, and a new route is protected before anyone thinks about it. Routes still call
 * `requireUser` first for the typed user (the lookup is shared within a request).
 */
import type { ActionFunction, HeadersFunction, LoaderFunction, ServerBuild } from '@remix-run/node'
import type { LoadContext } from './load-context.ts'
import type { SessionUser } from './auth/index.ts'
import { RateLimitError, rateLimitResponse } from './limits/http.ts'
import { isPolicyName, POLICIES } from './limits/index.ts'
import type { PolicyName } from './limits/index.ts'
import { logger } from './logger.ts'

/**
 * The only routes anyone may reach without signing in. Adding a line here is a security decision: say why.
 */
export const PUBLIC_ROUTES: readonly string[] = [
	// The layout every page renders in; its loader only reports who is signed in.
	'root',
	// The landing page and the 404 page.
	'routes/_index',
	'routes/$',
	// Signing in, up and out, and the provider redirects and callbacks.
	'routes/login',
	'routes/signup',
	'routes/logout',
	'routes/auth.$provider',
	'routes/auth.$provider_.callback',
	// The colour theme: a cookie that visitors may set too; it reads and changes nothing else.
	'routes/theme',
	// The model catalogue with prices, open to visitors.
	'routes/api.models',
]

/** Signed webhooks: the signature is their authentication. */
export const PUBLIC_ROUTE_PATTERNS: readonly RegExp[] = [/^routes\/api\.webhooks\./]

export function isPublicRoute(routeId: string): boolean {
	return PUBLIC_ROUTES.includes(routeId) || PUBLIC_ROUTE_PATTERNS.some(p => p.test(routeId))
}

export type RateLimitDeclaration = PolicyName | { action?: PolicyName; loader?: PolicyName }

/** What a route module exports as `handle` (other keys are the route's own). */
export type RouteHandle = { rateLimit?: RateLimitDeclaration; [key: string]: unknown }

/** Applied to an action whose route names no policy, so even a forgotten declaration is limited. */
export const FALLBACK_ACTION_POLICY: PolicyName = 'write'

type Declared = { action: string | null; loader: string | null }

function declaredPolicies(handle: unknown): Declared {
	if (typeof handle !== 'object' || handle === null || !('rateLimit' in handle)) return { action: null, loader: null }
	const rateLimit: unknown = handle.rateLimit
	if (typeof rateLimit === 'string') return { action: rateLimit, loader: null }
	if (typeof rateLimit === 'object' && rateLimit !== null) {
		const { action, loader } = rateLimit as { action?: unknown; loader?: unknown }
		return { action: typeof action === 'string' ? action : null, loader: typeof loader === 'string' ? loader : null }
	}
	return { action: null, loader: null }
}

export type ProtectionProblem = { routeId: string; problem: string }

/** Routes that break the rules: an action without a policy, or a policy name that does not exist. */
export function routeProtectionProblems(build: Pick<ServerBuild, 'routes'>): ProtectionProblem[] {
	const problems: ProtectionProblem[] = []
	for (const [routeId, route] of Object.entries(build.routes)) {
		const declared = declaredPolicies(route.module.handle)
		if (route.module.action && !declared.action) {
			problems.push({ routeId, problem: 'has an action but its handle names no rate-limit policy' })
		}
		for (const name of [declared.action, declared.loader]) {
			if (name !== null && !isPolicyName(name)) {
				problems.push({
					routeId,
					problem: `names rate-limit policy "${name}", which does not exist (known: ${Object.keys(POLICIES).join(', ')})`,
				})
			}
		}
	}
	return problems
}

function loadContext(value: unknown): LoadContext {
	if (typeof value !== 'object' || value === null || !('services' in value) || !('clientIp' in value)) {
		throw new Error('Route protection needs the load context from server/app.ts (services, clientIp)')
	}
	return value as LoadContext
}

async function typedEmail(request: Request): Promise<string | null> {
	try {
		const type = request.headers.get('content-type') ?? ''
		if (type.includes('application/json')) {
			const body: unknown = await request.clone().json()
			const email = typeof body === 'object' && body !== null && 'email' in body ? body.email : null
			return typeof email === 'string' ? email : null
		}
		const email = (await request.clone().formData()).get('email')
		return typeof email === 'string' ? email : null
	} catch {
		return null
	}
}

async function enforcePolicy(
	policy: PolicyName,
	request: Request,
	context: LoadContext,
	user: SessionUser | null,
): Promise<void> {
	const limits = context.services.limits
	// Sign-in is counted per address and typed e-mail, so the e-mail is read from the body before the action.
	const email = limits.policies[policy].key === 'ip+email' ? await typedEmail(request) : null
	const result = await limits.consume(policy, { ip: context.clientIp, userId: user?.id ?? null, email })
	if (!result.allowed) {
		// JSON for both: API clients read it, and pages render `error.message` in their error boundary.
		throw rateLimitResponse(new RateLimitError(result), { json: true, requestId: context.requestId })
	}
}

type Handler = LoaderFunction | ActionFunction
type HandlerArgs = Parameters<LoaderFunction>[0]

function guard(options: { isPublic: boolean; policy: PolicyName | null }, fn: Handler): Handler {
	const { isPublic, policy } = options
	return async (args: HandlerArgs) => {
		const context = loadContext(args.context)
		const auth = context.services.auth
		// Public routes only need to know the user for a per-user policy; the rest refuse the anonymous here.
		const user = isPublic ? (policy ? await auth.getUser(args.request) : null) : await auth.requireUser(args.request)
		if (policy) await enforcePolicy(policy, args.request, context, user)
		return fn(args)
	}
}

const methodNotAllowed: Handler = () => {
	throw new Response('Method Not Allowed', { status: 405, headers: { Allow: 'GET, HEAD' } })
}

const RATE_LIMIT_HEADERS = [
	'retry-after',
	'ratelimit-limit',
	'ratelimit-remaining',
	'ratelimit-reset',
	'ratelimit-policy',
]

/**
 * Remix keeps only cookies from a thrown Response when it renders a page, unless the route exports
 * `headers`. Routes without one get this: the parent's headers (Remix's default) plus the rate-limit headers,
 * so a page's 429 carries `Retry-After` too.
 */
const passRateLimitHeaders: HeadersFunction = ({ parentHeaders, loaderHeaders, actionHeaders, errorHeaders }) => {
	const headers = new Headers(parentHeaders)
	for (const source of [loaderHeaders, actionHeaders, errorHeaders]) {
		if (!source) continue
		for (const name of RATE_LIMIT_HEADERS) {
			const value = source.get(name)
			if (value) headers.set(name, value)
		}
	}
	if (headers.has('retry-after')) headers.set('Cache-Control', 'no-store')
	return headers
}

/** Wraps every route module of the server build (see the file comment). Call once, at start-up. */
export function protectRoutes(build: ServerBuild): ServerBuild {
	for (const { routeId, problem } of routeProtectionProblems(build)) {
		if (problem.includes('does not exist')) throw new Error(`Route ${routeId} ${problem}`)
		logger.error(`route ${routeId} ${problem}; applying "${FALLBACK_ACTION_POLICY}" until it names one`)
	}
	const routes: ServerBuild['routes'] = {}
	for (const [routeId, route] of Object.entries(build.routes)) {
		const module = { ...route.module }
		const isPublic = isPublicRoute(routeId)
		const declared = declaredPolicies(module.handle)
		const isPage = module.default !== undefined
		const policyOf = (name: string | null) => (name !== null && isPolicyName(name) ? name : null)

		if (module.loader) {
			module.loader = guard({ isPublic, policy: policyOf(declared.loader) }, module.loader)
		} else if (!isPublic) {
			// A protected page without data still refuses the anonymous; a resource route without a loader is 405.
			module.loader = guard({ isPublic, policy: null }, isPage ? () => null : methodNotAllowed)
		}
		if (module.action) {
			module.action = guard({ isPublic, policy: policyOf(declared.action) ?? FALLBACK_ACTION_POLICY }, module.action)
		} else if (!isPublic) {
			// An anonymous POST is refused like a GET, not told whether the address exists.
			module.action = guard({ isPublic, policy: null }, methodNotAllowed)
		}
		if (module.headers == null) module.headers = passRateLimitHeaders
		routes[routeId] = { ...route, module }
	}
	return { ...build, routes }
}
