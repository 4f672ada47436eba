import type { ReactNode } from 'react'

/** A list of records, or one muted line saying there are none yet. Each item renders its own keyed `<li>`. */
export function ItemList<T>({
	items,
	empty,
	className,
	testId,
	children,
}: {
	items: readonly T[]
	/** What shows instead of an empty list. */
	empty: ReactNode
	/** The list's look. */
	className: string
	testId?: string
	children: (item: T) => ReactNode
}) {
	if (items.length === 0) return <p className="text-sm text-fg-muted">{empty}</p>
	return (
		<ul className={className} data-testid={testId}>
			{items.map(children)}
		</ul>
	)
}
