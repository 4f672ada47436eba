/**
 * A page rendered whole (app/utils/whole-render.server.ts) is already one buffer of bytes. Its `Response` keeps that
 * buffer as its body for anyone who reads it the usual way, and carries it beside the body too, so the Express
 * adapter (server/remix-express.ts) can send it with one `res.end(bytes)` instead of reading the body's stream back
 * piece by piece: on the chat page the stream, its reader's promises and the coalescing turn cost about 6% of the
 * request's CPU (docs/decisions/016-render-speed.md, tenth round). Sent in one call, the page also gets a
 * `Content-Length` instead of chunked encoding. The body is kept although the adapter never reads it (undici copies
 * the bytes into it, a few microseconds for the 80 KB chat page): a response without one would reach any other
 * reader empty.
 *
 * The Remix build and the server are bundled apart, each with its own copy of this module, so the mark is a
 * registered symbol: the same in both copies.
 */
const WHOLE_BODY = Symbol.for('generation-studio.whole-body')

type Marked = Response & { [WHOLE_BODY]?: Uint8Array }

/** A response whose body is `bytes`, marked so the adapter can send them as they are. */
export function wholeBodyResponse(bytes: Uint8Array<ArrayBuffer>, init: ResponseInit): Response {
	const response: Marked = new Response(bytes, init)
	response[WHOLE_BODY] = bytes
	return response
}

/** The bytes a response was made from by `wholeBodyResponse`, if it was; its body stream is then left unread. */
export function wholeBodyOf(response: Response): Uint8Array | undefined {
	return (response as Marked)[WHOLE_BODY]
}
