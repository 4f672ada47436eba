/**
 * Central route protection (docs/decisions/005-central-route-protection.md). Every Remix route requires a
 * signed-in user unless its id is on PUBLIC_ROUTES below, and every action counts against the rate-limit
 * policy its module names in `handle` (loaders only when they declare one):
 *
 *   export const handle: RouteHandle = { rateLimit: 'account' }                      // the action
 *   export const handle: RouteHandle = { rateLimit: { action: 'chat', loader: 'analysis' } }
 *   export const handle: RouteHandle = { rateLimit: ['signin_ip', 'signin'] }       // each one counts
 *
 * and every action's body is capped at FORM_BODY_MAX_BYTES unless the module declares its own
 * (`bodyLimit: uploadBodyLimit(4, 20 * MB)` for uploads; server/body-limit.ts).
 *
 * The server build's route modules are wrapped once at start-up, so declaring is enforcing: a route cannot
 * forget the check, and a new route is protected before anyone thinks about it. Routes still call
 * `requireUser` first for the typed user (the lookup is shared within a request).
 */
import type { ActionFunction, HeadersFunction, LoaderFunction, ServerBuild } from '@remix-run/node'
import type { LoadContext } from './load-context.ts'
import type { SessionUser } from './auth/index.ts'
import { declaredLength, FORM_BODY_MAX_BYTES } from './body-limit.ts'
import { RateLimitError, rateLimitHeaders, rateLimitResponse } from './limits/http.ts'
import { isPolicyName, POLICIES } from './limits/index.ts'
import type { PolicyName } from './limits/index.ts'
import { logger } from './logger.ts'
import { bodyTooLarge, readForm } from './request-input.ts'

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
	// Undoing an account deletion: the account is signed out by then; its one-time credential is the proof.
	'routes/account.restore',
	// The colour theme: a cookie that visitors may set too; it reads and changes nothing else.
	'routes/theme',
	// The model catalogue with prices, open to visitors.
	'routes/api.models',
	// Public share pages and their JSON: the unguessable slug is the capability, read as `anon` through the
	// share policies only; limited per address (`share_view`). "Make a copy" requires signing in in its action.
	'routes/s.$slug',
	'routes/api.share.$slug',
]

/** Signed webhooks: the signature is their authentication. */
export const PUBLIC_ROUTE_PATTERNS: readonly RegExp[] = [/^routes\/api\.webhooks\./]

export function isPublicRoute(routeId: string): boolean {
	return PUBLIC_ROUTES.includes(routeId) || PUBLIC_ROUTE_PATTERNS.some(p => p.test(routeId))
}

type Policies = PolicyName | readonly PolicyName[]

export type RateLimitDeclaration = Policies | { action?: Policies; loader?: Policies }

/** What a route module exports as `handle` (other keys are the route's own). */
export type RouteHandle = {
	rateLimit?: RateLimitDeclaration
	/** The largest request body the action reads, in bytes (default FORM_BODY_MAX_BYTES). */
	bodyLimit?: number
	[key: string]: unknown
}

/** Applied to an action whose route names no policy, so even a forgotten declaration is limited. */
export const FALLBACK_ACTION_POLICY: PolicyName = 'write'

export type Declared = { action: string[]; loader: string[] }

/** Policy names from one declaration: a name or a list of names. */
function names(value: unknown): string[] {
	if (typeof value === 'string') return [value]
	if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
	return []
}

/** The policy names a route module's `handle` declares (unchecked: they may not exist). */
export function declaredPolicies(handle: unknown): Declared {
	if (typeof handle !== 'object' || handle === null || !('rateLimit' in handle)) return { action: [], loader: [] }
	const rateLimit: unknown = handle.rateLimit
	if (typeof rateLimit === 'string' || Array.isArray(rateLimit)) return { action: names(rateLimit), loader: [] }
	if (typeof rateLimit === 'object' && rateLimit !== null) {
		const { action, loader } = rateLimit as { action?: unknown; loader?: unknown }
		return { action: names(action), loader: names(loader) }
	}
	return { action: [], loader: [] }
}

/** The body cap an action declares, or the default for forms and JSON. */
export function declaredBodyLimit(handle: unknown): number {
	const value = typeof handle === 'object' && handle !== null && 'bodyLimit' in handle ? handle.bodyLimit : undefined
	return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : FORM_BODY_MAX_BYTES
}

/** The largest body any action of the build reads: no request needs more read before its route is known. */
export function largestBodyLimit(build: Pick<ServerBuild, 'routes'>): number {
	return Math.max(
		FORM_BODY_MAX_BYTES,
		...Object.values(build.routes).map(route => (route.module.action ? declaredBodyLimit(route.module.handle) : 0)),
	)
}

export type ProtectionProblem = { routeId: string; problem: string }

/** Routes that break the rules: an action without a policy, or a policy name that does not exist. */
export function routeProtectionProblems(build: Pick<ServerBuild, 'routes'>): ProtectionProblem[] {
	const problems: ProtectionProblem[] = []
	for (const [routeId, route] of Object.entries(build.routes)) {
		const declared = declaredPolicies(route.module.handle)
		if (route.module.action && declared.action.length === 0) {
			problems.push({ routeId, problem: 'has an action but its handle names no rate-limit policy' })
		}
		for (const name of [...declared.action, ...declared.loader]) {
			if (!isPolicyName(name)) {
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

/**
 * The e-mail typed into the form, read by the same reader as the action (server/request-input.ts): one read
 * per request, and a repeated `email` is refused, so the address counted is the address checked.
 */
async function typedEmail(request: Request): Promise<string | null> {
	// A loader counted as a sign-in (the OAuth callback) has no body to read: it is counted per address.
	if (request.method === 'GET' || request.method === 'HEAD') return null
	return (await readForm(request)).email ?? null
}

async function enforcePolicy(
	policy: PolicyName,
	request: Request,
	context: LoadContext,
	user: SessionUser | null,
): Promise<RateLimitError | null> {
	const limits = context.services.limits
	// Sign-in is counted per address and typed e-mail, so the e-mail is read from the body before the action.
	const email = limits.policies[policy].key === 'ip+email' ? await typedEmail(request) : null
	const result = await limits.consume(policy, { ip: context.clientIp, userId: user?.id ?? null, email })
	return result.allowed ? null : new RateLimitError(result)
}

/** Fields whose value never comes back to the page, even in a refusal. */
const NEVER_ECHOED = /password|token|secret/i

/**
 * A page's form refused by a limit keeps the page: the answer is the action data a refused form already
 * renders — the message (with the time to wait) beside the form, and what was typed, passwords aside — with
 * status 429 and Retry-After. Routes read `formErrors` or `message`, `fields` and `values`.
 */
async function formRefusal(request: Request, error: RateLimitError): Promise<Response> {
	const values: Record<string, string> = {}
	try {
		for (const [name, value] of Object.entries(await readForm(request))) {
			if (typeof value === 'string' && !NEVER_ECHOED.test(name)) values[name] = value
		}
	} catch {
		// Not a form (or an unreadable one): nothing to put back.
	}
	const headers = new Headers(rateLimitHeaders(error.result))
	headers.set('Cache-Control', 'no-store')
	return Response.json(
		{
			message: error.message,
			formErrors: [error.message],
			fields: {},
			values,
			retryAfterSeconds: error.result.retryAfterSeconds,
		},
		{ status: 429, headers },
	)
}

type Handler = LoaderFunction | ActionFunction
type HandlerArgs = Parameters<LoaderFunction>[0]

/** Caps the body at the route's limit before anything reads it: a declared length past it is refused unread. */
function limitBody(request: Request, context: LoadContext, maxBytes: number): void {
	const declared = declaredLength(request.headers.get('content-length'))
	const withinCap = context.body ? context.body.lower(maxBytes) : true
	if (!withinCap || (declared !== null && declared > maxBytes)) throw bodyTooLarge(maxBytes)
}

type GuardOptions = {
	isPublic: boolean
	policies: PolicyName[]
	bodyLimit?: number
	/** A page's action: a limit's refusal comes back as action data beside the form, not as an error page. */
	formAction?: boolean
}

function guard(options: GuardOptions, fn: Handler): Handler {
	const { isPublic, policies, bodyLimit } = options
	return async (args: HandlerArgs) => {
		const context = loadContext(args.context)
		if (bodyLimit !== undefined) limitBody(args.request, context, bodyLimit)
		const auth = context.services.auth
		// Public routes only need to know the user for a per-user policy; the rest refuse the anonymous here.
		const user = isPublic
			? policies.length > 0
				? await auth.getUser(args.request)
				: null
			: await auth.requireUser(args.request)
		for (const policy of policies) {
			const refused = await enforcePolicy(policy, args.request, context, user)
			if (!refused) continue
			const isApi = new URL(args.request.url).pathname.startsWith('/api/')
			if (options.formAction && !isApi) return await formRefusal(args.request, refused)
			// JSON for API clients; a page's loader refused this way renders `error.message` in its error boundary.
			throw rateLimitResponse(refused, { json: true, requestId: context.requestId })
		}
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
 * `headers`. Every route gets the rate-limit headers (and `Retry-After`) of its loader, action or thrown
 * response on top of its own headers (Remix's default: the parent's), so a page's 429 or 503 carries
 * `Retry-After` too, whichever route's own `headers` function runs.
 */
function passRateLimitHeaders(own: HeadersFunction | undefined): HeadersFunction {
	return args => {
		const { parentHeaders, loaderHeaders, actionHeaders, errorHeaders } = args
		const headers = new Headers(own ? own(args) : parentHeaders)
		for (const source of [loaderHeaders, actionHeaders, errorHeaders]) {
			if (!source) continue
			for (const name of RATE_LIMIT_HEADERS) {
				const value = source.get(name)
				if (value && !headers.has(name)) headers.set(name, value)
			}
		}
		if (headers.has('retry-after')) headers.set('Cache-Control', 'no-store')
		return headers
	}
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
		const known = (list: string[]) => list.filter(isPolicyName)

		if (module.loader) {
			module.loader = guard({ isPublic, policies: known(declared.loader) }, module.loader)
		} else if (!isPublic) {
			// A protected page without data still refuses the anonymous; a resource route without a loader is 405.
			module.loader = guard({ isPublic, policies: [] }, isPage ? () => null : methodNotAllowed)
		}
		if (module.action) {
			const policies = known(declared.action)
			module.action = guard(
				{
					isPublic,
					policies: policies.length > 0 ? policies : [FALLBACK_ACTION_POLICY],
					bodyLimit: declaredBodyLimit(module.handle),
					formAction: isPage,
				},
				module.action,
			)
		} else if (!isPublic) {
			// An anonymous POST is refused like a GET, not told whether the address exists.
			module.action = guard({ isPublic, policies: [] }, methodNotAllowed)
		}
		const own = module.headers
		module.headers = passRateLimitHeaders(typeof own === 'function' ? own : own ? () => own : undefined)
		routes[routeId] = { ...route, module }
	}
	return { ...build, routes }
}
