/**
 * The tables of the administration pages: a header row on a raised band, rows divided by a line, numbers aligned
 * right in tabular figures, and the whole table scrolling sideways in its own region on a narrow screen.
 */
import type { HTMLAttributes, ReactNode, TdHTMLAttributes } from 'react'
import { ScrollRegion } from '#app/components/scroll-region.tsx'

export type Column = {
	label: ReactNode
	/** A column of numbers: aligned right. */
	numeric?: boolean
	/** More classes for the header cell (e.g. a column hidden on phones). */
	className?: string
}

export function DataTable({
	label,
	minWidth,
	columns,
	children,
}: {
	/** The scrolling region's name. */
	label: string
	/** The table's least width, as a Tailwind class (`min-w-[32rem]`): below it, the region scrolls. */
	minWidth: string
	columns: readonly Column[]
	/** The rows. */
	children: ReactNode
}) {
	return (
		<ScrollRegion label={label}>
			<table className={`w-full ${minWidth} text-left text-sm`}>
				<thead className="bg-raised text-fg-muted">
					<tr>
						{columns.map((column, i) => (
							<th
								// The labels may be elements: the position is the column.
								key={i}
								className={`px-3 py-2 ${column.numeric ? 'text-right ' : ''}font-medium ${column.className ?? ''}`}
							>
								{column.label}
							</th>
						))}
					</tr>
				</thead>
				<tbody>{children}</tbody>
			</table>
		</ScrollRegion>
	)
}

/** A cell of a `DataTable`; `numeric` aligns it right in tabular figures. */
export function Cell({
	numeric,
	className,
	children,
	...td
}: TdHTMLAttributes<HTMLTableCellElement> & { numeric?: boolean }) {
	return (
		<td {...td} className={`px-3 py-2 ${numeric ? 'text-right tabular-nums ' : ''}${className ?? ''}`}>
			{children}
		</td>
	)
}

const TONES = {
	ok: 'bg-success-soft text-success',
	bad: 'bg-danger-soft text-danger',
	muted: 'bg-raised text-fg-muted',
} as const

/** A small rounded label of a row's state (OK, Down, Disabled), coloured by its tone. */
export function Badge({
	tone,
	className,
	children,
	...span
}: HTMLAttributes<HTMLSpanElement> & { tone: keyof typeof TONES }) {
	return (
		<span {...span} className={`rounded-full px-2 py-0.5 text-xs font-medium ${TONES[tone]} ${className ?? ''}`}>
			{children}
		</span>
	)
}
