import type { ReactNode } from 'react'

/**
 * A table that may be wider than a phone: it scrolls sideways inside this region (never the page), and the
 * region takes focus so the keyboard can scroll it too (WCAG 2.1.1). `relative`: visually hidden labels inside the
 * table are positioned absolutely, and would otherwise widen the page from beyond the scrolling box.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
	return (
		<div
			className="relative overflow-x-auto rounded-xl border border-line"
			role="region"
			aria-label={label}
			// eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus.
			tabIndex={0}
		>
			{children}
		</div>
	)
}
