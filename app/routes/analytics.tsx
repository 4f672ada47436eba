import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { requireUser } from '#app/utils/auth.server.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return await context.services.usage.summary(user)
}

export default function Analytics() {
	const { monthCostMicros, budgetMicros, byModel, byDay } = useLoaderData<typeof loader>()
	const share = budgetMicros > 0 ? Math.min(100, (monthCostMicros / budgetMicros) * 100) : 100
	const peak = Math.max(1, ...byDay.map(d => d.costMicros))
	return (
		<div className="space-y-8">
			<section>
				<h1 className="text-2xl font-bold">Analytics</h1>
				<p className="mt-2 text-fg-soft">
					This month: <strong>{formatUsd(monthCostMicros)}</strong> of your {formatUsd(budgetMicros)} budget.
				</p>
				{/* Drawn bars, not <meter>/<progress>: the browsers' own are hard to read, worst in the dark theme. */}
				<div
					role="meter"
					aria-label="Share of the monthly budget used"
					aria-valuemin={0}
					aria-valuemax={100}
					aria-valuenow={Math.round(share)}
					aria-valuetext={`${share.toFixed(0)}%`}
					className="mt-2 h-2 w-full max-w-md overflow-hidden rounded-full bg-raised"
				>
					<div
						className={`h-full rounded-full ${share >= 90 ? 'bg-danger-solid' : 'bg-accent'}`}
						style={{ width: `${share}%` }}
					/>
				</div>
			</section>
			<section aria-labelledby="by-model">
				<h2 id="by-model" className="text-lg font-semibold">
					By model
				</h2>
				{byModel.length === 0 ? (
					<p className="mt-2 text-sm text-fg-muted">No provider calls this month yet.</p>
				) : (
					<table className="mt-2 w-full max-w-2xl text-left text-sm">
						<thead className="text-fg-muted">
							<tr>
								<th className="py-1 pr-4 font-medium">Model</th>
								<th className="py-1 pr-4 font-medium">What</th>
								<th className="py-1 pr-4 text-right font-medium">Calls</th>
								<th className="py-1 text-right font-medium">Cost</th>
							</tr>
						</thead>
						<tbody>
							{byModel.map(row => (
								<tr key={`${row.model}-${row.capability}`} className="border-t border-line">
									<td className="py-1 pr-4">{row.model}</td>
									<td className="py-1 pr-4">{row.capability}</td>
									<td className="py-1 pr-4 text-right">{row.calls}</td>
									<td className="py-1 text-right">{formatUsd(row.costMicros)}</td>
								</tr>
							))}
						</tbody>
					</table>
				)}
			</section>
			{byDay.length > 0 ? (
				<section aria-labelledby="by-day">
					<h2 id="by-day" className="text-lg font-semibold">
						By day
					</h2>
					<ul className="mt-2 max-w-2xl space-y-1 text-sm">
						{byDay.map(day => (
							<li key={day.day} className="grid grid-cols-[6rem_1fr_5rem] items-center gap-2">
								<span className="text-fg-muted">{day.day}</span>
								<span aria-hidden="true" className="h-2 overflow-hidden rounded-full bg-raised">
									<span
										className="block h-full rounded-full bg-accent"
										style={{ width: `${(day.costMicros / peak) * 100}%` }}
									/>
								</span>
								<span className="text-right">{formatUsd(day.costMicros)}</span>
							</li>
						))}
					</ul>
				</section>
			) : null}
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Analytics · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
