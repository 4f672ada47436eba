import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { isbot } from 'isbot'
import { renderToPipeableStream, renderToString } from 'react-dom/server'
import { wholeBodyResponse } from '#server/whole-body.ts'
import { NonceProvider } from './utils/nonce.tsx'
import { RenderStream } from './utils/render-stream.server.ts'
import { hasPendingData, prefillHandoff, renderedWhole } from './utils/whole-render.server.ts'

// Deferred data that has not settled by then is sent as an error the page can show.
export const streamTimeout = 10_000

/**
 * A page whose data is all there when the loaders return (nearly all of them) is rendered to one string; a page
 * with data still to come (a promise in a loader's data, such as a running generation's next state) is streamed,
 * so what is known shows at once and the rest follows. See docs/decisions/016-render-speed.md, eighth round.
 */
export default async function handleRequest(
	request: Request,
	responseStatusCode: number,
	responseHeaders: Headers,
	remixContext: EntryContext,
	loadContext: AppLoadContext,
) {
	if (!hasPendingData(remixContext)) {
		await prefillHandoff(remixContext)
		// Null when a part suspended after all: that page is streamed instead.
		const html = renderedWhole(renderToString(app(request, remixContext, loadContext.cspNonce)))
		if (html !== null) {
			responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
			return wholeBodyResponse(html, { headers: responseHeaders, status: responseStatusCode })
		}
	}
	return renderStreamed(request, responseStatusCode, responseHeaders, remixContext, loadContext)
}

function app(request: Request, remixContext: EntryContext, nonce: string) {
	return (
		<NonceProvider value={nonce}>
			<RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
		</NonceProvider>
	)
}

function renderStreamed(
	request: Request,
	responseStatusCode: number,
	responseHeaders: Headers,
	remixContext: EntryContext,
	loadContext: AppLoadContext,
) {
	const nonce = loadContext.cspNonce
	// Bots and browsers without JavaScript get the whole document at once; others get it streamed.
	const waitForAll = isbot(request.headers.get('user-agent') ?? '') || remixContext.isSpaMode
	return new Promise<Response>((resolve, reject) => {
		let shellRendered = false
		// Pending deferred data is cut off after the stream timeout. The timer goes as soon as everything is
		// rendered: left running, it kept every finished render (its tree and data) alive for 11 seconds.
		const timer = setTimeout(() => abort(), streamTimeout + 1000)
		const send = () => {
			shellRendered = true
			// Each pass of React's renderer goes out as one chunk (./utils/render-stream.server.ts).
			const body = new RenderStream()
			responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
			resolve(new Response(body.readable, { headers: responseHeaders, status: responseStatusCode }))
			pipe(body)
		}
		const { pipe, abort } = renderToPipeableStream(app(request, remixContext, nonce), {
			nonce,
			onShellReady() {
				if (!waitForAll) send()
			},
			onAllReady() {
				clearTimeout(timer)
				if (waitForAll) send()
			},
			onShellError(error: unknown) {
				clearTimeout(timer)
				reject(error)
			},
			onError(error: unknown) {
				responseStatusCode = 500
				// Errors before the shell are reported by onShellError; later ones are logged by handleError.
				if (shellRendered) loadContext.services.logger.error('render error', { error })
			},
		})
	})
}

export const handleError: HandleErrorFunction = (error, { request, context }) => {
	// Aborted requests (the user navigated away) are not errors of ours.
	if (request.signal.aborted) return
	context.services.logger.error('request failed', { error, url: new URL(request.url).pathname })
}
