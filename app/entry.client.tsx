import { RemixBrowser } from '@remix-run/react'
import { startTransition, StrictMode } from 'react'
import { hydrateRoot } from 'react-dom/client'

/**
 * With single fetch, `<RemixBrowser>` suspends on its first render until the page's data (streamed inline in the
 * HTML) is decoded. In React 18 a root that is suspended when a keypress or click makes it hydrate at once fails
 * ("Root did not complete") and the page is left without its scripts — on a slow phone, typing into the composer
 * right away did that. So the data is decoded before hydration starts: called once outside React, RemixBrowser
 * starts the decoding and throws its promise before it reaches any hook; the render inside React then finds the
 * data ready and never suspends. (Browser test: "the composer: … its hint says how to send".)
 */
async function pageDataDecoded(): Promise<void> {
	try {
		RemixBrowser({})
	} catch (thrown) {
		if (thrown instanceof Promise) await thrown
		else throw thrown
	}
}

void pageDataDecoded().then(() =>
	startTransition(() => {
		hydrateRoot(
			document,
			<StrictMode>
				<RemixBrowser />
			</StrictMode>,
		)
	}),
)
