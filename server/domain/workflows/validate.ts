/**
 * Checks a workflow definition and lists every problem at once, each with the name of the node it concerns, so
 * the form editor can show it beside that node: a field a kind does not have, a bad value, an edge to a node or
 * port that does not exist, a port type mismatch, two edges into a port that takes one, a required input left
 * unconnected, a model that does not exist or cannot do what the node needs, and cycles. Pure: the models
 * catalogue is passed in, so a page may run the same checks.
 */
import * as v from 'valibot'
import {
	LayoutSchema,
	NODE_SPECS,
	WORKFLOW_VERSION,
	WorkflowEdgeSchema,
	WorkflowNodeSchema,
	inputPortsOf,
	modelOf,
	outputPortsOf,
	type InputPort,
	type WorkflowDefinition,
	type WorkflowEdge,
	type WorkflowNode,
} from './schema.ts'

export type ProblemCode =
	| 'invalid'
	| 'unknown_field'
	| 'duplicate_id'
	| 'unknown_node'
	| 'unknown_port'
	| 'port_type'
	| 'too_many_inputs'
	| 'unconnected'
	| 'unknown_model'
	| 'capability'
	| 'unavailable'
	| 'cycle'
	| 'empty'
	/** A library node's item does not exist or is not the person's (checked by the domain, not here). */
	| 'not_yours'

export type WorkflowProblem = {
	code: ProblemCode
	/** The node's id and name, or null for a problem of the whole workflow. */
	nodeId: string | null
	node: string | null
	message: string
}

/** What validation needs of a catalogue model. */
export type CatalogueModel = { id: string; displayName: string; capabilities: readonly string[]; available?: boolean }

export type ValidWorkflow = {
	ok: true
	definition: WorkflowDefinition
	/** Node ids in an order where every node comes after everything it takes input from. */
	order: string[]
}
export type InvalidWorkflow = { ok: false; problems: WorkflowProblem[] }

const CAPABILITY_WORDS: Record<string, string> = {
	chat: 'chat',
	image: 'make images',
	imageEdit: 'edit images',
	upscale: 'upscale images',
	video: 'make video',
	speech: 'speak text',
	music: 'make music',
	transcribe: 'transcribe audio',
	vision: 'look at images',
}

function issueMessage(issue: v.BaseIssue<unknown>): { code: ProblemCode; message: string } {
	const last = issue.path?.[issue.path.length - 1]
	if (issue.expected === 'never' && last && typeof last.key === 'string')
		return { code: 'unknown_field', message: `Unknown field “${last.key}”.` }
	const field = issue.path
		?.map(p => p.key)
		.filter(k => typeof k === 'string')
		.join('.')
	return { code: 'invalid', message: field ? `${field}: ${issue.message}` : issue.message }
}

function nodeLabel(raw: unknown, index: number): { id: string | null; name: string } {
	if (typeof raw === 'object' && raw !== null) {
		const r = raw as { id?: unknown; name?: unknown }
		const id = typeof r.id === 'string' ? r.id : null
		if (typeof r.name === 'string' && r.name.trim()) return { id, name: r.name.trim() }
		if (id) return { id, name: id }
	}
	return { id: null, name: `Node ${index + 1}` }
}

/** Validates `input` (parsed JSON, any shape) against the schema and the graph rules and the catalogue. */
export function validateWorkflow(
	input: unknown,
	catalogue: readonly CatalogueModel[],
): ValidWorkflow | InvalidWorkflow {
	const problems: WorkflowProblem[] = []
	const whole = (message: string, code: ProblemCode = 'invalid') =>
		problems.push({ code, nodeId: null, node: null, message })
	/** A problem of one node (none: of the workflow as a whole). */
	const about = (node: { id: string; name: string } | null | undefined, code: ProblemCode, message: string) =>
		problems.push({ code, nodeId: node?.id ?? null, node: node?.name ?? null, message })

	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		whole('A workflow is an object with version, nodes and edges.')
		return { ok: false, problems }
	}
	const raw = input as Record<string, unknown>
	for (const key of Object.keys(raw))
		if (key !== 'version' && key !== 'nodes' && key !== 'edges' && key !== 'layout')
			whole(`Unknown field “${key}”.`, 'unknown_field')
	if (raw.layout !== undefined) {
		const layout = v.safeParse(LayoutSchema, raw.layout)
		if (!layout.success) whole(`layout: ${layout.issues[0]?.message ?? 'not a layout.'}`)
	}
	if (raw.version !== WORKFLOW_VERSION) whole(`This workflow is version ${WORKFLOW_VERSION}.`)
	const rawNodes = Array.isArray(raw.nodes) ? raw.nodes : (whole('A workflow has a list of nodes.'), [])
	const rawEdges = Array.isArray(raw.edges) ? raw.edges : (whole('A workflow has a list of edges.'), [])
	if (rawNodes.length > 500) whole('A workflow has at most 500 nodes.')
	if (rawEdges.length > 4000) whole('A workflow has at most 4,000 edges.')

	// Nodes one by one, so one bad node does not hide the problems of the others.
	const nodes: WorkflowNode[] = []
	const byId = new Map<string, WorkflowNode>()
	/** Every id a node claims, valid or not, so edges to a node with its own problems are not reported again. */
	const knownIds = new Set<string>()
	rawNodes.forEach((rawNode, index) => {
		const label = nodeLabel(rawNode, index)
		const parsed = v.safeParse(WorkflowNodeSchema, rawNode)
		if (!parsed.success) {
			for (const issue of parsed.issues) problems.push({ ...issueMessage(issue), nodeId: label.id, node: label.name })
			if (label.id) knownIds.add(label.id)
			return
		}
		const n = parsed.output
		if (knownIds.has(n.id)) {
			about(n, 'duplicate_id', `Another node already has the id “${n.id}”.`)
			return
		}
		byId.set(n.id, n)
		knownIds.add(n.id)
		nodes.push(n)
	})
	if (rawNodes.length === 0 && Array.isArray(raw.nodes)) whole('Add at least one node.', 'empty')

	// Models: they exist and can do what the node needs.
	const models = new Map(catalogue.map(m => [m.id, m]))
	for (const n of nodes) {
		const id = modelOf(n)
		const capability = NODE_SPECS[n.kind].capability
		if (id === null || capability === null) continue
		const found = models.get(id)
		if (!found) {
			about(n, 'unknown_model', `There is no model called ${id}.`)
		} else if (!found.capabilities.includes(capability)) {
			about(
				n,
				'capability',
				`${found.displayName} cannot ${CAPABILITY_WORDS[capability] ?? capability}; pick another model.`,
			)
		} else if (found.available === false) {
			about(n, 'unavailable', `${found.displayName} is not available on this server; pick another model.`)
		}
	}

	// Edges: both ends exist, types match, single ports take one edge.
	const edges: WorkflowEdge[] = []
	const incoming = new Map<string, number>()
	rawEdges.forEach((rawEdge, index) => {
		const parsed = v.safeParse(WorkflowEdgeSchema, rawEdge)
		if (!parsed.success) {
			for (const issue of parsed.issues) {
				const m = issueMessage(issue)
				problems.push({ ...m, nodeId: null, node: null, message: `Edge ${index + 1}: ${m.message}` })
			}
			return
		}
		const e = parsed.output
		const from = byId.get(e.from.node)
		const to = byId.get(e.to.node)
		if (!knownIds.has(e.from.node) || !knownIds.has(e.to.node)) {
			const missing = !knownIds.has(e.from.node) ? e.from.node : e.to.node
			const at = to ?? from ?? null
			about(at, 'unknown_node', `Edge ${index + 1} refers to a node “${missing}” that is not in this workflow.`)
			return
		}
		if (!from || !to) {
			// An end failed its own checks (already reported): count the input as connected, so that one
			// problem is not reported again as an unconnected input.
			if (to) incoming.set(`${to.id}\u0000${e.to.port}`, (incoming.get(`${to.id}\u0000${e.to.port}`) ?? 0) + 1)
			return
		}
		const out = outputPortsOf(from).find(p => p.name === e.from.port)
		const inp: InputPort | undefined = inputPortsOf(to).find(p => p.name === e.to.port)
		if (!out) {
			about(from, 'unknown_port', `${from.name} has no output “${e.from.port}”.`)
			return
		}
		if (!inp) {
			about(to, 'unknown_port', `${to.name} has no input “${e.to.port}”.`)
			return
		}
		if (inp.type !== 'any' && inp.type !== out.type) {
			about(
				to,
				'port_type',
				`${to.name}’s input “${inp.name}” takes ${inp.type}, but ${from.name}’s “${out.name}” gives ${out.type}.`,
			)
			return
		}
		const key = `${to.id}\u0000${inp.name}`
		const count = (incoming.get(key) ?? 0) + 1
		incoming.set(key, count)
		if (count > 1 && !inp.multiple) {
			about(to, 'too_many_inputs', `${to.name}’s input “${inp.name}” takes one connection.`)
			return
		}
		edges.push(e)
	})

	// Required inputs.
	for (const n of nodes) {
		for (const port of inputPortsOf(n)) {
			if (port.required && !incoming.has(`${n.id}\u0000${port.name}`))
				about(n, 'unconnected', `${n.name} needs its “${port.name}” input connected.`)
		}
	}

	// Cycles, and the order to run in.
	const { order, cycles } = topologicalOrder(nodes, edges)
	for (const cycle of cycles) {
		const names = cycle.map(id => byId.get(id)?.name ?? id)
		const first = byId.get(cycle[0] ?? '')
		about(
			first,
			'cycle',
			names.length === 1 ? `${names[0]} takes its own output.` : `These nodes form a cycle: ${names.join(' → ')}.`,
		)
	}

	if (problems.length > 0) return { ok: false, problems }
	const layout = v.safeParse(LayoutSchema, raw.layout)
	const definition: WorkflowDefinition = { version: WORKFLOW_VERSION, nodes, edges }
	if (raw.layout !== undefined && layout.success) definition.layout = layout.output
	return { ok: true, definition, order }
}

/**
 * Kahn's algorithm for the order; the nodes it cannot place are split into their strongly connected
 * components (Tarjan), and each component with more than one node, or a node feeding itself, is a cycle.
 */
export function topologicalOrder(
	nodes: readonly WorkflowNode[],
	edges: readonly WorkflowEdge[],
): { order: string[]; cycles: string[][] } {
	const next = new Map<string, string[]>()
	const indegree = new Map<string, number>()
	for (const n of nodes) {
		next.set(n.id, [])
		indegree.set(n.id, 0)
	}
	for (const e of edges) {
		next.get(e.from.node)?.push(e.to.node)
		indegree.set(e.to.node, (indegree.get(e.to.node) ?? 0) + 1)
	}
	const queue = nodes.filter(n => indegree.get(n.id) === 0).map(n => n.id)
	const order: string[] = []
	for (let i = 0; i < queue.length; i++) {
		const id = queue[i] as string
		order.push(id)
		for (const to of next.get(id) ?? []) {
			const d = (indegree.get(to) ?? 0) - 1
			indegree.set(to, d)
			if (d === 0) queue.push(to)
		}
	}
	if (order.length === nodes.length) return { order, cycles: [] }

	const placed = new Set(order)
	const rest = nodes.map(n => n.id).filter(id => !placed.has(id))
	const index = new Map<string, number>()
	const low = new Map<string, number>()
	const stack: string[] = []
	const onStack = new Set<string>()
	const cycles: string[][] = []
	let counter = 0
	const visit = (id: string) => {
		index.set(id, counter)
		low.set(id, counter)
		counter++
		stack.push(id)
		onStack.add(id)
		for (const to of next.get(id) ?? []) {
			if (placed.has(to)) continue
			if (!index.has(to)) {
				visit(to)
				low.set(id, Math.min(low.get(id) ?? 0, low.get(to) ?? 0))
			} else if (onStack.has(to)) {
				low.set(id, Math.min(low.get(id) ?? 0, index.get(to) ?? 0))
			}
		}
		if (low.get(id) === index.get(id)) {
			const component: string[] = []
			let top: string | undefined
			do {
				top = stack.pop()
				if (top === undefined) break
				onStack.delete(top)
				component.push(top)
			} while (top !== id)
			component.reverse()
			if (component.length > 1 || (next.get(id) ?? []).includes(id)) cycles.push(component)
		}
	}
	for (const id of rest) if (!index.has(id)) visit(id)
	return { order, cycles }
}
