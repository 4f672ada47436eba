import type { ReactNode } from 'react'

/** One card of a settings page: a section labelled by its heading, then what it holds. */
export function SettingsCard({
	id,
	title,
	className,
	children,
}: {
	/** The heading's id, which labels the section. */
	id: string
	title: ReactNode
	/** Classes after `card`: the spacing inside, a border colour. */
	className: string
	children: ReactNode
}) {
	return (
		<section aria-labelledby={id} className={`card ${className}`}>
			<h2 id={id} className="text-lg font-semibold">
				{title}
			</h2>
			{children}
		</section>
	)
}
