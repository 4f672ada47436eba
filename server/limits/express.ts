/**
 * Step 6 of the pipeline: the generous per-address limit over everything after static files. The real limits
 * are per route and per user, inside loaders and actions; this one only stops floods.
 */
import type { Request, RequestHandler } from 'express'
import { requestScope } from '#server/logger.ts'
import { RateLimitError, rateLimitResponse } from './http.ts'
import type { Limits } from './index.ts'

export type GlobalRateLimitOptions = {
	/** Whether the caller gets the JSON error shape; by default `/api/` paths and clients that prefer JSON. */
	wantsJson?: (req: Request) => boolean
}

const defaultWantsJson = (req: Request) => req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json'

export function globalRateLimit(limits: Pick<Limits, 'consume'>, options: GlobalRateLimitOptions = {}): RequestHandler {
	const wantsJson = options.wantsJson ?? defaultWantsJson
	return (req, res, next) => {
		// req.ip honours the app's trust-proxy setting; the socket address is the fallback behind none.
		const ip = req.ip ?? req.socket.remoteAddress ?? ''
		limits
			.consume('global', { ip })
			.then(async result => {
				if (result.allowed) return next()
				const header = res.getHeader('x-request-id')
				const requestId = requestScope.getStore()?.requestId ?? (typeof header === 'string' ? header : '')
				const response = rateLimitResponse(new RateLimitError(result), { json: wantsJson(req), requestId })
				res.status(response.status)
				response.headers.forEach((value, name) => res.setHeader(name, value))
				res.end(Buffer.from(await response.arrayBuffer()))
			})
			.catch(next)
	}
}
