/**
 * The editor's "Run" and "Runs" cards: the price of a run node by node (or why there is none yet), the run
 * button, a refused run's reason, and the workflow's past runs.
 */
import { Form, Link } from '@remix-run/react'
import { Play } from '#app/components/icons/index.tsx'
import { StatusBadge } from '#app/components/generation-output.tsx'
import { ItemList } from '#app/components/item-list.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import type { WorkflowEstimate } from '#server/domain/workflows/estimate.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { priceRange } from './node-card.tsx'

export type RunSummary = {
	id: string
	status: Parameters<typeof StatusBadge>[0]['status']
	createdAt: string | Date
	costMicros: number
}

const when = (d: Date | string) => new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

export function RunPanel({
	workflowId,
	estimate,
	nodeCount,
	problemCount,
	refused,
	runs,
}: {
	workflowId: string
	estimate: WorkflowEstimate | null
	nodeCount: number
	problemCount: number
	refused: string | null
	runs: readonly RunSummary[]
}) {
	return (
		<>
			<TitledSection id="run-heading" title="Run" className="card space-y-3">
				{estimate ? (
					<>
						<table className="w-full text-sm" data-testid="estimate">
							<tbody>
								{estimate.nodes.map(n => (
									<tr key={n.nodeId}>
										<td className="py-0.5 pr-2 text-fg-soft">{n.name}</td>
										<td className="py-0.5 text-right tabular-nums text-fg-muted">
											{priceRange(n.minMicros, n.maxMicros)}
										</td>
									</tr>
								))}
							</tbody>
							<tfoot>
								<tr className="border-t border-line font-medium">
									<td className="pt-1">Total</td>
									<td className="pt-1 text-right tabular-nums" data-testid="estimate-total">
										{priceRange(estimate.minMicros, estimate.maxMicros)}
									</td>
								</tr>
							</tfoot>
						</table>
						<p className="text-xs text-fg-muted">
							Checked against your monthly budget at its upper end before anything is called.
						</p>
					</>
				) : (
					<p className="text-sm text-fg-muted">
						{nodeCount === 0
							? 'Add nodes to see what a run costs.'
							: `Fix ${problemCount === 1 ? 'the problem' : `the ${problemCount} problems`} shown beside the nodes to see the price and run.`}
					</p>
				)}
				{refused ? (
					<p role="alert" className="callout-danger" data-testid="run-refused">
						{refused}
					</p>
				) : null}
				<Form method="post">
					<button type="submit" name="intent" value="run" className="btn w-full" disabled={!estimate}>
						<Play aria-hidden="true" className="size-4" /> Run workflow
					</button>
				</Form>
			</TitledSection>
			<TitledSection id="history" title="Runs" className="card space-y-2">
				<ItemList items={runs} empty="Not run yet." className="divide-y divide-line text-sm" testId="run-history">
					{r => (
						<li key={r.id} className="flex items-center gap-2 py-1.5">
							<StatusBadge status={r.status} />
							<Link to={`/workflows/${workflowId}/runs/${r.id}`} className="min-w-0 flex-1 truncate">
								{when(r.createdAt)}
							</Link>
							<span className="tabular-nums text-fg-muted">{formatUsd(r.costMicros)}</span>
						</li>
					)}
				</ItemList>
			</TitledSection>
		</>
	)
}
