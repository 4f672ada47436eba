import type { ReactNode } from 'react'

/** A section named by its heading (`aria-labelledby`), so assistive technology lists it under that name. */
export function TitledSection({
	id,
	title,
	className,
	headingClassName = 'font-medium text-fg',
	children,
}: {
	id: string
	title: ReactNode
	className?: string
	/** The heading's look; a list's or a card's plain heading unless given. */
	headingClassName?: string
	children: ReactNode
}) {
	return (
		<section aria-labelledby={id} className={className}>
			<h2 id={id} className={headingClassName}>
				{title}
			</h2>
			{children}
		</section>
	)
}
