/**
 * One node of the workflow graph (graph-canvas.tsx), drawn with konva: a card with the node's kind and name, its
 * input ports on the left (the ones a connection being dragged fits light up), its output ports on the right
 * (dragging from one starts a connection), and a footer with its price or how many problems it has.
 */
import type Konva from 'konva'
import { Circle, Group, Rect, Text } from 'react-konva'
import { fits } from '#server/domain/workflows/edit.ts'
import type { NodeEstimate } from '#server/domain/workflows/estimate.ts'
import {
	inputPortsOf,
	NODE_SPECS,
	outputPortsOf,
	type PortType,
	type WorkflowNode,
} from '#server/domain/workflows/schema.ts'
import { FOOT, HEAD, NODE_W, nodeHeight, type Point, portColour, ROW } from './graph-layout.ts'
import { priceRange } from './node-card.tsx'
import type { Palette } from './theme-palette.ts'

/** A konva event stops here: the stage behind does not also pan or deselect. */
const stop = (e: Konva.KonvaEventObject<Event>) => {
	e.cancelBubble = true
}

export function GraphNode({
	node: n,
	at,
	selected,
	problems,
	estimate,
	palette,
	wire,
	onSelect,
	onMove,
	onMoved,
	onStartWire,
}: {
	node: WorkflowNode
	at: Point
	selected: boolean
	problems: number
	estimate: NodeEstimate | undefined
	palette: Palette
	/** The connection being dragged, if any: nodes cannot be dragged meanwhile, fitting inputs light up. */
	wire: { from: { node: string }; type: PortType } | null
	onSelect: () => void
	/** While the node is dragged, and when it is dropped, with its new place. */
	onMove: (to: Point) => void
	onMoved: (to: Point) => void
	/** A drag from the output port `port` (the `index`-th) begins. */
	onStartWire: (port: { name: string; type: PortType }, index: number) => void
}) {
	const spec = NODE_SPECS[n.kind]
	const h = nodeHeight(n)
	const bad = problems > 0
	const place = (e: Konva.KonvaEventObject<DragEvent>) => ({
		x: Math.round(e.target.x()),
		y: Math.round(e.target.y()),
	})
	return (
		<Group
			x={at.x}
			y={at.y}
			draggable={!wire}
			onPointerDown={e => {
				stop(e)
				onSelect()
			}}
			onDragMove={e => onMove(place(e))}
			onDragEnd={e => {
				stop(e)
				onMoved(place(e))
			}}
		>
			<Rect
				width={NODE_W}
				height={h}
				cornerRadius={10}
				fill={palette.surface}
				stroke={bad ? palette.danger : selected ? palette.accent : palette.line}
				strokeWidth={selected || bad ? 2 : 1}
				shadowColor="#000"
				shadowOpacity={0.08}
				shadowBlur={8}
				shadowOffsetY={2}
			/>
			<Text x={12} y={9} text={spec.label.toUpperCase()} fontSize={10} fill={palette.muted} letterSpacing={0.5} />
			<Text
				x={12}
				y={23}
				width={NODE_W - 24}
				text={n.name}
				fontSize={14}
				fontStyle="600"
				fill={palette.fg}
				ellipsis
				wrap="none"
			/>
			{inputPortsOf(n).map((port, i) => {
				const live = wire && n.id !== wire.from.node && fits(wire.type, port.type)
				return (
					<Group key={`in-${port.name}`} y={HEAD + i * ROW + ROW / 2}>
						<Circle
							radius={live ? 8 : 5}
							fill={portColour(port.type)}
							stroke={live ? palette.accent : palette.surface}
							strokeWidth={live ? 3 : 1.5}
							opacity={wire && !live ? 0.3 : 1}
						/>
						<Text x={12} y={-6} text={port.name} fontSize={12} fill={palette.fgSoft} />
					</Group>
				)
			})}
			{outputPortsOf(n).map((port, i) => (
				<Group key={`out-${port.name}`} x={NODE_W} y={HEAD + i * ROW + ROW / 2}>
					<Text
						x={-NODE_W / 2 - 12}
						y={-6}
						width={NODE_W / 2}
						align="right"
						text={port.name}
						fontSize={12}
						fill={palette.fgSoft}
					/>
					<Circle
						radius={7}
						fill={portColour(port.type)}
						stroke={palette.surface}
						strokeWidth={1.5}
						hitStrokeWidth={12}
						// Konva starts dragging the node (or panning) on mousedown: this drag makes a connection instead.
						onMouseDown={stop}
						onTouchStart={stop}
						onPointerDown={e => {
							stop(e)
							onStartWire(port, i)
						}}
					/>
				</Group>
			))}
			<Text
				x={12}
				y={h - FOOT + 3}
				width={NODE_W - 24}
				text={bad ? `${problems} to fix` : estimate ? priceRange(estimate.minMicros, estimate.maxMicros) : ''}
				fontSize={11}
				fill={bad ? palette.danger : palette.muted}
			/>
		</Group>
	)
}
