/**
 * The geometry of the workflow graph (graph-canvas.tsx): how big a node is drawn, where its ports sit, where a
 * connection runs, and the automatic layout (columns by depth).
 */
import {
	inputPortsOf,
	outputPortsOf,
	type PortType,
	type WorkflowDefinition,
	type WorkflowLayout,
	type WorkflowNode,
} from '#server/domain/workflows/schema.ts'
import { PORT_COLOURS } from './ports.ts'

export const NODE_W = 188
export const HEAD = 44
export const ROW = 22
export const FOOT = 22
const GAP_X = 232
const GAP_Y = 40

export type Point = { x: number; y: number }
export type PortRef = { node: string; port: string }
export type Side = 'in' | 'out'

export const portColour = (type: PortType | 'any') => (type === 'any' ? '#71717a' : PORT_COLOURS[type].hex)

export function nodeHeight(n: WorkflowNode): number {
	return HEAD + Math.max(inputPortsOf(n).length, outputPortsOf(n).length, 1) * ROW + FOOT
}

export const portsOf = (n: WorkflowNode, side: Side) => (side === 'in' ? inputPortsOf(n) : outputPortsOf(n))

/** The i-th port of a side, in graph coordinates: inputs on the node's left edge, outputs on its right. */
export function portAt(layout: Record<string, Point>, n: WorkflowNode, side: Side, i: number): Point {
	const p = layout[n.id] ?? { x: 0, y: 0 }
	return { x: side === 'in' ? p.x : p.x + NODE_W, y: p.y + HEAD + i * ROW + ROW / 2 }
}

/** Where a port named by reference is, or null when its node or port is gone. */
export function portPoint(
	layout: Record<string, Point>,
	byId: ReadonlyMap<string, WorkflowNode>,
	ref: PortRef,
	side: Side,
): Point | null {
	const n = byId.get(ref.node)
	if (!n) return null
	const i = portsOf(n, side).findIndex(p => p.name === ref.port)
	return i < 0 ? null : portAt(layout, n, side, i)
}

/** A connection's bezier from an output to an input: it leaves and arrives horizontally. */
export function curveBetween(a: Point, b: Point): number[] {
	const dx = Math.max(40, Math.abs(b.x - a.x) / 2)
	return [a.x, a.y, a.x + dx, a.y, b.x - dx, b.y, b.x, b.y]
}

/** Columns by depth (a node sits right of everything it takes input from), stacked in list order. */
export function autoLayout(definition: WorkflowDefinition): WorkflowLayout {
	const depth = new Map<string, number>()
	const upstream = new Map<string, string[]>()
	for (const e of definition.edges) upstream.set(e.to.node, [...(upstream.get(e.to.node) ?? []), e.from.node])
	const visiting = new Set<string>()
	const depthOf = (id: string): number => {
		const known = depth.get(id)
		if (known !== undefined) return known
		if (visiting.has(id)) return 0
		visiting.add(id)
		const d = Math.max(-1, ...(upstream.get(id) ?? []).map(depthOf)) + 1
		visiting.delete(id)
		depth.set(id, d)
		return d
	}
	const columns = new Map<number, number>()
	const layout: WorkflowLayout = {}
	for (const n of definition.nodes) {
		const d = depthOf(n.id)
		const y = columns.get(d) ?? 0
		layout[n.id] = { x: 24 + d * GAP_X, y: 24 + y }
		columns.set(d, y + nodeHeight(n) + GAP_Y)
	}
	return layout
}
