/**
 * A few-seconds micro-cache for the public pages every visitor sees signed out (the landing page). Signed-out
 * visitors all get the same HTML, so rendering it once per few seconds instead of once per request keeps a
 * burst of traffic (a link on a busy forum) from costing a React render each.
 *
 * Only GETs with no query, no cookie and no Authorization header are served from it, and only 200 HTML
 * responses that set no cookie are stored. The per-request values in the page — the CSP nonce on every script
 * and the request id in the loader data — are swapped for the current request's.
 */
import type { RequestHandler, Response } from 'express'

type Entry = { body: string; headers: Record<string, string>; nonce: string; requestId: string; expires: number }

const KEPT_HEADERS = ['content-type', 'vary', 'cache-control', 'link']

export function anonymousPageCache(options: { paths: readonly string[]; ttlMs: number }): RequestHandler {
	const entries = new Map<string, Entry>()
	return (req, res, next) => {
		const cacheable =
			req.method === 'GET' &&
			options.paths.includes(req.path) &&
			req.originalUrl === req.path &&
			req.headers.cookie === undefined &&
			req.headers.authorization === undefined
		if (!cacheable) return next()

		const nonce = String(res.locals.cspNonce)
		const requestId = String(res.locals.requestId)
		const entry = entries.get(req.path)
		if (entry && entry.expires > Date.now()) {
			res.status(200)
			for (const [name, value] of Object.entries(entry.headers)) res.setHeader(name, value)
			res.setHeader('x-page-cache', 'hit')
			res.end(entry.body.replaceAll(entry.nonce, nonce).replaceAll(entry.requestId, requestId))
			return
		}
		capture(res, body => {
			const type = String(res.getHeader('content-type') ?? '')
			if (res.statusCode !== 200 || res.getHeader('set-cookie') !== undefined || !type.startsWith('text/html')) return
			const headers: Record<string, string> = {}
			for (const name of KEPT_HEADERS) {
				const value = res.getHeader(name)
				if (value !== undefined) headers[name] = String(value)
			}
			entries.set(req.path, { body, headers, nonce, requestId, expires: Date.now() + options.ttlMs })
		})
		next()
	}
}

/** Collects what the downstream handler writes (before compression), and hands it over once the response is done. */
function capture(res: Response, done: (body: string) => void) {
	const chunks: Buffer[] = []
	const collect = (chunk: unknown, encoding?: unknown) => {
		if (typeof chunk === 'string')
			chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'))
		else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk))
	}
	const write = res.write.bind(res)
	const end = res.end.bind(res)
	res.write = ((chunk: unknown, ...rest: unknown[]) => {
		collect(chunk, rest[0])
		return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
	}) as Response['write']
	res.end = ((chunk?: unknown, ...rest: unknown[]) => {
		if (chunk !== undefined && typeof chunk !== 'function') collect(chunk, rest[0])
		return (end as (...args: unknown[]) => Response)(chunk, ...rest)
	}) as Response['end']
	res.once('finish', () => done(Buffer.concat(chunks).toString('utf8')))
}
