/** OpenAI's errors (and those of servers that speak its API) as ours, with a message a person can act on. */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai'
import { parseRetryAfter, shortMessage, type Deadline } from './deadline.ts'
import { ProviderError } from './types.ts'

function errorField(error: APIError, key: 'code' | 'type' | 'message'): string {
	const body: unknown = error.error
	if (body && typeof body === 'object' && key in body) {
		const value: unknown = (body as Record<string, unknown>)[key]
		if (typeof value === 'string') return value
	}
	const own = key === 'message' ? error.message : error[key]
	return typeof own === 'string' ? own : ''
}

function isContentRefusal(error: APIError): boolean {
	const code = errorField(error, 'code')
	if (code === 'content_policy_violation' || code === 'content_filter' || code === 'moderation_blocked') return true
	return /content (management )?polic|safety system|safety_violations/i.test(errorField(error, 'message'))
}

/** The vendor's error, as one of ours, with a message a person can act on. */
export function mapOpenAIError(error: unknown, deadline: Deadline | null, vendor = 'OpenAI'): ProviderError {
	if (error instanceof ProviderError) return error
	const aborted = deadline?.abortError('openai', vendor)
	if (aborted) return aborted
	const options = { provider: 'openai' as const, cause: error }
	if (error instanceof APIConnectionTimeoutError) {
		return new ProviderError('timed_out', `${vendor} did not answer in time. Try again.`, options)
	}
	if (error instanceof APIUserAbortError) return new ProviderError('canceled', 'The request was canceled.', options)
	if (error instanceof APIConnectionError) {
		return new ProviderError('unavailable', `${vendor} could not be reached. Try again in a moment.`, options)
	}
	if (error instanceof APIError) {
		const status = typeof error.status === 'number' ? error.status : undefined
		const detail = shortMessage(errorField(error, 'message') || 'no details given')
		const withStatus = status === undefined ? options : { ...options, status }
		if (isContentRefusal(error)) {
			return new ProviderError(
				'content_refused',
				`${vendor} refused this request under its content policy. Rephrase the prompt and try again.`,
				withStatus,
			)
		}
		const code = errorField(error, 'code')
		const type = errorField(error, 'type')
		if (status === 429 || (status === undefined && /rate_limit/.test(`${code} ${type}`))) {
			if (code === 'insufficient_quota') {
				return new ProviderError(
					'rate_limited',
					`${vendor} says the account has run out of credit. An administrator needs to top it up.`,
					{ ...withStatus, retryable: false },
				)
			}
			const retryAfterSeconds = parseRetryAfter(error.headers)
			return new ProviderError(
				'rate_limited',
				`${vendor} is rate limiting requests. Try again${retryAfterSeconds !== undefined ? ` in ${retryAfterSeconds} seconds` : ' shortly'}.`,
				retryAfterSeconds === undefined ? withStatus : { ...withStatus, retryAfterSeconds },
			)
		}
		if (status === 401 || status === 403) {
			return new ProviderError(
				'unavailable',
				`${vendor} rejected the server's API key. An administrator needs to check OPENAI_API_KEY.`,
				{ ...withStatus, retryable: false },
			)
		}
		if (status === 408)
			return new ProviderError('timed_out', `${vendor} did not answer in time. Try again.`, withStatus)
		if (status !== undefined && status >= 400 && status < 500) {
			return new ProviderError('invalid_request', `${vendor} rejected the request: ${detail}`, withStatus)
		}
		if (status === undefined && type === 'invalid_request_error') {
			return new ProviderError('invalid_request', `${vendor} rejected the request: ${detail}`, withStatus)
		}
		return new ProviderError(
			'unavailable',
			`${vendor} had a problem answering (${status ?? 'error during the reply'}: ${detail}). Try again.`,
			withStatus,
		)
	}
	// A connection dropped while the body was streaming surfaces as a plain TypeError from fetch.
	return new ProviderError('unavailable', `${vendor} stopped answering part-way. Try again.`, options)
}
