/** A definition as a graph: who feeds whom, what lies downstream, and a form of it that compares equal. */
import type { WorkflowDefinition } from './schema.ts'

/** JSON with sorted keys: two definitions read back from different places compare equal when they are. */
export function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
	if (value && typeof value === 'object')
		return `{${Object.keys(value)
			.sort()
			.map(k => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
			.join(',')}}`
	return JSON.stringify(value) ?? 'null'
}

/** Every node downstream of `from` (not `from` itself). */
export function downstreamOf(definition: WorkflowDefinition, from: string): Set<string> {
	const { downstream } = graph(definition)
	const seen = new Set<string>()
	const queue = [...(downstream.get(from) ?? [])]
	while (queue.length > 0) {
		const id = queue.shift() as string
		if (seen.has(id)) continue
		seen.add(id)
		queue.push(...(downstream.get(id) ?? []))
	}
	return seen
}

/** The nodes each node takes input from, and those that take input from it. */
export function graph(definition: WorkflowDefinition) {
	const upstream = new Map<string, Set<string>>()
	const downstream = new Map<string, Set<string>>()
	for (const n of definition.nodes) {
		upstream.set(n.id, new Set())
		downstream.set(n.id, new Set())
	}
	for (const e of definition.edges) {
		upstream.get(e.to.node)?.add(e.from.node)
		downstream.get(e.from.node)?.add(e.to.node)
	}
	return { upstream, downstream }
}
