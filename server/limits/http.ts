/**
 * What routes use: `enforce` a policy, turn a refusal into a 429 with `Retry-After` and the IETF RateLimit
 * headers (draft-ietf-httpapi-ratelimit-headers), and tell a person how long to wait.
 */
import type { Limits, LimitResult, PolicyName, Subject } from './index.ts'

/** Thrown by `enforce` when a policy refuses; the app's error handling turns it into a 429. */
export class RateLimitError extends Error {
	readonly status = 429
	constructor(readonly result: LimitResult) {
		super(rateLimitMessage(result))
		this.name = 'RateLimitError'
	}
}

export function isRateLimitError(error: unknown): error is RateLimitError {
	return error instanceof RateLimitError
}

/** Counts one use of `policy` (or `points` of them) and throws a `RateLimitError` when refused. */
export async function enforce(
	limits: Pick<Limits, 'consume'>,
	policy: PolicyName,
	subject: Subject,
	points = 1,
): Promise<LimitResult> {
	const result = await limits.consume(policy, subject, points)
	if (!result.allowed) throw new RateLimitError(result)
	return result
}

export function rateLimitHeaders(result: LimitResult): Record<string, string> {
	const headers: Record<string, string> = {
		'RateLimit-Limit': String(result.limit),
		'RateLimit-Remaining': String(result.remaining),
		'RateLimit-Reset': String(result.resetSeconds),
		'RateLimit-Policy': `${result.limit};w=${result.windowSeconds}`,
	}
	if (!result.allowed) headers['Retry-After'] = String(result.retryAfterSeconds)
	return headers
}

/** The wait in words for pages: "14 seconds", "about 3 minutes", "about 1 hour". */
export function describeWait(seconds: number): string {
	const s = Math.ceil(Number.isFinite(seconds) ? seconds : 0)
	if (s <= 0) return 'a moment'
	if (s < 60) return plural(s, 'second')
	// Round to the nearest unit, moving up a unit when rounding reaches it ("about 1 hour", not "60 minutes").
	const minutes = Math.round(s / 60)
	if (minutes < 60) return `about ${plural(minutes, 'minute')}`
	const hours = Math.round(s / 3600)
	if (hours < 24) return `about ${plural(hours, 'hour')}`
	return `about ${plural(Math.round(s / 86_400), 'day')}`
}

function plural(n: number, unit: string): string {
	return `${n} ${unit}${n === 1 ? '' : 's'}`
}

const WHAT: Partial<Record<PolicyName, string>> = {
	signin: 'Too many sign-in attempts',
	signin_ip: 'Too many sign-in attempts from your network',
	signup: 'Too many accounts created from this network',
	signup_attempt: 'Too many sign-up attempts from this network',
	chat: 'Too many chat messages',
	generation: 'Too many generations started',
	upload: 'Too many uploads',
	transcription: 'Too many transcriptions',
	publish: 'Too many items published',
	api_token: 'Too many API tokens created',
	account: 'Too many account changes',
}

/** One sentence a person can act on: what was refused and when to try again. */
export function rateLimitMessage(result: LimitResult): string {
	const what = WHAT[result.policy] ?? 'Too many requests'
	return `${what}. Please try again in ${describeWait(result.retryAfterSeconds)}.`
}

/**
 * The 429 for a refusal: JSON `{ error: { code: 'rate_limited', message, requestId } }` for API callers,
 * plain text otherwise (pages usually render the message themselves instead).
 */
export function rateLimitResponse(error: RateLimitError, options: { json: boolean; requestId: string }): Response {
	const headers = new Headers(rateLimitHeaders(error.result))
	// A refusal is about this caller at this moment: no cache may keep it.
	headers.set('Cache-Control', 'no-store')
	if (options.json) {
		headers.set('Content-Type', 'application/json; charset=utf-8')
		const body = { error: { code: 'rate_limited', message: error.message, requestId: options.requestId } }
		return new Response(JSON.stringify(body), { status: 429, headers })
	}
	headers.set('Content-Type', 'text/plain; charset=utf-8')
	return new Response(`${error.message}\n\nRequest id: ${options.requestId}\n`, { status: 429, headers })
}
