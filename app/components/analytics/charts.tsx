/**
 * The analytics charts, drawn as SVG on the server (docs/decisions/030-usage-analytics.md): no chart library and
 * no JavaScript, so they read the same with scripts off. Each SVG stretches to its box (`preserveAspectRatio=
 * "none"`, strokes that do not scale) and its words are HTML beside it, so text never shrinks on a phone. Each
 * has role="img" and a summary in its aria-label; the figures themselves are in the table that goes with it.
 */
import type { ReactNode } from 'react'
import { capabilityColor, capabilityLabel, formatDay, formatUsd } from './format.ts'

/** A round number at or above `value`, for the top of an axis: 1, 2, 2.5, 5 × 10ⁿ. */
export function niceCeiling(value: number): number {
	if (value <= 0) return 1
	const power = 10 ** Math.floor(Math.log10(value))
	for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power
	return 10 * power
}

export type DayBar = {
	day: string
	to: string
	costMicros: number
	calls: number
	costByCapability: Record<string, number>
	callsByCapability: Record<string, number>
}

/** What the bars measure: money, or — when nothing in the range cost any (free demo models) — calls. */
export type ChartMetric = 'cost' | 'calls'

const formatCalls = (n: number) => `${Number(n.toFixed(1))}`

const BAR_SLOT = 10
const BAR_GAP_RATIO = 0.25

/** Cost (or calls) by day, each bar stacked by capability, with the axis's top and middle and the first and last day. */
export function DailyChart({
	days,
	capabilities,
	label,
	metric,
}: {
	days: DayBar[]
	/** Stacking order, bottom first (the biggest spenders). */
	capabilities: string[]
	label: string
	metric: ChartMetric
}) {
	const total = (d: DayBar) => (metric === 'cost' ? d.costMicros : d.calls)
	const part = (d: DayBar, capability: string) =>
		(metric === 'cost' ? d.costByCapability[capability] : d.callsByCapability[capability]) ?? 0
	const axis = metric === 'cost' ? formatUsd : formatCalls
	const peak = Math.max(0, ...days.map(total))
	const top = metric === 'cost' ? niceCeiling(peak) : Math.max(2, niceCeiling(peak))
	const width = Math.max(1, days.length) * BAR_SLOT
	const gap = days.length > 120 ? 0 : BAR_SLOT * BAR_GAP_RATIO
	const middle = days[Math.floor((days.length - 1) / 2)]
	return (
		<div className="grid grid-cols-[auto_1fr] gap-x-2">
			<div aria-hidden="true" className="relative w-12 text-right text-xs tabular-nums text-fg-muted">
				<span className="absolute right-0 top-0 -translate-y-1/2">{axis(top)}</span>
				<span className="absolute right-0 top-1/2 -translate-y-1/2">{axis(top / 2)}</span>
				<span className="absolute bottom-0 right-0 translate-y-1/2">{metric === 'cost' ? '$0' : '0'}</span>
			</div>
			<svg
				role="img"
				aria-label={label}
				viewBox={`0 0 ${width} 100`}
				preserveAspectRatio="none"
				className="h-48 w-full overflow-visible sm:h-56"
				data-chart={`${metric}-by-day`}
			>
				<title>{label}</title>
				{[0, 50, 100].map(y => (
					<line
						key={y}
						x1={0}
						x2={width}
						y1={y}
						y2={y}
						vectorEffect="non-scaling-stroke"
						className={y === 100 ? 'stroke-line-strong' : 'stroke-line'}
						strokeDasharray={y === 100 ? undefined : '3 3'}
						strokeWidth={1}
					/>
				))}
				{days.map((day, i) => {
					let y = 100
					const x = i * BAR_SLOT + gap / 2
					return (
						<g key={day.day} data-day={day.day}>
							<title>{`${formatDay(day.day)}${day.to === day.day ? '' : `–${formatDay(day.to)}`}: ${formatUsd(day.costMicros)}, ${day.calls} ${day.calls === 1 ? 'call' : 'calls'}`}</title>
							{/* a full-height target, so the tooltip shows on hover over the empty part too */}
							<rect x={i * BAR_SLOT} y={0} width={BAR_SLOT} height={100} className="fill-transparent" />
							{capabilities.map(capability => {
								const value = part(day, capability)
								if (value <= 0) return null
								const h = (value / top) * 100
								y -= h
								return (
									<rect
										key={capability}
										x={x}
										y={y}
										width={BAR_SLOT - gap}
										height={h}
										className={capabilityColor(capability).fill}
									/>
								)
							})}
						</g>
					)
				})}
			</svg>
			<div />
			<div aria-hidden="true" className="mt-2 flex justify-between text-xs tabular-nums text-fg-muted">
				<span>{days[0] ? formatDay(days[0].day) : ''}</span>
				{days.length > 2 && middle ? <span>{formatDay(middle.day)}</span> : null}
				<span>{days.length > 1 && days.at(-1) ? formatDay(days.at(-1)?.day ?? '') : ''}</span>
			</div>
		</div>
	)
}

/** Which colour is which capability. */
export function Legend({ capabilities }: { capabilities: string[] }) {
	return (
		<ul aria-label="Colours" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-fg-soft">
			{capabilities.map(capability => (
				<li key={capability} className="flex items-center gap-1.5">
					<span aria-hidden="true" className={`size-2.5 rounded-sm ${capabilityColor(capability).bg}`} />
					{capabilityLabel(capability)}
				</li>
			))}
		</ul>
	)
}

export type BarRow = { key: string; label: ReactNode; value: number; valueText: string; capability?: string }

const ROW = 36

/**
 * Horizontal bars behind their labels, longest first (a usage page's "top models" list): the SVG draws the bars,
 * the names and amounts are HTML over them.
 */
export function BarList({ rows, label, name }: { rows: BarRow[]; label: string; name: string }) {
	const peak = Math.max(1, ...rows.map(r => r.value))
	const height = rows.length * ROW
	return (
		<div className="relative" style={{ height }}>
			<svg
				role="img"
				aria-label={label}
				viewBox={`0 0 100 ${height}`}
				preserveAspectRatio="none"
				className="absolute inset-0 h-full w-full"
				data-chart={name}
			>
				<title>{label}</title>
				{rows.map((row, i) => (
					<rect
						key={row.key}
						x={0}
						y={i * ROW + 3}
						width={Math.max(0.5, (row.value / peak) * 100)}
						height={ROW - 6}
						rx={0}
						className={`${row.capability ? capabilityColor(row.capability).fill : 'fill-accent'} opacity-25`}
					/>
				))}
			</svg>
			<ul aria-hidden="true" className="relative">
				{rows.map(row => (
					<li key={row.key} className="flex items-center justify-between gap-3 px-2.5 text-sm" style={{ height: ROW }}>
						<span className="min-w-0 truncate">{row.label}</span>
						<span className="shrink-0 tabular-nums text-fg-soft">{row.valueText}</span>
					</li>
				))}
			</ul>
		</div>
	)
}

/** The budget: this month's spend as a share of it, amber from 75 %, red from 90 %. */
export function BudgetBar({ spent, budget, label }: { spent: number; budget: number; label: string }) {
	const share = budget > 0 ? Math.min(1, spent / budget) : 1
	const tone = share >= 0.9 ? 'fill-danger-solid' : share >= 0.75 ? 'fill-amber-500' : 'fill-accent'
	return (
		<svg
			role="img"
			aria-label={label}
			viewBox="0 0 100 8"
			preserveAspectRatio="none"
			className="h-2 w-full overflow-hidden rounded-full"
			data-chart="budget"
		>
			<title>{label}</title>
			<rect x={0} y={0} width={100} height={8} className="fill-raised" />
			<rect x={0} y={0} width={share * 100} height={8} className={tone} />
		</svg>
	)
}
