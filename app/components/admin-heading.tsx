import type { ReactNode } from 'react'

/**
 * The heading of an administration page: its title (the `id` the page's section is labelled by), a line about it,
 * and on the right what the page lets you do to all of it (a search, a sync), when it has such a thing.
 */
export function AdminHeading({
	id,
	title,
	children,
	actions,
}: {
	id: string
	title: string
	/** The line under the title. */
	children: ReactNode
	actions?: ReactNode
}) {
	const heading = (
		<div>
			<h2 id={id} className="text-xl font-semibold">
				{title}
			</h2>
			<p className="text-sm text-fg-muted">{children}</p>
		</div>
	)
	if (!actions) return heading
	return (
		<div className="flex flex-wrap items-end justify-between gap-3">
			{heading}
			{actions}
		</div>
	)
}
