/**
 * Links and forms without a hook each. Remix's `<Link>` and `<NavLink>` run a dozen hooks per link on every render (the
 * resolved address three times over, the prefetch state, the click handler); lists of links on every page (the
 * shell's areas, the chats column) spent more of the server's render there than on their markup. Here the links
 * are plain anchors marked `data-app-link`, and their container listens once: a plain left click navigates in
 * the app as `<Link>` would, and hovering or focusing one for 100 ms prefetches its page's modules and data as
 * `prefetch="intent"` would. Forms marked `data-app-form` are submitted through the router as Remix's `<Form>`
 * would (no page load; the loaders revalidate). Without JavaScript they are the same anchors and forms. See
 * docs/decisions/016-render-speed.md.
 */
import { PrefetchPageLinks, useNavigate, useSubmit } from '@remix-run/react'
import type { FocusEvent, FormEvent, MouseEvent, ReactNode, TouchEvent } from 'react'
import { useEffect, useState } from 'react'

/** A plain left click, which the app may handle itself (not one that opens a new tab or window). */
export const plainClick = (event: MouseEvent) =>
	event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey

/** The attributes of an in-app link: Remix discovers its route ahead of a click, as it does for `<Link>`. */
export const APP_LINK = { 'data-app-link': '', 'data-discover': 'true' } as const

/** The attribute of a form submitted in the app (with JavaScript) rather than by a page load. */
export const APP_FORM = { 'data-app-form': '' } as const

/** How long a pointer or the focus rests on a link before its page is prefetched (as `prefetch="intent"`). */
const INTENT_MS = 100

/** The in-app link an event happened in, if any: same origin, not a download, not for another window. */
function appLinkOf(target: EventTarget | null): HTMLAnchorElement | null {
	if (!(target instanceof Element)) return null
	const link = target.closest<HTMLAnchorElement>('a[data-app-link]')
	if (!link || link.hasAttribute('download') || (link.target && link.target !== '_self')) return null
	if (new URL(link.href).origin !== window.location.origin) return null
	return link
}

type Handlers = {
	onClick(event: MouseEvent): void
	onMouseOver(event: MouseEvent): void
	onMouseOut(event: MouseEvent): void
	onFocus(event: FocusEvent): void
	onBlur(event: FocusEvent): void
	onTouchStart(event: TouchEvent): void
	onSubmit(event: FormEvent): void
}

/**
 * Handlers for a container of `data-app-link` anchors, and the prefetch links to render inside it. A click on
 * such an anchor navigates without a page load (`data-prevent-scroll-reset` keeps the scroll position, as
 * `preventScrollReset` does); a click on the page already shown replaces it in the history, as `<Link>` does.
 */
export function useAppLinks(): { handlers: Handlers; prefetch: ReactNode } {
	const navigate = useNavigate()
	const submit = useSubmit()
	const [intent, setIntent] = useState<string | null>(null)
	const [prefetched, setPrefetched] = useState<string | null>(null)
	useEffect(() => {
		if (!intent) return
		const timer = setTimeout(() => setPrefetched(intent), INTENT_MS)
		return () => clearTimeout(timer)
	}, [intent])
	const begin = (target: EventTarget | null) => {
		const link = appLinkOf(target)
		if (link) setIntent(new URL(link.href).pathname)
	}
	const end = (target: EventTarget | null, next: EventTarget | null) => {
		const link = appLinkOf(target)
		if (!link || (next instanceof Node && link.contains(next))) return
		setIntent(null)
		setPrefetched(null)
	}
	const handlers: Handlers = {
		onClick(event) {
			if (event.defaultPrevented || !plainClick(event)) return
			const link = appLinkOf(event.target)
			if (!link) return
			event.preventDefault()
			const url = new URL(link.href)
			const to = `${url.pathname}${url.search}${url.hash}`
			const here = `${window.location.pathname}${window.location.search}${window.location.hash}`
			navigate(to, { replace: to === here, preventScrollReset: link.hasAttribute('data-prevent-scroll-reset') })
		},
		onMouseOver: event => begin(event.target),
		onMouseOut: event => end(event.target, event.relatedTarget),
		onFocus: event => begin(event.target),
		onBlur: event => end(event.target, event.relatedTarget),
		onTouchStart: event => begin(event.target),
		onSubmit(event) {
			const form = event.target
			if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !form.hasAttribute('data-app-form')) return
			event.preventDefault()
			const { submitter } = event.nativeEvent as SubmitEvent
			const button = submitter instanceof HTMLButtonElement || submitter instanceof HTMLInputElement ? submitter : null
			// A form without an action posts to the address shown, as the browser would (this listener sits above the
			// page's route, so the router would otherwise resolve it against the root).
			const action =
				button?.getAttribute('formaction') ??
				form.getAttribute('action') ??
				`${window.location.pathname}${window.location.search}`
			submit(button ?? form, { action, preventScrollReset: form.hasAttribute('data-prevent-scroll-reset') })
		},
	}
	return { handlers, prefetch: prefetched ? <PrefetchPageLinks page={prefetched} /> : null }
}
