/**
 * The analytics page: the range picker, this month against the budget, the range's totals, and cost by day, by
 * capability and by model — each chart with a table of the same figures beside it.
 */
import type { ReactNode } from 'react'
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import type { AnalyticsRange, AnalyticsRangeKind } from '#server/domain/usage/schema.ts'
import { Download } from '#app/components/icons/index.tsx'
import { BarList, BudgetBar, DailyChart, Legend } from './charts.tsx'
import type { ChartMetric } from './charts.tsx'
import {
	capabilityColor,
	capabilityLabel,
	formatCompact,
	formatCount,
	formatDay,
	formatLongDay,
	formatRange,
	formatSeconds,
	formatUsage,
	formatUsd,
	formatWeekday,
} from './format.ts'

const PRESETS: Array<{ kind: Exclude<AnalyticsRangeKind, 'custom'>; label: string }> = [
	{ kind: 'month', label: 'This month' },
	{ kind: '30d', label: 'Last 30 days' },
]

const RANGE_ENDS = [
	{ name: 'from', label: 'From' },
	{ name: 'to', label: 'To' },
] as const

export type RangeFormState = {
	kind: AnalyticsRangeKind
	from: string
	to: string
	error?: { field: 'from' | 'to'; message: string } | undefined
}

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

/** Presets as links (shareable, no JavaScript), and a GET form for a custom range of days. */
export function RangePicker({ state }: { state: RangeFormState }) {
	const invalid = state.error
	return (
		<div className="flex flex-wrap items-end gap-3">
			<nav aria-label="Range" className="inline-flex rounded-lg border border-line bg-surface p-0.5 text-sm">
				{PRESETS.map(preset => {
					const current = state.kind === preset.kind && !invalid
					return (
						<a
							key={preset.kind}
							href={`/analytics?range=${preset.kind}`}
							aria-current={current ? 'page' : undefined}
							className={`rounded-md px-3 py-1.5 no-underline hover:no-underline ${
								current ? 'bg-raised font-medium text-fg shadow-sm' : 'text-fg-muted hover:text-fg'
							}`}
						>
							{preset.label}
						</a>
					)
				})}
			</nav>
			<form
				method="get"
				action="/analytics"
				className="flex flex-wrap items-end gap-2"
				aria-label="Custom range"
				aria-describedby={invalid ? 'range-error' : undefined}
			>
				<input type="hidden" name="range" value="custom" />
				{RANGE_ENDS.map(end => (
					<label key={end.name} className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
						{end.label}
						<input
							type="date"
							name={end.name}
							defaultValue={state[end.name]}
							required
							aria-invalid={invalid?.field === end.name ? true : undefined}
							className="field py-1.5 text-sm"
						/>
					</label>
				))}
				<button type="submit" className={`${state.kind === 'custom' && !invalid ? 'btn' : 'btn-secondary'} py-1.5`}>
					{state.kind === 'custom' && !invalid ? 'Custom range' : 'Apply'}
				</button>
			</form>
			{invalid ? (
				<p id="range-error" role="alert" className="callout-danger w-full" data-analytics-error="">
					{invalid.message}
				</p>
			) : null}
		</div>
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

function BudgetCard({ month }: { month: AnalyticsReport['month'] }) {
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

function TableCard({
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

const th = 'px-2 py-2 text-left text-xs font-medium text-fg-muted'
const thRight = `${th} text-right`
const td = 'px-2 py-1.5'
const tdRight = `${td} text-right tabular-nums`

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
	const { range, totals, byDay, byModel, byCapability } = report
	const capabilities = byCapability.map(c => c.capability)
	const tokens = totals.inputTokens + totals.outputTokens
	const rangeText = formatRange(range.from, range.to)
	// Free (demo) models cost nothing: then the charts count calls, so they still show something.
	const metric: ChartMetric = totals.costMicros > 0 ? 'cost' : 'calls'
	const value = (t: { costMicros: number; calls: number }) => (metric === 'cost' ? t.costMicros : t.calls)
	const show = (t: { costMicros: number; calls: number }) =>
		metric === 'cost' ? formatUsd(t.costMicros) : `${formatCount(t.calls)} ${t.calls === 1 ? 'call' : 'calls'}`
	const busiest = byDay.reduce<(typeof byDay)[number] | null>(
		(best, d) => (best === null || value(d) > value(best) ? d : best),
		null,
	)
	const Metric = metric === 'cost' ? 'Cost' : 'Calls'
	const weekly = report.bucket === 'week'
	const per = weekly ? 'week' : 'day'
	const dayLabel =
		`${Metric} by ${per}, ${rangeText}, stacked by capability: ${show(totals)} in all` +
		(busiest && value(busiest) > 0
			? `; the most ${weekly ? 'in the week of' : 'on'} ${formatLongDay(busiest.day)}, ${show(busiest)}.`
			: '.')
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

					<TableCard
						title={`${Metric} by ${per}`}
						id="by-day"
						wide
						description={
							<>
								{weekly ? <p className="mb-2">Weeks run Monday to Sunday (UTC); the export has every day.</p> : null}
								{metric === 'calls' ? (
									<p className="mb-2">
										Nothing in this range cost money (demo models are free), so the charts count calls.
									</p>
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

					<div className="grid gap-6">
						<Breakdown
							id="by-capability"
							title="By capability"
							description="Tokens for text, seconds for audio and video, pictures for images."
							first="Capability"
							rangeText={rangeText}
							measure={{ Metric, value, show }}
							rows={byCapability.map(c => ({
								key: c.capability,
								name: capabilityLabel(c.capability),
								capability: c.capability,
								label: (
									<span className="flex items-center gap-2">
										<span aria-hidden="true" className={`size-2.5 rounded-sm ${capabilityColor(c.capability).bg}`} />
										{capabilityLabel(c.capability)}
									</span>
								),
								totals: c,
							}))}
						/>
						<Breakdown
							id="by-model"
							title="By model"
							first="Model"
							rangeText={rangeText}
							measure={{ Metric, value, show }}
							rows={byModel.map(m => ({
								key: m.model,
								name: m.model,
								label: <span className="font-mono text-[13px]">{m.model}</span>,
								detail: m.capabilities.map(capabilityLabel).join(', '),
								totals: m,
							}))}
						/>
					</div>
				</>
			)}
		</div>
	)
}

type Totals = AnalyticsReport['totals']

/**
 * One breakdown of the range (by capability, by model): bars of the metric beside a table of every figure. The
 * chart's text alternative names the first eight.
 */
function Breakdown({
	id,
	title,
	description,
	first,
	rangeText,
	measure,
	rows,
}: {
	id: string
	title: string
	description?: string
	/** What a row is ("Model"): the first column's heading. */
	first: string
	rangeText: string
	measure: { Metric: string; value: (t: Totals) => number; show: (t: Totals) => string }
	rows: Array<{ key: string; name: string; label: ReactNode; capability?: string; detail?: string; totals: Totals }>
}) {
	const noun = first.toLowerCase()
	const named = rows
		.slice(0, 8)
		.map(row => `${row.name} ${measure.show(row.totals)}`)
		.join(', ')
	return (
		<TableCard
			title={title}
			id={id}
			description={description}
			chart={
				<BarList
					name={id}
					label={`${measure.Metric} by ${noun}, ${rangeText}: ${named}${rows.length > 8 ? ', and more' : ''}.`}
					rows={rows.map(row => ({
						key: row.key,
						...(row.capability ? { capability: row.capability } : {}),
						value: measure.value(row.totals),
						valueText: measure.show(row.totals),
						label: row.label,
					}))}
				/>
			}
		>
			<UsageTable id={id} caption={`Usage by ${noun}, ${rangeText}`} first={first} rows={rows} />
		</TableCard>
	)
}

function UsageTable({
	id,
	caption,
	first,
	rows,
}: {
	id: string
	caption: string
	first: string
	rows: Array<{ key: string; name: string; detail?: string | undefined; totals: Totals }>
}) {
	return (
		<div className="overflow-x-auto rounded-lg border border-line">
			<table className="w-full text-sm" data-analytics-table={id}>
				<caption className="sr-only">{caption}</caption>
				<thead>
					<HeaderRow
						columns={[
							{ label: first, className: th },
							{ label: 'Calls', className: thRight },
							{ label: 'Usage', className: `${th} max-sm:hidden` },
							{ label: 'Cost', className: thRight },
						]}
					/>
				</thead>
				<tbody>
					{rows.map(row => (
						<tr key={row.key} className="border-b border-line align-top last:border-0">
							<th scope="row" className={`${td} text-left font-normal`}>
								<span className="break-all">{row.name}</span>
								{row.detail ? <span className="block text-xs text-fg-muted">{row.detail}</span> : null}
								<span className="block text-xs text-fg-muted sm:hidden">{formatUsage(row.totals)}</span>
							</th>
							<td className={tdRight}>{formatCount(row.totals.calls)}</td>
							<td className={`${td} text-fg-soft max-sm:hidden`}>{formatUsage(row.totals) || '—'}</td>
							<td className={tdRight}>{formatUsd(row.totals.costMicros)}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	)
}

function HeaderRow({ columns }: { columns: Array<{ label: string; className: string }> }) {
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
