/** The range by capability and by model: for each, bars of the figure beside a table of every figure. */
import type { ReactNode } from 'react'
import type { AnalyticsReport } from '#server/domain/usage/analytics.ts'
import { BarList } from './charts.tsx'
import { capabilityColor, capabilityLabel, formatCount, formatUsage, formatUsd } from './format.ts'
import { HeaderRow, TableCard, td, th, thRight, tdRight, type Measure, type Totals } from './table-card.tsx'

/** Both breakdowns, one above the other. */
export function Breakdowns({
	report,
	rangeText,
	measure,
}: {
	report: Pick<AnalyticsReport, 'byCapability' | 'byModel'>
	rangeText: string
	measure: Measure
}) {
	const breakdowns: BreakdownProps[] = [
		{
			id: 'by-capability',
			title: 'By capability',
			description: 'Tokens for text, seconds for audio and video, pictures for images.',
			first: 'Capability',
			rows: report.byCapability.map(c => ({
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
			})),
		},
		{
			id: 'by-model',
			title: 'By model',
			first: 'Model',
			rows: report.byModel.map(m => ({
				key: m.model,
				name: m.model,
				label: <span className="font-mono text-[13px]">{m.model}</span>,
				detail: m.capabilities.map(capabilityLabel).join(', '),
				totals: m,
			})),
		},
	]
	return (
		<div className="grid gap-6">
			{breakdowns.map(breakdown => (
				<Breakdown key={breakdown.id} {...breakdown} rangeText={rangeText} measure={measure} />
			))}
		</div>
	)
}

type BreakdownProps = {
	id: string
	title: string
	description?: string
	/** What a row is ("Model"): the first column's heading. */
	first: string
	rows: Array<{ key: string; name: string; label: ReactNode; capability?: string; detail?: string; totals: Totals }>
}

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
}: BreakdownProps & { rangeText: string; measure: Measure }) {
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
