/**
 * Rendering a page in one piece. React's streaming renderer (`renderToPipeableStream`) encodes every string it
 * writes into 2 KB byte buffers as it goes, one `TextEncoder.encodeInto` call per attribute value or text; its
 * string renderer (`renderToString`) joins strings. For a page that is ready at once, the string renderer does the
 * same work in about a third of the time (docs/decisions/016-render-speed.md, eighth round), but it cannot wait:
 * whatever suspends is left for the browser to render.
 *
 * One part of every Remix page suspends: the loader data for the browser (single fetch's turbo-stream), which
 * Remix's `StreamTransfer` reads chunk by chunk from `serverHandoffStream`, suspending on each read. When no loader
 * returned a promise, that stream holds only what is already there: it is read to the end before rendering and
 * handed to `StreamTransfer` through the cache it keeps in `renderMeta.streamCache`, as one chunk that is also the
 * last, so it renders at once as one script. Anything else that suspends leaves a client-rendered boundary
 * (`<!--$!-->`) in the string; the page is then rendered again by the streaming renderer instead.
 */
import type { EntryContext } from '@remix-run/node'

type StreamCache = NonNullable<NonNullable<EntryContext['renderMeta']>['streamCache']>

/** Whether a loader returned data still to come: a promise among its values (streamed by single fetch). */
export function hasPendingData(context: EntryContext): boolean {
	if (context.isSpaMode || !context.serverHandoffStream) return true
	for (const data of Object.values(context.staticHandlerContext.loaderData)) {
		if (typeof data !== 'object' || data === null) continue
		if (isThenable(data)) return true
		for (const value of Object.values(data)) if (isThenable(value)) return true
	}
	return false
}

function isThenable(value: unknown): boolean {
	return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * Reads the browser's loader data to its end and gives it to `StreamTransfer` as one finished chunk, so it does not
 * suspend. The stream is left unlocked (and finished): `RemixServer` takes a reader of its own, which is not read.
 */
export async function prefillHandoff(context: EntryContext): Promise<void> {
	const stream = context.serverHandoffStream
	if (!stream) return
	const reader = stream.getReader()
	const decoder = new TextDecoder()
	let value = ''
	try {
		for (;;) {
			const chunk = await reader.read()
			if (chunk.done) break
			value += decoder.decode(chunk.value, { stream: true })
		}
		value += decoder.decode()
	} finally {
		reader.releaseLock()
	}
	const entry: StreamCache[number] = Object.assign(Promise.resolve(), { result: { done: true, value } })
	context.renderMeta ??= {}
	context.renderMeta.streamCache = { 0: entry }
}

/** React's mark of a Suspense boundary left for the browser to render. */
const CLIENT_RENDERED_BOUNDARY = '<!--$!-->'

const DOCTYPE = '<!DOCTYPE html>'
const encoder = new TextEncoder()

/**
 * The document as UTF-8 bytes, or null when some part of it suspended and was not rendered.
 *
 * What React's string renderer returns is a rope of thousands of small strings. Every way of reading it first copies
 * it into one string, and on a slow machine that copy is most of the cost here (0.6–0.9 ms for the 80 KB chat page):
 * so it is read once, by the encoder, and the mark is looked for in the bytes. Bytes, not the string: a `Response`
 * made from a string scans all of it for lone surrogates (`toUSVString`) before encoding it, and prefixing the doctype
 * to the string would copy it again. A lone surrogate becomes U+FFFD, as with that scan. The buffer is sized for the
 * worst case (3 bytes per UTF-16 unit) and not copied down: it lives until the response is written.
 */
export function renderedWhole(html: string): Uint8Array<ArrayBuffer> | null {
	const buffer = Buffer.allocUnsafe(DOCTYPE.length + html.length * 3)
	buffer.write(DOCTYPE, 0, 'latin1')
	const { written } = encoder.encodeInto(html, buffer.subarray(DOCTYPE.length))
	const page = buffer.subarray(0, DOCTYPE.length + written)
	return page.indexOf(CLIENT_RENDERED_BOUNDARY) === -1 ? page : null
}
