import { useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'

type Snapshot = { messageId: string; text: string }
type Delta = { text: string }

function parse<T>(event: Event): T | null {
	try {
		return JSON.parse((event as MessageEvent<string>).data) as T
	} catch {
		return null
	}
}

/**
 * A reply being written, followed over `GET /api/chat/:id/stream` (Server-Sent Events): the text so far, then
 * each delta as the provider sends it. When it ends, the page reloads its data and shows the reply rendered
 * from markdown on the server. A dropped connection reconnects and starts again from a fresh snapshot.
 */
export function LiveReply({
	conversationId,
	messageId,
	initial,
}: {
	conversationId: string
	messageId: string
	initial: string
}) {
	const [text, setText] = useState(initial)
	const [connected, setConnected] = useState(false)
	const { revalidate } = useRevalidator()
	const ref = useRef<HTMLDivElement>(null)

	useEffect(() => {
		const source = new EventSource(`/api/chat/${conversationId}/stream?message=${messageId}`)
		source.addEventListener('open', () => setConnected(true))
		source.addEventListener('snapshot', event => {
			const data = parse<Snapshot>(event)
			if (data) setText(data.text)
		})
		source.addEventListener('delta', event => {
			const data = parse<Delta>(event)
			if (data) setText(current => current + data.text)
		})
		source.addEventListener('done', () => {
			source.close()
			revalidate()
		})
		return () => source.close()
	}, [conversationId, messageId, revalidate])

	useEffect(() => {
		// Keep the newest words in view while the reader is at the bottom of the page; leave them be if they scrolled up.
		const element = ref.current
		if (!element) return
		const nearBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160
		if (nearBottom) element.scrollIntoView({ block: 'end' })
	}, [text])

	return (
		<div
			ref={ref}
			className="live-caret whitespace-pre-wrap break-words leading-relaxed"
			data-live-reply=""
			data-connected={connected ? '' : undefined}
			aria-live="polite"
			aria-busy="true"
		>
			{text || <span className="text-fg-muted">Writing…</span>}
		</div>
	)
}
