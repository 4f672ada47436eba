/**
 * The workflow graph (konva), loaded only on `/workflows/:id` and only once scripts run: drag nodes, connect an
 * output to an input by dragging between their ports (only inputs of a fitting type light up), click a
 * connection to select it and remove it, zoom and pan, lay the graph out again. It edits the same definition as
 * the form editor and saves it through the page's own action (`intent=definition`), where the same schema
 * checks it. The page shows the selected node's fields (the form editor's own card) in a side panel beside it.
 */
import type Konva from 'konva'
import { useEffect, useRef, useState } from 'react'
import { Layer, Line, Stage } from 'react-konva'
import { LayoutGrid, Trash2, ZoomIn, ZoomOut } from '#app/components/icons/index.tsx'
import { fits } from '#server/domain/workflows/edit.ts'
import type { NodeEstimate } from '#server/domain/workflows/estimate.ts'
import { inputPortsOf, outputPortsOf, type PortType, type WorkflowDefinition } from '#server/domain/workflows/schema.ts'
import {
	autoLayout,
	curveBetween,
	NODE_W,
	nodeHeight,
	type Point,
	portAt,
	type PortRef,
	portColour,
	portPoint,
	portsOf,
} from './graph-layout.ts'
import { GraphNode } from './graph-node.tsx'
import { useThemePalette } from './theme-palette.ts'
import { useGraphDefinition } from './use-graph-definition.ts'

export default function GraphCanvas({
	definition: saved,
	problems,
	estimates,
	updatedAt,
	selected,
	onSelect: setSelected,
}: {
	definition: WorkflowDefinition
	problems: Record<string, string[]>
	estimates: readonly NodeEstimate[]
	updatedAt: string
	/** The node whose fields the page's side panel shows; clicking a node selects it. */
	selected: string | null
	onSelect: (nodeId: string) => void
}) {
	const palette = useThemePalette()
	const { definition, setDefinition, layout, save, status } = useGraphDefinition(saved, updatedAt)

	const [selectedEdge, setSelectedEdge] = useState<number | null>(null)

	// Size and view: the stage fills its box; wheel zooms around the pointer, dragging the background pans.
	const box = useRef<HTMLDivElement>(null)
	// null until the box has been measured: the graph is fitted to the measured width, not a guess.
	const [measured, setWidth] = useState<number | null>(null)
	const width = measured ?? 800
	// As tall as the fitted graph needs, between a floor that leaves room to add to it and a ceiling.
	const maxHeight = width < 640 ? 420 : 600
	const [height, setHeight] = useState(maxHeight)
	useEffect(() => {
		const el = box.current
		if (!el) return
		const observer = new ResizeObserver(entries => setWidth(Math.max(280, entries[0]?.contentRect.width ?? 800)))
		observer.observe(el)
		return () => observer.disconnect()
	}, [])
	const [scale, setScale] = useState(1)
	const [offset, setOffset] = useState<Point>({ x: 0, y: 0 })
	const stage = useRef<Konva.Stage>(null)
	const zoomBy = (factor: number, around: Point = { x: width / 2, y: height / 2 }) => {
		const next = Math.min(2.5, Math.max(0.3, scale * factor))
		const world = { x: (around.x - offset.x) / scale, y: (around.y - offset.y) / scale }
		setScale(next)
		setOffset({ x: around.x - world.x * next, y: around.y - world.y * next })
	}

	// Fit the graph in view when the page opens and when a node comes or goes (never while someone works in it).
	const count = definition.nodes.length
	useEffect(() => {
		const points = Object.values(layout)
		if (points.length === 0) return
		const right = Math.max(...points.map(p => p.x)) + NODE_W + 24
		const bottom = Math.max(...definition.nodes.map(n => (layout[n.id]?.y ?? 0) + nodeHeight(n))) + 24
		const left = Math.min(0, ...points.map(p => p.x))
		const top = Math.min(0, ...points.map(p => p.y))
		// On a phone the graph stays readable and pans (it starts at its left end) rather than shrinking to a speck.
		const fit = Math.max(width < 640 ? 0.6 : 0.3, Math.min(1.1, width / (right - left), maxHeight / (bottom - top)))
		const tall = Math.max(width < 640 ? 300 : 380, Math.min(maxHeight, Math.ceil((bottom - top) * fit)))
		setHeight(tall)
		setScale(fit)
		setOffset({
			x: Math.max(0, (width - (right - left) * fit) / 2) - left * fit,
			y: Math.max(0, (tall - (bottom - top) * fit) / 2) - top * fit,
		})
		// eslint-disable-next-line react-hooks/exhaustive-deps -- only on a new size or a new node count
	}, [count, width, maxHeight])

	const byId = new Map(definition.nodes.map(n => [n.id, n]))

	// Connecting: from an output, following the pointer, to a fitting input.
	const [wire, setWire] = useState<{ from: PortRef; type: PortType; at: Point } | null>(null)
	const pointer = (): Point => {
		const p = stage.current?.getPointerPosition() ?? { x: 0, y: 0 }
		return { x: (p.x - offset.x) / scale, y: (p.y - offset.y) / scale }
	}
	const targetAt = (at: Point): PortRef | null => {
		if (!wire) return null
		for (const n of definition.nodes) {
			if (n.id === wire.from.node) continue
			const ports = inputPortsOf(n)
			for (let i = 0; i < ports.length; i++) {
				const port = ports[i]
				if (!port || !fits(wire.type, port.type)) continue
				const p = portAt(layout, n, 'in', i)
				if (Math.hypot(p.x - at.x, p.y - at.y) <= 16 / Math.min(1, scale)) return { node: n.id, port: port.name }
			}
		}
		return null
	}
	const connect = (from: PortRef, to: PortRef) => {
		const target = byId.get(to.node)
		const port = target && inputPortsOf(target).find(p => p.name === to.port)
		if (!port) return
		const keep = definition.edges.filter(
			e =>
				!(
					e.to.node === to.node &&
					e.to.port === to.port &&
					(!port.multiple || (e.from.node === from.node && e.from.port === from.port))
				),
		)
		save({ ...definition, edges: [...keep, { from, to }] })
	}

	const removeEdge = (index: number) => {
		save({ ...definition, edges: definition.edges.filter((_, i) => i !== index) })
		setSelectedEdge(null)
	}
	useEffect(() => {
		if (selectedEdge === null) return
		const onKey = (e: KeyboardEvent) => {
			if (
				(e.key === 'Delete' || e.key === 'Backspace') &&
				!(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)
			) {
				e.preventDefault()
				removeEdge(selectedEdge)
			}
		}
		window.addEventListener('keydown', onKey)
		return () => window.removeEventListener('keydown', onKey)
	})

	const estimateOf = new Map(estimates.map(e => [e.nodeId, e]))

	// Where each port is on screen, for tests and for anyone inspecting the graph.
	const screen = (p: Point) => ({ x: Math.round(p.x * scale + offset.x), y: Math.round(p.y * scale + offset.y) })

	return (
		<div className="space-y-3">
			<div className="overflow-hidden rounded-xl border border-line bg-surface">
				<div className="flex flex-wrap items-center gap-1 border-b border-line px-2 py-1.5">
					<button type="button" className="icon-btn" aria-label="Zoom in" onClick={() => zoomBy(1.2)}>
						<ZoomIn aria-hidden="true" className="size-4" />
					</button>
					<button type="button" className="icon-btn" aria-label="Zoom out" onClick={() => zoomBy(1 / 1.2)}>
						<ZoomOut aria-hidden="true" className="size-4" />
					</button>
					<span className="w-12 text-center text-xs tabular-nums text-fg-muted">{Math.round(scale * 100)}%</span>
					<button
						type="button"
						className="icon-btn text-sm"
						onClick={() => {
							setScale(1)
							setOffset({ x: 0, y: 0 })
							save({ ...definition, layout: autoLayout(definition) })
						}}
					>
						<LayoutGrid aria-hidden="true" className="size-4" /> Tidy up
					</button>
					{selectedEdge !== null ? (
						<button
							type="button"
							className="icon-btn text-sm hover:text-danger"
							onClick={() => removeEdge(selectedEdge)}
						>
							<Trash2 aria-hidden="true" className="size-4" /> Remove connection
						</button>
					) : null}
					<span
						className={`basis-full text-xs sm:ml-auto sm:basis-auto ${status.refused ? 'text-danger' : 'text-fg-muted'}`}
						aria-live="polite"
					>
						{status.saving
							? 'Saving…'
							: status.refused
								? `Not saved: ${status.refused}`
								: 'Drag from an output ● to an input ● to connect.'}
					</span>
				</div>
				<div
					ref={box}
					className="relative touch-none bg-[radial-gradient(circle,_rgb(113_113_122/0.25)_1px,_transparent_1px)] [background-size:20px_20px]"
					data-testid="graph"
					data-ready={measured !== null || undefined}
					data-version={updatedAt}
					data-saving={status.saving || undefined}
					role="img"
					aria-label={`Workflow graph: ${definition.nodes.length} nodes, ${definition.edges.length} connections. Edit the selected one in the panel beside it.`}
				>
					<Stage
						ref={stage}
						width={width}
						height={height}
						scaleX={scale}
						scaleY={scale}
						x={offset.x}
						y={offset.y}
						draggable={!wire}
						onDragEnd={e => {
							if (e.target === stage.current) setOffset({ x: e.target.x(), y: e.target.y() })
						}}
						onWheel={e => {
							e.evt.preventDefault()
							const p = stage.current?.getPointerPosition()
							if (p) zoomBy(e.evt.deltaY < 0 ? 1.1 : 1 / 1.1, p)
						}}
						onPointerMove={() => {
							if (wire) setWire({ ...wire, at: pointer() })
						}}
						onPointerUp={() => {
							if (!wire) return
							const to = targetAt(pointer())
							setWire(null)
							if (to) connect(wire.from, to)
						}}
						onPointerDown={e => {
							if (e.target === stage.current) setSelectedEdge(null)
						}}
					>
						<Layer>
							{definition.edges.map((e, i) => {
								const a = portPoint(layout, byId, e.from, 'out')
								const b = portPoint(layout, byId, e.to, 'in')
								const from = byId.get(e.from.node)
								const type = from ? outputPortsOf(from).find(p => p.name === e.from.port)?.type : undefined
								if (!a || !b) return null
								return (
									<Line
										key={`${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`}
										points={curveBetween(a, b)}
										bezier
										stroke={type ? portColour(type) : '#71717a'}
										strokeWidth={selectedEdge === i ? 4 : 2.5}
										opacity={selectedEdge === null || selectedEdge === i ? 0.9 : 0.5}
										hitStrokeWidth={14}
										onPointerDown={ev => {
											ev.cancelBubble = true
											setSelectedEdge(i)
										}}
									/>
								)
							})}
							{wire ? (
								<Line
									points={(() => {
										const a = portPoint(layout, byId, wire.from, 'out') ?? wire.at
										return [a.x, a.y, wire.at.x, wire.at.y]
									})()}
									stroke={portColour(wire.type)}
									strokeWidth={2.5}
									dash={[6, 4]}
									listening={false}
								/>
							) : null}
							{definition.nodes.map(n => (
								<GraphNode
									key={n.id}
									node={n}
									at={layout[n.id] ?? { x: 0, y: 0 }}
									selected={selected === n.id}
									problems={problems[n.id]?.length ?? 0}
									estimate={estimateOf.get(n.id)}
									palette={palette}
									wire={wire}
									onSelect={() => {
										setSelected(n.id)
										setSelectedEdge(null)
									}}
									onMove={to => setDefinition(d => ({ ...d, layout: { ...layout, ...d.layout, [n.id]: to } }))}
									onMoved={to => save({ ...definition, layout: { ...layout, ...definition.layout, [n.id]: to } })}
									onStartWire={(port, i) =>
										setWire({ from: { node: n.id, port: port.name }, type: port.type, at: portAt(layout, n, 'out', i) })
									}
								/>
							))}
						</Layer>
					</Stage>
					<ul hidden data-testid="graph-ports">
						{definition.nodes.flatMap(n =>
							(['in', 'out'] as const).flatMap(side =>
								portsOf(n, side).map((port, i) => {
									const at = screen(portAt(layout, n, side, i))
									return (
										<li
											key={`${n.id}.${side}.${port.name}`}
											data-port={`${n.id}.${port.name}`}
											data-side={side}
											data-x={at.x}
											data-y={at.y}
										/>
									)
								}),
							),
						)}
					</ul>
				</div>
			</div>
			<nav aria-label="Nodes" className="flex flex-wrap gap-1">
				{definition.nodes.map(n => (
					<button
						key={n.id}
						type="button"
						aria-pressed={selected === n.id}
						onClick={() => setSelected(n.id)}
						className={`rounded-full border px-3 py-1 text-sm ${selected === n.id ? 'border-accent bg-accent-soft text-fg' : 'border-line text-fg-muted hover:bg-raised'}`}
					>
						{n.name}
					</button>
				))}
			</nav>
		</div>
	)
}
