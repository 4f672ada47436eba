/**
 * Express to Remix, as @remix-run/express does it, with one difference: a request's body reaches Remix through
 * a `BodyLimit` (server/body-limit.ts), so no route can read more of it than its cap, however it was sent.
 */
import {
	createReadableStreamFromReadable,
	createRequestHandler as createRemixHandler,
	writeReadableStreamToWritable,
} from '@remix-run/node'
import type { AppLoadContext, ServerBuild } from '@remix-run/node'
import type { Readable, TransformCallback } from 'node:stream'
import { Transform } from 'node:stream'
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express'
import { BodyTooLargeError } from './body-limit.ts'
import { bodyTooLarge } from './request-input.ts'
import { wholeBodyOf } from './whole-body.ts'

export type RemixHandlerOptions = {
	build: ServerBuild
	mode: 'production' | 'development'
	/** The largest body any route accepts: where every body's count starts. */
	maxBodyBytes: number
	getLoadContext: (req: ExpressRequest, res: ExpressResponse, body: BodyLimit | null) => AppLoadContext
}

export function createRequestHandler(options: RemixHandlerOptions): RequestHandler {
	const handle = createRemixHandler(options.build, options.mode)
	return async (req, res, next) => {
		try {
			const body = req.method === 'GET' || req.method === 'HEAD' ? null : new BodyLimit(req, options.maxBodyBytes)
			const request = remixRequest(req, res, body)
			let response = await handle(request, options.getLoadContext(req, res, body))
			// Whatever a route made of a body cut short (a parse error, a 400), the answer is that it was too large.
			if (body?.exceeded && response.status !== 413) {
				await response.body?.cancel()
				response = bodyTooLarge(body.limit)
			}
			await sendRemixResponse(res, response)
			body?.discardRest()
		} catch (error) {
			next(error)
		}
	}
}

function remixRequest(req: ExpressRequest, res: ExpressResponse, body: BodyLimit | null): Request {
	// req.hostname honours trust proxy but drops the port: take it from X-Forwarded-Host or Host.
	const portOf = (host: string | undefined) => Number.parseInt(host?.split(':')[1] ?? '', 10)
	const forwardedPort = portOf(req.get('X-Forwarded-Host'))
	const hostPort = portOf(req.get('host'))
	const port = Number.isSafeInteger(forwardedPort) ? forwardedPort : Number.isSafeInteger(hostPort) ? hostPort : null
	const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ''}${req.originalUrl}`)

	const headers = new Headers()
	for (const [name, values] of Object.entries(req.headers)) {
		if (values === undefined) continue
		if (Array.isArray(values)) for (const value of values) headers.append(name, value)
		else headers.set(name, values)
	}

	// Loaders and actions stop once no answer can be written (`close` before `finish`).
	let controller: AbortController | null = new AbortController()
	const signal = controller.signal
	res.on('finish', () => (controller = null))
	res.on('close', () => controller?.abort())

	const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, signal }
	if (body) {
		init.body = createReadableStreamFromReadable(body.stream)
		init.duplex = 'half'
	}
	return new Request(url.href, init)
}

async function sendRemixResponse(res: ExpressResponse, response: Response): Promise<void> {
	res.statusMessage = response.statusText
	res.status(response.status)
	for (const [name, value] of response.headers.entries()) res.append(name, value)
	// Event streams go out at once: the first event must not wait for a buffer to fill.
	if (/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) {
		res.flushHeaders()
		if (response.body) await writeReadableStreamToWritable(response.body, res)
		else res.end()
		return
	}
	// A page rendered whole is one buffer already (./whole-body.ts): sent as it is, with its length.
	const whole = wholeBodyOf(response)
	if (whole) {
		// Set here: compression writes the head before Node could count the body (and drops it when it compresses).
		res.setHeader('Content-Length', whole.byteLength)
		res.end(whole)
	} else if (response.body) await writeCoalesced(response.body, res)
	else res.end()
}

/** `res.flush` when compression wraps the response: ends the deflate block so what was written leaves now. */
type Flushable = ExpressResponse & { flush?: () => void }

/**
 * A page's body, in as few writes as it was produced in. React hands a render over in pieces of about 2 KB, most
 * of them in one turn of the event loop; written one by one (as `writeReadableStreamToWritable` does, with a
 * compression flush after each), every piece became its own deflate block, its own zlib job on the thread pool
 * and its own `writev`. Pieces that arrive in the same turn are joined and written once at the end of it
 * (`setImmediate`), then flushed, so a streamed page still sends each part as soon as it is ready.
 */
export async function writeCoalesced(body: ReadableStream<Uint8Array>, res: Flushable): Promise<void> {
	const reader = body.getReader()
	let pending: Uint8Array[] = []
	let scheduled: NodeJS.Immediate | null = null
	const writePending = () => {
		scheduled = null
		if (pending.length === 0) return
		const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending)
		pending = []
		res.write(chunk)
		res.flush?.()
	}
	try {
		for (;;) {
			const { done, value } = await reader.read()
			if (done) break
			pending.push(value)
			scheduled ??= setImmediate(writePending)
		}
		if (scheduled) clearImmediate(scheduled)
		const rest = pending.length === 0 ? undefined : pending.length === 1 ? pending[0] : Buffer.concat(pending)
		pending = []
		if (rest) res.end(rest)
		else res.end()
	} catch (error) {
		if (scheduled) clearImmediate(scheduled)
		res.destroy(error instanceof Error ? error : new Error(String(error)))
		throw error
	}
}

/**
 * The body of one request, passed on until it exceeds the cap. Start with the largest cap of any route; the
 * route guard lowers it to the route's own before the route reads. Past the cap the stream fails with
 * `BodyTooLargeError` and the source is drained into nothing, so the connection stays usable for the answer.
 */
export class BodyLimit {
	readonly stream: Transform
	private received = 0
	private max: number
	private over = false

	constructor(
		private readonly source: Readable,
		max: number,
	) {
		this.max = max
		this.stream = new Transform({
			transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
				this.received += chunk.byteLength
				if (this.received > this.max) return callback(this.overflow())
				callback(null, chunk)
			},
		})
		source.pipe(this.stream)
	}

	get limit(): number {
		return this.max
	}

	/** True once more bytes arrived than allowed. */
	get exceeded(): boolean {
		return this.over
	}

	/** Lowers the cap (never raises it); false when the body already went past the new one. */
	lower(maxBytes: number): boolean {
		this.max = Math.min(this.max, maxBytes)
		if (this.received > this.max && !this.over) this.stream.destroy(this.overflow())
		return !this.over
	}

	/**
	 * Once the answer is sent: whatever the route left unread is discarded as it arrives, as Node does for a body
	 * nobody read, so the connection can carry the next request and nothing piles up in memory.
	 */
	discardRest(): void {
		if (this.source.readableEnded) return
		this.source.unpipe(this.stream)
		this.source.resume()
	}

	private overflow(): BodyTooLargeError {
		this.over = true
		// Discard what is still coming instead of buffering it; the answer goes out on the same connection.
		this.discardRest()
		return new BodyTooLargeError(this.max)
	}
}
