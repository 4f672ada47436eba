import type { ReactNode } from 'react'

/**
 * A page showing work that is still being done keeps itself current: without JavaScript it reloads itself every
 * few seconds (a refresh `<meta>` inside `<noscript>`); with JavaScript its live updates, the children, do it.
 */
export function RefreshWhilePending({ seconds = 2, children }: { seconds?: 2 | 3; children?: ReactNode }) {
	return (
		<>
			<noscript>
				<meta httpEquiv="refresh" content={String(seconds)} />
			</noscript>
			{children}
		</>
	)
}
