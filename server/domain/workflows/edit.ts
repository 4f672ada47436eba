/**
 * Editing a workflow one step at a time, as the form editor does without JavaScript: add a node of a kind, set a
 * node's fields and what feeds its inputs, remove a node, move it up or down. Pure and browser-safe (it imports
 * only the schema), so the graph canvas applies the same steps to the same JSON. A step that would leave a node
 * with a bad value is refused with the messages for that node; a graph that is not runnable yet (an input left
 * unconnected, a cycle) is still a draft worth keeping, and validation shows what is left to do.
 */
import * as v from 'valibot'
import {
	NODE_SPECS,
	WorkflowNodeSchema,
	inputPortsOf,
	outputPortsOf,
	type NodeKind,
	type PortType,
	type WorkflowDefinition,
	type WorkflowEdge,
	type WorkflowNode,
} from './schema.ts'

/** A field the form editor shows for a node kind (besides its name and model). */
export type FieldSpec = {
	name: string
	label: string
	input: 'text' | 'textarea' | 'int' | 'select'
	options?: readonly string[]
	description?: string
}

const prompt = (name: string, label: string, description?: string): FieldSpec => ({
	name,
	label,
	input: 'textarea',
	...(description ? { description } : {}),
})

export const NODE_FIELDS: Record<NodeKind, readonly FieldSpec[]> = {
	text: [prompt('value', 'Text')],
	library: [
		{ name: 'media', label: 'Kind', input: 'select', options: ['image', 'audio', 'video'] },
		{ name: 'generationId', label: 'Library item', input: 'text', description: 'The id of one of your library items.' },
	],
	template: [prompt('template', 'Template', 'Write {{name}} where an input goes; each name becomes an input.')],
	chat: [prompt('system', 'System prompt'), { name: 'maxTokens', label: 'Max tokens', input: 'int' }],
	image: [
		{
			name: 'size',
			label: 'Size',
			input: 'select',
			options: ['1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'],
		},
		{ name: 'n', label: 'Images', input: 'int' },
	],
	imageEdit: [],
	variation: [{ name: 'n', label: 'Variations', input: 'int' }],
	upscale: [{ name: 'scale', label: 'Scale', input: 'select', options: ['2', '4'] }],
	video: [{ name: 'durationSeconds', label: 'Length (seconds)', input: 'int' }],
	speech: [{ name: 'voice', label: 'Voice', input: 'text' }],
	music: [{ name: 'durationSeconds', label: 'Length (seconds)', input: 'int' }],
	transcribe: [],
	vision: [prompt('question', 'Question')],
	mix: [],
	collect: [],
}

/** What the editor needs of a model: the catalogue's id, name, capabilities and whether it runs here. */
export type EditorModel = { id: string; displayName: string; capabilities: readonly string[]; available?: boolean }

export const EMPTY_DEFINITION: WorkflowDefinition = { version: 1, nodes: [], edges: [] }

/** A definition as stored, read leniently: a draft may be missing pieces the editor still has to show. */
export function asDraft(raw: unknown): WorkflowDefinition {
	if (typeof raw !== 'object' || raw === null) return { ...EMPTY_DEFINITION }
	const r = raw as Partial<WorkflowDefinition>
	return {
		version: 1,
		nodes: Array.isArray(r.nodes) ? r.nodes : [],
		edges: Array.isArray(r.edges) ? r.edges : [],
		...(r.layout && typeof r.layout === 'object' ? { layout: r.layout } : {}),
	}
}

/** The first available model that can do what a kind needs (a real provider before the offline one). */
export function defaultModel(kind: NodeKind, catalogue: readonly EditorModel[]): string | null {
	const capability = NODE_SPECS[kind].capability
	if (!capability) return null
	const fits = catalogue.filter(m => m.available !== false && m.capabilities.includes(capability))
	const model = fits.find(m => !m.id.startsWith('offline:')) ?? fits[0]
	return model?.id ?? null
}

/** A new node of `kind` with a fresh id, a name and a model able to run it. */
export function newNode(
	definition: WorkflowDefinition,
	kind: NodeKind,
	catalogue: readonly EditorModel[],
): WorkflowNode {
	const ids = new Set(definition.nodes.map(n => n.id))
	const stem = kind.toLowerCase().replace(/[^a-z0-9]/g, '')
	let i = 1
	while (ids.has(`${stem}${i}`)) i++
	const id = `${stem}${i}`
	const label = NODE_SPECS[kind].label
	const sameKind = definition.nodes.filter(n => n.kind === kind).length
	const base = { id, name: sameKind === 0 ? label : `${label} ${sameKind + 1}` }
	const model = defaultModel(kind, catalogue) ?? ''
	const raw: Record<string, unknown> = { ...base, kind }
	if (NODE_SPECS[kind].capability) raw.model = model
	if (kind === 'text') raw.value = ''
	if (kind === 'template') raw.template = ''
	if (kind === 'library') Object.assign(raw, { media: 'image', generationId: '' })
	return raw as WorkflowNode
}

export type Source = { value: string; label: string; type: PortType }

/** `node.port` as a select's value. */
export const sourceValue = (node: string, port: string) => `${node}.${port}`

/** The outputs, of other nodes, that an input port of `node` could take. */
export function compatibleSources(definition: WorkflowDefinition, nodeId: string, type: PortType | 'any'): Source[] {
	const sources: Source[] = []
	for (const n of definition.nodes) {
		if (n.id === nodeId) continue
		for (const out of outputPortsOf(n)) {
			if (type !== 'any' && out.type !== type) continue
			sources.push({ value: sourceValue(n.id, out.name), label: `${n.name} → ${out.name}`, type: out.type })
		}
	}
	return sources
}

/** A node's form as posted: name, model, the kind's fields as text, and for each input port the chosen outputs. */
export type NodeForm = {
	name: string
	model?: string
	fields: Record<string, string>
	inputs: Record<string, string[]>
}

export type EditResult = { ok: true; definition: WorkflowDefinition } | { ok: false; messages: string[] }

/** The schema's own words: each message already names its field ("The number of images must be at most 4."). */
const field = (issue: v.BaseIssue<unknown>) =>
	issue.expected === 'never' ? `Unknown field “${String(issue.path?.at(-1)?.key ?? '')}”.` : issue.message

/** Sets a node's name, model and fields and replaces the edges into it; refused with the node's messages. */
export function updateNode(definition: WorkflowDefinition, nodeId: string, form: NodeForm): EditResult {
	const current = definition.nodes.find(n => n.id === nodeId)
	if (!current) return { ok: false, messages: ['That node is no longer in this workflow.'] }
	const raw: Record<string, unknown> = { id: current.id, kind: current.kind, name: form.name }
	if (NODE_SPECS[current.kind].capability) raw.model = form.model ?? ''
	for (const spec of NODE_FIELDS[current.kind]) {
		const value = form.fields[spec.name] ?? ''
		const numeric = spec.input === 'int' || (spec.input === 'select' && current.kind === 'upscale')
		if (spec.input === 'textarea' && (spec.name === 'value' || spec.name === 'template')) raw[spec.name] = value
		else if (value.trim() === '') continue
		else raw[spec.name] = numeric ? Number(value) : value.trim()
	}
	const parsed = v.safeParse(WorkflowNodeSchema, raw)
	if (!parsed.success) return { ok: false, messages: parsed.issues.map(field) }
	const node = parsed.output
	const known = new Map(definition.nodes.map(n => [n.id, n]))
	const edges: WorkflowEdge[] = definition.edges.filter(e => e.to.node !== nodeId)
	const messages: string[] = []
	for (const port of inputPortsOf(node)) {
		const chosen = (form.inputs[port.name] ?? []).filter(Boolean)
		if (!port.multiple && chosen.length > 1) messages.push(`“${port.name}” takes one input.`)
		for (const value of chosen) {
			const dot = value.lastIndexOf('.')
			const from = known.get(value.slice(0, dot))
			const out = from && outputPortsOf(from).find(p => p.name === value.slice(dot + 1))
			if (!from || !out || from.id === nodeId) {
				messages.push(`“${port.name}”: that output is not in this workflow.`)
				continue
			}
			if (port.type !== 'any' && out.type !== port.type) {
				messages.push(`“${port.name}” takes ${port.type}; ${from.name} gives ${out.type}.`)
				continue
			}
			edges.push({ from: { node: from.id, port: out.name }, to: { node: nodeId, port: port.name } })
		}
	}
	if (messages.length > 0) return { ok: false, messages }
	return {
		ok: true,
		definition: { ...definition, nodes: definition.nodes.map(n => (n.id === nodeId ? node : n)), edges },
	}
}

export function addNode(definition: WorkflowDefinition, kind: NodeKind, catalogue: readonly EditorModel[]) {
	const node = newNode(definition, kind, catalogue)
	return { definition: { ...definition, nodes: [...definition.nodes, node] }, node }
}

/** Removes a node, the edges touching it and its place on the canvas. */
export function removeNode(definition: WorkflowDefinition, nodeId: string): WorkflowDefinition {
	const layout = definition.layout ? { ...definition.layout } : undefined
	if (layout) delete layout[nodeId]
	return {
		...definition,
		nodes: definition.nodes.filter(n => n.id !== nodeId),
		edges: definition.edges.filter(e => e.from.node !== nodeId && e.to.node !== nodeId),
		...(layout ? { layout } : {}),
	}
}

/** Moves a node one place up or down the list (the order the form shows; the run follows the edges). */
export function moveNode(definition: WorkflowDefinition, nodeId: string, direction: 'up' | 'down'): WorkflowDefinition {
	const nodes = [...definition.nodes]
	const i = nodes.findIndex(n => n.id === nodeId)
	const j = direction === 'up' ? i - 1 : i + 1
	if (i < 0 || j < 0 || j >= nodes.length) return definition
	;[nodes[i], nodes[j]] = [nodes[j] as WorkflowNode, nodes[i] as WorkflowNode]
	return { ...definition, nodes }
}

/** Whether an output port's type fits an input port's (the canvas lights up only these). */
export function fits(out: PortType, input: PortType | 'any'): boolean {
	return input === 'any' || input === out
}
