/**
 * Serving local media: signed, expiring `GET`/`HEAD` URLs checked by ./local.ts, with ranges (video and audio
 * seek), the sniffed type, a download name when asked for, and caching no longer than the signature lives.
 */
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { logger } from '#server/logger.ts'
import { StorageNotFoundError } from './errors.ts'
import type { LocalFileInfo } from './local-sidecar.ts'
import type { LocalStorage } from './local.ts'
import { isKey } from './rules.ts'
import { servedContentType } from './sniff.ts'
import type { Bucket } from './types.ts'

type ByteRange = { start: number; end: number }

/**
 * One `bytes=` range (RFC 9110 §14.1.2). Null means "serve the whole file" (no header, a syntax we ignore, or
 * several ranges, which a server may answer with the full body); 'unsatisfiable' becomes 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
	if (!header) return null
	const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim())
	if (!match) return null
	const [, first = '', last = ''] = match
	if (first === '' && last === '') return null
	if (first === '') {
		const suffix = Number(last)
		if (suffix === 0 || size === 0) return 'unsatisfiable'
		return { start: Math.max(0, size - suffix), end: size - 1 }
	}
	const start = Number(first)
	const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
	if (last !== '' && Number(last) < start) return null
	if (start >= size) return 'unsatisfiable'
	return { start, end }
}

function contentDisposition(type: 'inline' | 'attachment', filename: string | null): string {
	if (!filename) return type
	const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_')
	return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

function deny(res: Response, status: number, message: string) {
	res.status(status)
	res.setHeader('Content-Type', 'text/plain; charset=utf-8')
	res.setHeader('Cache-Control', 'no-store')
	res.setHeader('X-Content-Type-Options', 'nosniff')
	res.end(message)
}

/**
 * Express handler for `GET`/`HEAD` of signed media URLs. Mount it where `basePath` says (default `/media`):
 * `app.use('/media', createLocalMediaHandler(storage))` — it reads the full original URL, so the mount path
 * does not change what it matches.
 */
export function createLocalMediaHandler(storage: LocalStorage): RequestHandler {
	const prefix = `${storage.basePath}/`
	const pattern = /^(media|attachments)\/(.+)$/

	return (req: Request, res: Response, next: NextFunction) => {
		serve(req, res).catch(next)
	}

	async function serve(req: Request, res: Response) {
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.setHeader('Allow', 'GET, HEAD')
			return deny(res, 405, 'Method not allowed.')
		}
		// The raw request target, not a normalised one: anything that is not exactly a key we generated is 404.
		const target = req.originalUrl
		const queryAt = target.indexOf('?')
		const rawPath = queryAt === -1 ? target : target.slice(0, queryAt)
		const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1))
		const match = rawPath.startsWith(prefix) ? pattern.exec(rawPath.slice(prefix.length)) : null
		const bucket = match?.[1] as Bucket | undefined
		const key = match?.[2]
		if (!bucket || !key || !isKey(key)) return deny(res, 404, 'Not found.')

		const verdict = storage.verify(bucket, key, query)
		if (!verdict.ok) {
			logger.debug('media: refused URL', { reason: verdict.reason, bucket })
			return deny(
				res,
				403,
				verdict.reason === 'expired'
					? 'This link has expired. Reload the page to get a new one.'
					: 'This link is not valid.',
			)
		}

		let info: LocalFileInfo
		try {
			info = await storage.stat(bucket, key)
		} catch (error) {
			if (error instanceof StorageNotFoundError) return deny(res, 404, 'Not found.')
			throw error
		}

		const etag = `"${info.sha256.slice(0, 32)}"`
		const maxAge = Math.max(0, verdict.exp - Math.floor(storage.now() / 1000))
		const asDownload = !info.inline || verdict.download !== ''
		const filename = verdict.download && verdict.download !== '1' ? verdict.download : info.filename
		res.setHeader('Content-Type', servedContentType({ mime: info.contentType, kind: info.kind, inline: info.inline }))
		res.setHeader('X-Content-Type-Options', 'nosniff')
		// no-transform: compression middleware must not re-encode bytes that ranges and Content-Length describe.
		res.setHeader('Cache-Control', `private, max-age=${maxAge}, no-transform`)
		res.setHeader('Accept-Ranges', 'bytes')
		res.setHeader('ETag', etag)
		res.setHeader('Content-Disposition', contentDisposition(asDownload ? 'attachment' : 'inline', filename))
		res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
		// The URL carries its signature: never hand it on to a page a file links to.
		res.setHeader('Referrer-Policy', 'no-referrer')
		if (info.contentType === 'application/pdf' && info.inline) {
			// Browsers' PDF viewers refuse to run under `sandbox` or `object-src 'none'`; the PDF viewer is isolated.
			res.removeHeader('Content-Security-Policy')
		} else {
			// Whatever the bytes turn out to be, they run nothing with our origin's rights.
			res.setHeader('Content-Security-Policy', 'sandbox')
		}

		if (req.headers['if-none-match'] === etag) {
			res.status(304)
			return res.end()
		}

		const ifRange = req.headers['if-range']
		const range = ifRange && ifRange !== etag ? null : parseRange(req.headers.range, info.size)
		if (range === 'unsatisfiable') {
			res.setHeader('Content-Range', `bytes */${info.size}`)
			return deny(res, 416, 'Range not satisfiable.')
		}
		if (range) {
			res.status(206)
			res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`)
			res.setHeader('Content-Length', String(range.end - range.start + 1))
		} else {
			res.status(200)
			res.setHeader('Content-Length', String(info.size))
		}
		if (req.method === 'HEAD') return res.end()

		let body: Readable
		try {
			body = (await storage.open(bucket, key, range ?? undefined)).body
		} catch (error) {
			if (error instanceof StorageNotFoundError && !res.headersSent) {
				res.removeHeader('Content-Range')
				res.removeHeader('Content-Disposition')
				return deny(res, 404, 'Not found.')
			}
			throw error
		}
		try {
			await pipeline(body, res)
		} catch (error) {
			// A viewer that closes the tab mid-video is not a server error.
			if (!res.writableEnded) logger.debug('media: response ended early', { error })
		}
	}
}
