/**
 * A workflow: a directed acyclic graph of typed nodes, stored as versioned JSON in `workflows.definition`.
 * This module is the one schema for it (the form editor, the canvas, import and the server all use it) and
 * the table of node kinds: what each kind takes (typed input ports), what it makes (typed output ports), which
 * model capability it needs and which fields it has. It imports nothing from the server, so a page may bundle
 * it; the graph checks that need the models catalogue are in `validate.ts`.
 */
import * as v from 'valibot'
// Values from providers' types module are plain constants (it imports nothing), so this stays safe in a page.
import { MEDIA_CAPABILITIES, type Capability } from '#server/providers/types.ts'
import { isUuid } from '#server/uuid.ts'

export const WORKFLOW_VERSION = 1

export const PORT_TYPES = ['text', 'image', 'audio', 'video'] as const
export type PortType = (typeof PORT_TYPES)[number]

export const NODE_KINDS = [
	'text',
	'library',
	'template',
	'chat',
	'image',
	'imageEdit',
	'variation',
	...MEDIA_CAPABILITIES,
	'mix',
	'collect',
] as const
export type NodeKind = (typeof NODE_KINDS)[number]

/** A model capability a node asks for: the catalogue's, but for titles (a chat's own business). */
export type NodeCapability = Exclude<Capability, 'title'>

/**
 * An input port: the type it accepts (`any` for collect), whether a run needs it connected, and whether it takes
 * several edges (mix's tracks, collect's items).
 */
export type InputPort = { name: string; type: PortType | 'any'; required: boolean; multiple: boolean }
export type OutputPort = { name: string; type: PortType }

export type KindSpec = {
	label: string
	capability: NodeCapability | null
	inputs: readonly InputPort[]
	outputs: readonly OutputPort[]
}

const one = (name: string, type: PortType, required = true): InputPort => ({ name, type, required, multiple: false })

/** Every node kind: its ports and capability. A template's inputs are its `{{slots}}` (see `inputPortsOf`). */
export const NODE_SPECS: Record<NodeKind, KindSpec> = {
	text: { label: 'Text input', capability: null, inputs: [], outputs: [{ name: 'text', type: 'text' }] },
	// Its one output port is named and typed after the item's media (see `outputPortsOf`).
	library: { label: 'From the library', capability: null, inputs: [], outputs: [{ name: 'image', type: 'image' }] },
	template: { label: 'Prompt template', capability: null, inputs: [], outputs: [{ name: 'text', type: 'text' }] },
	chat: {
		label: 'Chat model',
		capability: 'chat',
		inputs: [one('prompt', 'text'), one('system', 'text', false)],
		outputs: [{ name: 'text', type: 'text' }],
	},
	image: {
		label: 'Image',
		capability: 'image',
		inputs: [one('prompt', 'text')],
		outputs: [{ name: 'image', type: 'image' }],
	},
	imageEdit: {
		label: 'Image edit',
		capability: 'imageEdit',
		inputs: [one('image', 'image'), one('prompt', 'text')],
		outputs: [{ name: 'image', type: 'image' }],
	},
	variation: {
		label: 'Image variation',
		capability: 'imageEdit',
		inputs: [one('image', 'image'), one('prompt', 'text', false)],
		outputs: [{ name: 'image', type: 'image' }],
	},
	upscale: {
		label: 'Upscale',
		capability: 'upscale',
		inputs: [one('image', 'image')],
		outputs: [{ name: 'image', type: 'image' }],
	},
	video: {
		label: 'Image to video',
		capability: 'video',
		inputs: [one('image', 'image'), one('prompt', 'text')],
		outputs: [{ name: 'video', type: 'video' }],
	},
	speech: {
		label: 'Speech',
		capability: 'speech',
		inputs: [one('text', 'text')],
		outputs: [{ name: 'audio', type: 'audio' }],
	},
	music: {
		label: 'Music',
		capability: 'music',
		inputs: [one('prompt', 'text')],
		outputs: [{ name: 'audio', type: 'audio' }],
	},
	transcribe: {
		label: 'Transcribe',
		capability: 'transcribe',
		inputs: [one('audio', 'audio')],
		outputs: [{ name: 'text', type: 'text' }],
	},
	vision: {
		label: 'Analyse an image',
		capability: 'vision',
		inputs: [one('image', 'image'), one('prompt', 'text', false)],
		outputs: [{ name: 'text', type: 'text' }],
	},
	mix: {
		label: 'Mix',
		capability: null,
		inputs: [{ name: 'tracks', type: 'audio', required: true, multiple: true }],
		outputs: [{ name: 'audio', type: 'audio' }],
	},
	collect: {
		label: 'Collect',
		capability: null,
		inputs: [{ name: 'items', type: 'any', required: true, multiple: true }],
		outputs: [],
	},
}

const SLOT = /\{\{\s*([a-z][a-z0-9_]{0,39})\s*\}\}/g

/** The distinct `{{name}}` slots of a template, in order of first use. */
export function templateSlots(template: string): string[] {
	const names: string[] = []
	for (const match of template.matchAll(SLOT)) {
		const name = match[1] ?? ''
		if (!names.includes(name)) names.push(name)
	}
	return names
}

/** Fills a template's slots; a slot without a value is left empty. */
export function fillTemplate(template: string, values: Record<string, string>): string {
	return template.replace(SLOT, (_, name: string) => values[name] ?? '')
}

// ── The schema ───────────────────────────────────────────────────────────────────────────────────────────

const MAX_NODES = 500
const MAX_TEXT = 20_000

const nodeId = v.pipe(
	v.string('A node id must be text.'),
	v.regex(/^[a-z][a-z0-9_-]{0,39}$/, 'A node id is a lower-case letter then up to 39 letters, digits, - or _.'),
)
const portName = v.pipe(
	v.string('A port name must be text.'),
	v.regex(/^[a-z][a-z0-9_]{0,39}$/, 'That is not a port name.'),
)
const name = v.pipe(
	v.string('A node needs a name.'),
	v.trim(),
	v.nonEmpty('A node needs a name.'),
	v.maxLength(80, 'Keep a node name under 80 characters.'),
)
const model = v.pipe(v.string('A model id must be text.'), v.trim(), v.nonEmpty('Pick a model.'), v.maxLength(200))
const text = (what: string, max = MAX_TEXT) =>
	v.pipe(
		v.string(`${what} must be text.`),
		v.maxLength(max, `Keep ${what.toLowerCase()} under ${max.toLocaleString('en')} characters.`),
	)
const whole = (label: string, min: number, max: number) =>
	v.pipe(
		v.number(`${label} must be a number.`),
		v.integer(`${label} must be a whole number.`),
		v.minValue(min, `${label} must be at least ${min}.`),
		v.maxValue(max, `${label} must be at most ${max}.`),
	)

const base = { id: nodeId, name }
// Strict objects: a field a kind does not have is reported ("unknown field"), never silently dropped.
const node = <K extends NodeKind, E extends v.ObjectEntries>(kind: K, entries: E) =>
	v.strictObject(
		{ ...base, kind: v.literal(kind), ...entries },
		`Unknown field on a ${NODE_SPECS[kind].label.toLowerCase()} node.`,
	)

export const WorkflowNodeSchema = v.variant(
	'kind',
	[
		node('text', { value: text('The text') }),
		node('library', {
			media: v.picklist(['image', 'audio', 'video'], 'A library item is an image, audio or a video.'),
			generationId: v.pipe(
				v.string('Pick an item from your library.'),
				v.check((value: string) => isUuid(value), 'Pick an item from your library.'),
			),
		}),
		node('template', { template: text('The template') }),
		node('chat', {
			model,
			system: v.optional(text('The system prompt', 8000)),
			maxTokens: v.optional(whole('Max tokens', 1, 16_000)),
		}),
		node('image', {
			model,
			size: v.optional(v.pipe(v.string(), v.maxLength(20))),
			n: v.optional(whole('The number of images', 1, 4)),
		}),
		node('imageEdit', { model }),
		node('variation', { model, n: v.optional(whole('The number of variations', 1, 4)) }),
		node('upscale', { model, scale: v.optional(v.picklist([2, 4], 'Upscale by 2 or 4.')) }),
		node('video', { model, durationSeconds: v.optional(whole('The length', 1, 10)) }),
		node('speech', { model, voice: v.optional(v.pipe(v.string(), v.maxLength(40))) }),
		node('music', { model, durationSeconds: v.optional(whole('The length', 1, 30)) }),
		node('transcribe', { model }),
		node('vision', { model, question: v.optional(text('The question', 4000)) }),
		node('mix', {}),
		node('collect', {}),
	],
	`A node's kind is one of: ${NODE_KINDS.join(', ')}.`,
)
export type WorkflowNode = v.InferOutput<typeof WorkflowNodeSchema>

export const WorkflowEdgeSchema = v.strictObject(
	{
		from: v.strictObject({ node: nodeId, port: portName }, 'An edge starts at { node, port }.'),
		to: v.strictObject({ node: nodeId, port: portName }, 'An edge ends at { node, port }.'),
	},
	'Unknown field on an edge.',
)
export type WorkflowEdge = v.InferOutput<typeof WorkflowEdgeSchema>

const coordinate = v.pipe(v.number('A position is a number.'), v.finite(), v.minValue(-100_000), v.maxValue(100_000))
export const LayoutSchema = v.record(
	nodeId,
	v.strictObject({ x: coordinate, y: coordinate }, 'A node position is { x, y }.'),
	'The layout maps node ids to positions.',
)
export type WorkflowLayout = v.InferOutput<typeof LayoutSchema>

export const WorkflowDefinitionSchema = v.strictObject(
	{
		version: v.literal(WORKFLOW_VERSION, `This workflow is version ${WORKFLOW_VERSION}.`),
		nodes: v.pipe(
			v.array(WorkflowNodeSchema, 'A workflow has a list of nodes.'),
			v.maxLength(MAX_NODES, `A workflow has at most ${MAX_NODES} nodes.`),
		),
		edges: v.pipe(v.array(WorkflowEdgeSchema, 'A workflow has a list of edges.'), v.maxLength(MAX_NODES * 8)),
		/** Where the graph canvas draws each node; the run ignores it. */
		layout: v.optional(LayoutSchema),
	},
	'Unknown field on the workflow.',
)
export type WorkflowDefinition = v.InferOutput<typeof WorkflowDefinitionSchema>

/** A node's input ports: its kind's, or for a template one required text port per `{{slot}}`. */
export function inputPortsOf(n: WorkflowNode): readonly InputPort[] {
	if (n.kind === 'template') return templateSlots(n.template).map(slot => one(slot, 'text'))
	return NODE_SPECS[n.kind].inputs
}

export function outputPortsOf(n: WorkflowNode): readonly OutputPort[] {
	if (n.kind === 'library') return [{ name: n.media, type: n.media }]
	return NODE_SPECS[n.kind].outputs
}

/** The library items a definition refers to (its library nodes' generation ids), each once. */
export function libraryReferences(definition: Pick<WorkflowDefinition, 'nodes'>): string[] {
	return [...new Set(definition.nodes.flatMap(n => (n.kind === 'library' ? [n.generationId.toLowerCase()] : [])))]
}

export function modelOf(n: WorkflowNode): string | null {
	return 'model' in n ? n.model : null
}
