/** The range by day (by week for a long range): a stacked chart of the figure beside a table of calls and cost. */
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import { DailyChart, Legend } from './charts.tsx'
import { formatCount, formatDay, formatLongDay, formatUsd, formatWeekday } from './format.ts'
import { HeaderRow, TableCard, td, th, thRight, tdRight, type Measure } from './table-card.tsx'

export function ByDay({
	report,
	rangeText,
	measure,
}: {
	report: Pick<AnalyticsReport, 'bucket' | 'byDay' | 'byCapability' | 'totals'>
	rangeText: string
	measure: Measure
}) {
	const { byDay, totals } = report
	const { metric, Metric, value, show } = measure
	const capabilities = report.byCapability.map(c => c.capability)
	const busiest = byDay.reduce<(typeof byDay)[number] | null>(
		(best, d) => (best === null || value(d) > value(best) ? d : best),
		null,
	)
	const weekly = report.bucket === 'week'
	const per = weekly ? 'week' : 'day'
	const dayLabel =
		`${Metric} by ${per}, ${rangeText}, stacked by capability: ${show(totals)} in all` +
		(busiest && value(busiest) > 0
			? `; the most ${weekly ? 'in the week of' : 'on'} ${formatLongDay(busiest.day)}, ${show(busiest)}.`
			: '.')
	return (
		<TableCard
			title={`${Metric} by ${per}`}
			id="by-day"
			wide
			description={
				<>
					{weekly ? <p className="mb-2">Weeks run Monday to Sunday (UTC); the export has every day.</p> : null}
					{metric === 'calls' ? (
						<p className="mb-2">Nothing in this range cost money (demo models are free), so the charts count calls.</p>
					) : null}
					<Legend capabilities={capabilities} />
				</>
			}
			chart={<DailyChart days={byDay} capabilities={capabilities} label={dayLabel} metric={metric} />}
		>
			<div
				className="max-h-72 overflow-auto rounded-lg border border-line"
				// eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus (WCAG 2.1.1).
				tabIndex={0}
				role="region"
				aria-labelledby="by-day-caption"
			>
				<table className="w-full text-sm" data-analytics-table="by-day">
					<caption id="by-day-caption" className="sr-only">
						Cost and calls by {per} (UTC), {rangeText}
					</caption>
					<thead className="sticky top-0 bg-surface">
						<HeaderRow
							columns={[
								{ label: weekly ? 'Week' : 'Day', className: th },
								{ label: 'Calls', className: thRight },
								{ label: 'Cost', className: thRight },
							]}
						/>
					</thead>
					<tbody>
						{byDay.map(day => (
							<tr
								key={day.day}
								className={`border-b border-line last:border-0 ${day.calls === 0 ? 'text-fg-muted' : ''}`}
							>
								<th scope="row" className={`${td} text-left font-normal`}>
									{weekly ? (
										<>
											<time dateTime={day.day}>{formatDay(day.day)}</time>–
											<time dateTime={day.to}>{formatDay(day.to)}</time>
										</>
									) : (
										<time dateTime={day.day}>{formatWeekday(day.day)}</time>
									)}
								</th>
								<td className={tdRight}>{formatCount(day.calls)}</td>
								<td className={tdRight}>{formatUsd(day.costMicros)}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</TableCard>
	)
}
