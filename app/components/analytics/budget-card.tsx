/** This month against the budget: what is spent, the bar, and a warning near the end of it. */
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import { BudgetBar } from './charts.tsx'
import { formatLongDay, formatUsd } from './format.ts'

export function BudgetCard({ month }: { month: AnalyticsReport['month'] }) {
	const { costMicros, budgetMicros } = month
	const share = budgetMicros > 0 ? costMicros / budgetMicros : 0
	const percent = Math.round(share * 100)
	const label =
		budgetMicros > 0
			? `This month: ${formatUsd(costMicros)} of a ${formatUsd(budgetMicros)} budget (${percent}%)`
			: `This month: ${formatUsd(costMicros)}; no budget is set`
	return (
		<section aria-labelledby="budget-heading" className="card space-y-3" data-analytics-budget="">
			<div className="flex flex-wrap items-baseline justify-between gap-2">
				<h2 id="budget-heading" className="text-sm font-medium text-fg-soft">
					This month’s budget
				</h2>
				<p className="text-xs text-fg-muted">Starts again on {formatLongDay(month.resetsOn)} (UTC)</p>
			</div>
			<p className="flex flex-wrap items-baseline gap-x-2">
				<span className="text-3xl font-semibold tabular-nums tracking-tight">{formatUsd(costMicros)}</span>
				{budgetMicros > 0 ? (
					<span className="text-sm text-fg-muted">
						of {formatUsd(budgetMicros)} {month.budgetIsDefault ? '(the default budget)' : ''} · {percent}% used
					</span>
				) : (
					<span className="text-sm text-fg-muted">spent · no budget set</span>
				)}
			</p>
			<BudgetBar spent={costMicros} budget={budgetMicros} label={label} />
			{share >= 0.9 ? (
				<p className="text-sm text-danger">
					{share >= 1 ? 'The budget is used up:' : 'Nearly all of the budget is used:'} new work that costs money is
					refused until it starts again. An admin can raise it.
				</p>
			) : null}
		</section>
	)
}
