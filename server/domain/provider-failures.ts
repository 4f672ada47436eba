/**
 * What a provider's error means for the person who asked: a refusal for calls made inside a request, or the
 * message stored on a reply or a generation that failed in the background. Never a stack trace or a vendor's
 * internals.
 */
import { isProviderError } from '#server/providers/types.ts'
import { refuse, type Refusal } from './refusal.ts'

/** A provider's "no" as a refusal for calls made inside a request (titles, analysis, model choice). */
export function providerRefusal(error: unknown): Refusal {
	if (!isProviderError(error)) throw error
	switch (error.code) {
		case 'rate_limited':
			return refuse(429, 'provider_rate_limited', error.message, {
				headers: error.retryAfterSeconds !== undefined ? { 'Retry-After': String(error.retryAfterSeconds) } : {},
			})
		case 'invalid_request':
			return refuse(400, 'provider_refused', error.message)
		case 'content_refused':
			return refuse(422, 'content_refused', error.message)
		default:
			return refuse(503, 'provider_unavailable', error.message)
	}
}

/** The message stored when a reply or a generation fails: the provider's own words, or ours for our faults. */
export function failureMessage(error: unknown, what: 'reply' | 'generation'): string {
	if (isProviderError(error)) return error.message
	const retry = what === 'reply' ? 'Retry it' : 'Try again'
	return `The ${what} failed on our side. ${retry}; if it keeps failing, tell an administrator.`
}
