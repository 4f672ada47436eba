/** The range of the analytics page: presets as links, and a GET form for a custom range of days. */
import type { AnalyticsRangeKind } from '#server/domain/usage/schema.ts'

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
