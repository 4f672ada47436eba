/**
 * The results side of a studio page (video, audio): while something is still being made the page refreshes itself
 * without JavaScript, a heading with the way to the library, and the results — or, before there are any, a hint
 * of what to make.
 */
import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'

export function StudioResults(props: {
	/** The heading's id, for the section's `aria-labelledby`. */
	id: string
	title: string
	pending: boolean
	count: number
	/** The icon and words of the empty state. */
	empty: { icon: ReactNode; hint: ReactNode }
	/** Above the heading (the audio studio's sound search). */
	before?: ReactNode
	children: ReactNode
}) {
	return (
		<section aria-labelledby={props.id} className="min-w-0">
			{/* Without JavaScript the page refreshes itself while something is still being made. */}
			{props.pending ? <RefreshWhilePending seconds={3} /> : null}
			{props.before}
			<div className={`${props.before ? 'mt-6 ' : ''}flex items-baseline justify-between gap-3`}>
				<h2 id={props.id} className="text-lg font-semibold">
					{props.title}
				</h2>
				{props.count > 0 ? (
					<Link to="/library" className="text-sm">
						All in the library
					</Link>
				) : null}
			</div>
			{props.count === 0 ? (
				<div className="mt-4 flex min-h-64 flex-col items-center justify-center rounded-xl border border-dashed border-line-strong p-8 text-center">
					{props.empty.icon}
					<p className="mt-3 max-w-sm text-sm text-fg-muted">{props.empty.hint}</p>
				</div>
			) : (
				props.children
			)}
		</section>
	)
}
