import { useEffect, useRef } from 'react'
import type { MouseEvent } from 'react'

/**
 * A reply's HTML, rendered and sanitised on the server (server/markdown). Here only what needs a browser is
 * added: copy buttons on code blocks, and Mermaid diagrams, whose renderer is fetched only when one is present.
 */
export function MessageBody({ html }: { html: string }) {
	const ref = useRef<HTMLDivElement>(null)

	useEffect(() => {
		const container = ref.current
		if (!container) return
		if (navigator.clipboard) {
			for (const button of container.querySelectorAll<HTMLButtonElement>('button[data-copy]')) button.hidden = false
		}
		if (container.querySelector('[data-mermaid]')) {
			void import('#app/components/mermaid.tsx').then(({ renderMermaidBlocks }) => renderMermaidBlocks(container))
		}
	}, [html])

	function onClick(event: MouseEvent<HTMLDivElement>) {
		const target = event.target
		if (!(target instanceof Element)) return
		const button = target.closest<HTMLButtonElement>('button[data-copy]')
		const code = button?.closest('[data-code-block]')?.querySelector('code')
		if (!button || !code) return
		void navigator.clipboard.writeText(code.textContent ?? '').then(
			() => {
				button.textContent = 'Copied'
				setTimeout(() => (button.textContent = 'Copy'), 1500)
			},
			() => {
				button.textContent = 'Copy failed'
			},
		)
	}

	return (
		// The click handler only serves the copy buttons inside; the text itself is not interactive.
		// eslint-disable-next-line jsx-a11y/click-events-have-key-events, jsx-a11y/no-static-element-interactions
		<div ref={ref} className="markdown" onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />
	)
}
