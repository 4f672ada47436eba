/** Workflows in domain tests: saving one, starting a run, waiting for it to finish. */
import type { Run } from '#server/domain/workflows/runs.ts'
import type { Services } from '#server/services.ts'
import { waitFor } from './wait.ts'

export const edge = (from: string, fromPort: string, to: string, toPort: string) => ({
	from: { node: from, port: fromPort },
	to: { node: to, port: toPort },
})

/**
 * A definition's edges written short, in order: `wires('topic.text>ask.topic ask.text>post.prompt')` is the two
 * edges topic's "text" → ask's "topic" and ask's "text" → post's "prompt" (several strings are read one after another).
 */
export function wires(...lines: string[]) {
	return lines.flatMap(line =>
		line
			.trim()
			.split(/\s+/)
			.map(wire => {
				const [from = '', to = ''] = wire.split('>')
				const [fromNode = '', fromPort = ''] = from.split('.')
				const [toNode = '', toPort = ''] = to.split('.')
				return edge(fromNode, fromPort, toNode, toPort)
			}),
	)
}

export async function saveWorkflow(services: Services, userId: string, definition: unknown, name = 'Test workflow') {
	const created = await services.workflows.create({ id: userId }, name, definition)
	if ('refused' in created) throw new Error(`${created.message} ${JSON.stringify(created.fields ?? {})}`)
	return created.id
}

export async function startRun(services: Services, userId: string, workflowId: string): Promise<string> {
	const started = await services.workflows.runs.start({ id: userId }, workflowId)
	if ('refused' in started) throw new Error(started.message)
	return started.runId
}

/** The run once no longer queued or running, or an error naming each node's status after `timeoutMs`. */
export async function settleRun(services: Services, userId: string, runId: string, timeoutMs = 60_000): Promise<Run> {
	let last: Run | null = null
	try {
		return await waitFor(
			`run ${runId} to finish`,
			async () => {
				const run = await services.workflows.runs.get({ id: userId }, runId)
				if ('refused' in run) throw new Error(run.message)
				last = run
				return ['queued', 'running'].includes(run.status) ? null : run
			},
			{ timeoutMs, intervalMs: 100 },
		)
	} catch (error) {
		const nodes = (last as Run | null)?.nodes.map(n => [n.nodeId, n.status, n.error])
		throw new Error(`${(error as Error).message}: ${JSON.stringify(nodes)}`)
	}
}
