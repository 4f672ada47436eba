/**
 * The analytics page: the range picker (./range-picker.tsx), this month against the budget (./budget-card.tsx), the
 * range's totals, and cost by day (./by-day.tsx), by capability and by model (./breakdown.tsx) — each chart with a
 * table of the same figures beside it.
 */
import type { ReactNode } from 'react'
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import type { AnalyticsRange } from '#server/domain/usage/schema.ts'
import { Download } from '#app/components/icons/index.tsx'
import { Breakdowns } from './breakdown.tsx'
import { BudgetCard } from './budget-card.tsx'
import { ByDay } from './by-day.tsx'
import { formatCompact, formatCount, formatRange, formatSeconds, formatUsd } from './format.ts'
import { measureOf } from './table-card.tsx'

export function AnalyticsHeader({ search }: { search: string | null }) {
	return (
		<header className="flex flex-wrap items-end justify-between gap-3">
			<div>
				<h1 className="text-2xl font-semibold tracking-tight">Analytics</h1>
				<p className="mt-1 text-sm text-fg-muted">
					What your generations and chats cost, by day, model and capability.
				</p>
			</div>
			{search ? (
				<a href={`/analytics.csv?${search}`} download className="btn-secondary" data-analytics-export="">
					<Download size={16} aria-hidden="true" />
					Export CSV
				</a>
			) : null}
		</header>
	)
}

function Stat({ label, value, detail }: { label: string; value: ReactNode; detail?: ReactNode }) {
	return (
		<div className="card">
			<dt className="text-xs font-medium uppercase tracking-wide text-fg-muted">{label}</dt>
			<dd className="mt-1 text-2xl font-semibold tabular-nums tracking-tight">{value}</dd>
			{detail ? <dd className="mt-0.5 text-xs text-fg-muted">{detail}</dd> : null}
		</div>
	)
}

function Empty({ range }: { range: AnalyticsRange }) {
	return (
		<section className="rounded-xl border border-dashed border-line-strong p-10 text-center" data-analytics-empty="">
			<h2 className="text-base font-semibold">Nothing used in this range</h2>
			<p className="mx-auto mt-1 max-w-md text-sm text-fg-muted">
				No provider calls from {formatRange(range.from, range.to)} (UTC). Make a picture or start a chat, and what it
				cost shows up here the moment it is done.
			</p>
			<div className="mt-4 flex flex-wrap justify-center gap-2">
				<a href="/images" className="btn">
					Make an image
				</a>
				<a href="/chat" className="btn-secondary">
					Start a chat
				</a>
			</div>
		</section>
	)
}

export function AnalyticsReportView({ report }: { report: AnalyticsReport }) {
	const { range, totals, byModel } = report
	const tokens = totals.inputTokens + totals.outputTokens
	const rangeText = formatRange(range.from, range.to)
	const measure = measureOf(totals)
	return (
		<div className="space-y-6" data-analytics-range={`${range.from}..${range.to}`}>
			<BudgetCard month={report.month} />
			<p className="text-sm text-fg-muted">
				<span className="font-medium text-fg">{rangeText}</span> · {range.days} {range.days === 1 ? 'day' : 'days'}, UTC
			</p>
			{totals.calls === 0 ? (
				<Empty range={range} />
			) : (
				<>
					<dl className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-analytics-totals="">
						<Stat
							label="Spent"
							value={<span data-analytics-total-cost="">{formatUsd(totals.costMicros)}</span>}
							detail={`${formatUsd(Math.round(totals.costMicros / range.days))} a day on average`}
						/>
						<Stat
							label="Calls"
							value={<span data-analytics-total-calls="">{formatCount(totals.calls)}</span>}
							detail={`${byModel.length} ${byModel.length === 1 ? 'model' : 'models'}`}
						/>
						<Stat
							label="Tokens"
							value={formatCompact(tokens)}
							detail={`${formatCompact(totals.inputTokens)} in · ${formatCompact(totals.outputTokens)} out`}
						/>
						<Stat
							label="Media"
							value={`${formatCount(totals.images)} ${totals.images === 1 ? 'image' : 'images'}`}
							detail={
								[
									totals.seconds > 0 ? `${formatSeconds(totals.seconds)} of audio and video` : '',
									totals.characters > 0 ? `${formatCompact(totals.characters)} characters spoken` : '',
								]
									.filter(Boolean)
									.join(' · ') || 'no audio or video'
							}
						/>
					</dl>

					<ByDay report={report} rangeText={rangeText} measure={measure} />

					<Breakdowns report={report} rangeText={rangeText} measure={measure} />
				</>
			)}
		</div>
	)
}
