import { afterEach, describe, expect, it } from 'vitest'
import {
	RateLimitError,
	describeWait,
	enforce,
	isRateLimitError,
	rateLimitHeaders,
	rateLimitMessage,
	rateLimitResponse,
} from '#server/limits/http.ts'
import { createLimits, type LimitResult, type Limits } from '#server/limits/index.ts'

const refused: LimitResult = {
	policy: 'chat',
	allowed: false,
	limit: 60,
	remaining: 0,
	resetSeconds: 42,
	retryAfterSeconds: 42,
	windowSeconds: 60,
	backend: 'memory',
}
const allowed: LimitResult = { ...refused, allowed: true, remaining: 17, retryAfterSeconds: 0 }

describe('describeWait', () => {
	it.each([
		[0, 'a moment'],
		[-5, 'a moment'],
		[Number.NaN, 'a moment'],
		[0.2, '1 second'],
		[1, '1 second'],
		[14, '14 seconds'],
		[59, '59 seconds'],
		[60, 'about 1 minute'],
		[89, 'about 1 minute'],
		[150, 'about 3 minutes'],
		[180, 'about 3 minutes'],
		[900, 'about 15 minutes'],
		[3_569, 'about 59 minutes'],
		[3_590, 'about 1 hour'],
		[3_600, 'about 1 hour'],
		[2 * 3_600 + 100, 'about 2 hours'],
		[3 * 86_400, 'about 3 days'],
	])('%s seconds -> %s', (seconds, words) => {
		expect(describeWait(seconds)).toBe(words)
	})
})

describe('rateLimitHeaders', () => {
	it('gives the IETF fields and Retry-After when refused', () => {
		expect(rateLimitHeaders(refused)).toEqual({
			'RateLimit-Limit': '60',
			'RateLimit-Remaining': '0',
			'RateLimit-Reset': '42',
			'RateLimit-Policy': '60;w=60',
			'Retry-After': '42',
		})
	})

	it('leaves Retry-After out when allowed', () => {
		const headers = rateLimitHeaders(allowed)
		expect(headers['Retry-After']).toBeUndefined()
		expect(headers['RateLimit-Remaining']).toBe('17')
	})
})

describe('rateLimitResponse', () => {
	it('answers API callers with the JSON error shape, 429 and the headers', async () => {
		const response = rateLimitResponse(new RateLimitError(refused), { json: true, requestId: 'req-1' })
		expect(response.status).toBe(429)
		expect(response.headers.get('retry-after')).toBe('42')
		expect(response.headers.get('ratelimit-limit')).toBe('60')
		expect(response.headers.get('cache-control')).toBe('no-store')
		expect(response.headers.get('content-type')).toMatch(/^application\/json/)
		expect(await response.json()).toEqual({
			error: {
				code: 'rate_limited',
				message: 'Too many chat messages. Please try again in 42 seconds.',
				requestId: 'req-1',
			},
		})
	})

	it('answers other callers in plain words', async () => {
		const error = new RateLimitError({ ...refused, policy: 'signin', retryAfterSeconds: 900, resetSeconds: 900 })
		const response = rateLimitResponse(error, { json: false, requestId: 'req-2' })
		expect(response.status).toBe(429)
		expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
		expect(response.headers.get('retry-after')).toBe('900')
		const text = await response.text()
		expect(text).toContain('Too many sign-in attempts. Please try again in about 15 minutes.')
		expect(text).toContain('req-2')
	})

	it('words a policy without its own message generically', () => {
		expect(rateLimitMessage({ ...refused, policy: 'catalogue', retryAfterSeconds: 3 })).toBe(
			'Too many requests. Please try again in 3 seconds.',
		)
	})
})

describe('enforce', () => {
	let limits: Limits | null = null
	afterEach(async () => {
		await limits?.close()
		limits = null
	})

	it('returns the result while allowed and throws a RateLimitError carrying it when refused', async () => {
		limits = await createLimits({ redisUrl: null, overrides: { publish: { points: 2, durationSeconds: 60 } } })
		const subject = { ip: '203.0.113.9', userId: 'user-1' }
		expect((await enforce(limits, 'publish', subject)).remaining).toBe(1)
		expect((await enforce(limits, 'publish', subject)).remaining).toBe(0)
		const error = await enforce(limits, 'publish', subject).catch((e: unknown) => e)
		expect(isRateLimitError(error)).toBe(true)
		if (!(error instanceof RateLimitError)) throw new Error('expected a RateLimitError')
		expect(error.status).toBe(429)
		expect(error.result).toMatchObject({ policy: 'publish', allowed: false, limit: 2, remaining: 0 })
		expect(error.result.retryAfterSeconds).toBeGreaterThan(0)
		expect(error.result.retryAfterSeconds).toBeLessThanOrEqual(60)
		expect(error.message).toMatch(/^Too many items published\. Please try again in (about 1 minute|\d+ seconds)\.$/)
	})

	it('counts several points at once for costly work', async () => {
		limits = await createLimits({ redisUrl: null, overrides: {} })
		const subject = { ip: '203.0.113.9', userId: 'user-2' }
		expect((await enforce(limits, 'generation', subject, 8)).remaining).toBe(2)
		await expect(enforce(limits, 'generation', subject, 3)).rejects.toBeInstanceOf(RateLimitError)
		await expect(limits.consume('generation', subject, 0)).rejects.toBeInstanceOf(RangeError)
	})
})
