/** What the sections with a chart and a table share: the card that holds both, the table cells, and the figure shown. */
import type { ReactNode } from 'react'
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import type { ChartMetric } from './charts.tsx'
import { formatCount, formatUsd } from './format.ts'

export type Totals = AnalyticsReport['totals']

/**
 * The figure the charts show, in words and as a number. Free (demo) models cost nothing: then the charts count
 * calls, so they still show something.
 */
export type Measure = {
	metric: ChartMetric
	/** "Cost" or "Calls", for headings and text alternatives. */
	Metric: string
	value: (t: { costMicros: number; calls: number }) => number
	show: (t: { costMicros: number; calls: number }) => string
}

export function measureOf(totals: Totals): Measure {
	const metric: ChartMetric = totals.costMicros > 0 ? 'cost' : 'calls'
	return {
		metric,
		Metric: metric === 'cost' ? 'Cost' : 'Calls',
		value: t => (metric === 'cost' ? t.costMicros : t.calls),
		show: t =>
			metric === 'cost' ? formatUsd(t.costMicros) : `${formatCount(t.calls)} ${t.calls === 1 ? 'call' : 'calls'}`,
	}
}

export function TableCard({
	title,
	id,
	description,
	chart,
	children,
	wide = false,
}: {
	title: string
	id: string
	description?: ReactNode
	chart: ReactNode
	children: ReactNode
	wide?: boolean
}) {
	return (
		<section aria-labelledby={id} className="card space-y-4" data-analytics-section={id}>
			<div>
				<h2 id={id} className="text-base font-semibold">
					{title}
				</h2>
				{description ? <div className="mt-1 text-sm text-fg-muted">{description}</div> : null}
			</div>
			<div className={`grid gap-6 ${wide ? 'xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]' : 'lg:grid-cols-2'}`}>
				<div className="min-w-0">{chart}</div>
				<div className="min-w-0">{children}</div>
			</div>
		</section>
	)
}

export const th = 'px-2 py-2 text-left text-xs font-medium text-fg-muted'
export const thRight = `${th} text-right`
export const td = 'px-2 py-1.5'
export const tdRight = `${td} text-right tabular-nums`

export function HeaderRow({ columns }: { columns: Array<{ label: string; className: string }> }) {
	return (
		<tr className="border-b border-line">
			{columns.map(column => (
				<th key={column.label} scope="col" className={column.className}>
					{column.label}
				</th>
			))}
		</tr>
	)
}
