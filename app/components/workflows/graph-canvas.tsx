/**
 * The workflow graph (konva), loaded only on `/workflows/:id` and only once scripts run: drag nodes, connect an
 * output to an input by dragging between their ports (only inputs of a fitting type light up), click a
 * connection to select it and remove it, zoom and pan, lay the graph out again. It edits the same definition as
 * the form editor and saves it through the page's own action (`intent=definition`), where the same schema
 * checks it. The page shows the selected node's fields (the form editor's own card) in a side panel beside it.
 */
import { useFetcher } from '@remix-run/react'
import type Konva from 'konva'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Circle, Group, Layer, Line, Rect, Stage, Text } from 'react-konva'
import { LayoutGrid, Trash2, ZoomIn, ZoomOut } from '#app/components/icons/index.tsx'
import { fits } from '#server/domain/workflows/edit.ts'
import type { NodeEstimate } from '#server/domain/workflows/estimate.ts'
import {
	inputPortsOf,
	NODE_SPECS,
	outputPortsOf,
	type PortType,
	type WorkflowDefinition,
	type WorkflowEdge,
	type WorkflowLayout,
	type WorkflowNode,
} from '#server/domain/workflows/schema.ts'
import { priceRange } from './node-card.tsx'
import { PORT_COLOURS } from './ports.ts'
import { useThemePalette } from './theme-palette.ts'

const NODE_W = 188
const HEAD = 44
const ROW = 22
const FOOT = 22
const GAP_X = 232
const GAP_Y = 40

type Point = { x: number; y: number }
type PortRef = { node: string; port: string }

const portColour = (type: PortType | 'any') => (type === 'any' ? '#71717a' : PORT_COLOURS[type].hex)

function nodeHeight(n: WorkflowNode): number {
	return HEAD + Math.max(inputPortsOf(n).length, outputPortsOf(n).length, 1) * ROW + FOOT
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
	const fetcher = useFetcher<{ form: string; message: string; updatedAt?: string }>()
	const palette = useThemePalette()
	const [definition, setDefinition] = useState(saved)
	// Saves go one at a time, each naming the version it was made from (`base`): the server refuses one made from a
	// version another tab has replaced. A change made while a save is on its way waits for it, then goes with the
	// version that save produced.
	const base = useRef(updatedAt)
	const waiting = useRef<WorkflowDefinition | null>(null)
	// The saved definition wins whenever the server has a newer one (a form saved, another tab).
	useEffect(() => {
		base.current = updatedAt
		if (!waiting.current) setDefinition(saved)
	}, [saved, updatedAt])
	const send = useCallback(
		(next: WorkflowDefinition) =>
			fetcher.submit(
				{ intent: 'definition', definition: JSON.stringify(next), base: base.current },
				{ method: 'post', preventScrollReset: true },
			),
		[fetcher],
	)
	useEffect(() => {
		if (fetcher.state !== 'idle') return
		if (fetcher.data?.updatedAt) base.current = fetcher.data.updatedAt
		const next = waiting.current
		waiting.current = null
		if (next) send(next)
		// eslint-disable-next-line react-hooks/exhaustive-deps -- once each time a save has come back
	}, [fetcher.state])
	const layout = useMemo(() => {
		const auto = autoLayout(definition)
		return Object.fromEntries(
			definition.nodes.map(n => [n.id, definition.layout?.[n.id] ?? auto[n.id] ?? { x: 0, y: 0 }]),
		)
	}, [definition])

	const [selectedEdge, setSelectedEdge] = useState<number | null>(null)

	const save = useCallback(
		(change: WorkflowDefinition) => {
			// Every node keeps the place it is drawn at now, so a new connection does not move anything.
			const next = { ...change, layout: { ...layout, ...change.layout } }
			setDefinition(next)
			if (fetcher.state === 'idle') send(next)
			else waiting.current = next
		},
		[fetcher.state, send, layout],
	)

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

	// Port positions in graph coordinates.
	const inputAt = (n: WorkflowNode, i: number): Point => {
		const p = layout[n.id] ?? { x: 0, y: 0 }
		return { x: p.x, y: p.y + HEAD + i * ROW + ROW / 2 }
	}
	const outputAt = (n: WorkflowNode, i: number): Point => {
		const p = layout[n.id] ?? { x: 0, y: 0 }
		return { x: p.x + NODE_W, y: p.y + HEAD + i * ROW + ROW / 2 }
	}
	const byId = new Map(definition.nodes.map(n => [n.id, n]))
	const portPoint = (ref: PortRef, side: 'in' | 'out'): Point | null => {
		const n = byId.get(ref.node)
		if (!n) return null
		const ports = side === 'in' ? inputPortsOf(n) : outputPortsOf(n)
		const i = ports.findIndex(p => p.name === ref.port)
		return i < 0 ? null : side === 'in' ? inputAt(n, i) : outputAt(n, i)
	}

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
				const p = inputAt(n, i)
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

	const edgePoints = (e: WorkflowEdge): number[] | null => {
		const a = portPoint(e.from, 'out')
		const b = portPoint(e.to, 'in')
		if (!a || !b) return null
		const dx = Math.max(40, Math.abs(b.x - a.x) / 2)
		return [a.x, a.y, a.x + dx, a.y, b.x - dx, b.y, b.x, b.y]
	}

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
						className={`basis-full text-xs sm:ml-auto sm:basis-auto ${fetcher.state === 'idle' && fetcher.data?.message ? 'text-danger' : 'text-fg-muted'}`}
						aria-live="polite"
					>
						{fetcher.state !== 'idle'
							? 'Saving…'
							: fetcher.data?.message
								? `Not saved: ${fetcher.data.message}`
								: 'Drag from an output ● to an input ● to connect.'}
					</span>
				</div>
				<div
					ref={box}
					className="relative touch-none bg-[radial-gradient(circle,_rgb(113_113_122/0.25)_1px,_transparent_1px)] [background-size:20px_20px]"
					data-testid="graph"
					data-ready={measured !== null || undefined}
					data-version={updatedAt}
					data-saving={fetcher.state !== 'idle' || undefined}
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
								const points = edgePoints(e)
								const from = byId.get(e.from.node)
								const type = from ? outputPortsOf(from).find(p => p.name === e.from.port)?.type : undefined
								if (!points) return null
								return (
									<Line
										key={`${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`}
										points={points}
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
										const a = portPoint(wire.from, 'out') ?? wire.at
										return [a.x, a.y, wire.at.x, wire.at.y]
									})()}
									stroke={portColour(wire.type)}
									strokeWidth={2.5}
									dash={[6, 4]}
									listening={false}
								/>
							) : null}
							{definition.nodes.map(n => {
								const p = layout[n.id] ?? { x: 0, y: 0 }
								const spec = NODE_SPECS[n.kind]
								const h = nodeHeight(n)
								const bad = (problems[n.id]?.length ?? 0) > 0
								const est = estimateOf.get(n.id)
								return (
									<Group
										key={n.id}
										x={p.x}
										y={p.y}
										draggable={!wire}
										onPointerDown={e => {
											e.cancelBubble = true
											setSelected(n.id)
											setSelectedEdge(null)
										}}
										onDragMove={e => {
											const next = { x: Math.round(e.target.x()), y: Math.round(e.target.y()) }
											setDefinition(d => ({ ...d, layout: { ...layout, ...d.layout, [n.id]: next } }))
										}}
										onDragEnd={e => {
											e.cancelBubble = true
											const next = { x: Math.round(e.target.x()), y: Math.round(e.target.y()) }
											save({ ...definition, layout: { ...layout, ...definition.layout, [n.id]: next } })
										}}
									>
										<Rect
											width={NODE_W}
											height={h}
											cornerRadius={10}
											fill={palette.surface}
											stroke={bad ? palette.danger : selected === n.id ? palette.accent : palette.line}
											strokeWidth={selected === n.id || bad ? 2 : 1}
											shadowColor="#000"
											shadowOpacity={0.08}
											shadowBlur={8}
											shadowOffsetY={2}
										/>
										<Text
											x={12}
											y={9}
											text={spec.label.toUpperCase()}
											fontSize={10}
											fill={palette.muted}
											letterSpacing={0.5}
										/>
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
													onMouseDown={e => {
														e.cancelBubble = true
													}}
													onTouchStart={e => {
														e.cancelBubble = true
													}}
													onPointerDown={e => {
														e.cancelBubble = true
														const at = outputAt(n, i)
														setWire({ from: { node: n.id, port: port.name }, type: port.type, at })
													}}
												/>
											</Group>
										))}
										<Text
											x={12}
											y={h - FOOT + 3}
											width={NODE_W - 24}
											text={
												bad
													? `${problems[n.id]?.length ?? 0} to fix`
													: est
														? priceRange(est.minMicros, est.maxMicros)
														: ''
											}
											fontSize={11}
											fill={bad ? palette.danger : palette.muted}
										/>
									</Group>
								)
							})}
						</Layer>
					</Stage>
					<ul hidden data-testid="graph-ports">
						{definition.nodes.flatMap(n => [
							...inputPortsOf(n).map((port, i) => {
								const s = screen(inputAt(n, i))
								return (
									<li
										key={`${n.id}.in.${port.name}`}
										data-port={`${n.id}.${port.name}`}
										data-side="in"
										data-x={s.x}
										data-y={s.y}
									/>
								)
							}),
							...outputPortsOf(n).map((port, i) => {
								const s = screen(outputAt(n, i))
								return (
									<li
										key={`${n.id}.out.${port.name}`}
										data-port={`${n.id}.${port.name}`}
										data-side="out"
										data-x={s.x}
										data-y={s.y}
									/>
								)
							}),
						])}
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
