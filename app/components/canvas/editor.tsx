/**
 * The canvas editor (konva), loaded only on `/generations/:id/edit`: paint a mask with a brush and an eraser,
 * add text and shapes, crop, zoom and pan, undo and redo. Everything is kept in the image's own pixels, so
 * the mask and the flattened picture come out at the image's size. It sends through the page's own action
 * and fields (the forms without JavaScript use the same): the mask as a PNG file `mask`, the flattened
 * picture as `image`, a crop as `x`, `y`, `width`, `height`. Pointer events, so a finger paints too.
 */
import { useSubmit } from '@remix-run/react'
import type Konva from 'konva'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import {
	Circle as KonvaCircle,
	Ellipse,
	Image as KonvaImage,
	Layer,
	Line,
	Rect,
	Stage,
	Text,
	Transformer,
} from 'react-konva'
import {
	Brush,
	Circle,
	Crop,
	Eraser,
	Eye,
	EyeOff,
	Hand,
	MousePointer2,
	Redo2,
	Save,
	Square,
	Trash2,
	TypeIcon,
	Undo2,
	WandSparkles,
	ZoomIn,
	ZoomOut,
} from '#app/components/icons/index.tsx'
import type { IconComponent } from '#app/components/icons/index.tsx'

type Tool = 'brush' | 'eraser' | 'select' | 'hand' | 'text' | 'rect' | 'ellipse' | 'crop'
type Stroke = { id: string; mode: 'paint' | 'erase'; size: number; points: number[] }
type Shape = {
	id: string
	type: 'text' | 'rect' | 'ellipse'
	x: number
	y: number
	width: number
	height: number
	rotation: number
	color: string
	/** A text layer's words and size in image pixels; its `width` is where the words wrap (its height follows). */
	text?: string
	fontSize?: number
}
type Box = { x: number; y: number; width: number; height: number }
type Doc = { strokes: Stroke[]; shapes: Shape[]; crop: Box | null }

/** At least 50 steps back, as the issue asks; a step is one stroke or one change of a layer. */
const HISTORY = 100
const ASPECTS: Array<[string, number]> = [
	['1:1', 1],
	['4:3', 4 / 3],
	['16:9', 16 / 9],
	['3:4', 3 / 4],
	['9:16', 9 / 16],
]
const EMPTY: Doc = { strokes: [], shapes: [], crop: null }
/** Text is pulled wider or narrower at its sides (it rewraps) and bigger at its corners (its font grows). */
const TEXT_ANCHORS = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'middle-left', 'middle-right']

let counter = 0
const newId = () => `n${Date.now().toString(36)}${(counter++).toString(36)}`

export type CanvasEditorProps = {
	image: { url: string; width: number | null; height: number | null }
	output: number
	models: Array<{ id: string; name: string }>
	busy: boolean
	errors: Record<string, readonly string[] | undefined> | null
}

/**
 * Undo and redo over whole documents. A commit with the same `key` as the one before it (typing a layer's words,
 * dragging its size slider) replaces that step rather than adding one, so a word typed is one undo, not five.
 */
function useHistory() {
	const [state, setState] = useState<{ past: Doc[]; present: Doc; future: Doc[]; key: string | null }>({
		past: [],
		present: EMPTY,
		future: [],
		key: null,
	})
	const commit = useCallback((next: Doc, key: string | null = null) => {
		setState(s =>
			key !== null && key === s.key && s.future.length === 0
				? { ...s, present: next }
				: { past: [...s.past, s.present].slice(-HISTORY), present: next, future: [], key },
		)
	}, [])
	const undo = useCallback(() => {
		setState(s => {
			const previous = s.past.at(-1)
			return previous
				? { past: s.past.slice(0, -1), present: previous, future: [s.present, ...s.future], key: null }
				: s
		})
	}, [])
	const redo = useCallback(() => {
		setState(s => {
			const next = s.future[0]
			return next ? { past: [...s.past, s.present], present: next, future: s.future.slice(1), key: null } : s
		})
	}, [])
	return { ...state, commit, undo, redo }
}

function useLoadedImage(url: string) {
	const [image, setImage] = useState<HTMLImageElement | null>(null)
	useEffect(() => {
		const img = new window.Image()
		img.crossOrigin = 'anonymous'
		img.onload = () => setImage(img)
		img.src = url
	}, [url])
	return image
}

export default function CanvasEditor({ image: source, output, models, busy, errors }: CanvasEditorProps) {
	const submit = useSubmit()
	const img = useLoadedImage(source.url)
	const width = img?.naturalWidth ?? source.width ?? 1024
	const height = img?.naturalHeight ?? source.height ?? 1024
	const history = useHistory()
	const doc = history.present
	const [tool, setTool] = useState<Tool>('brush')
	const [size, setSize] = useState(48)
	const [maskVisible, setMaskVisible] = useState(true)
	const [color, setColor] = useState('#ffffff')
	const [selected, setSelected] = useState<string | null>(null)
	const [prompt, setPrompt] = useState('')
	const [model, setModel] = useState(models[0]?.id ?? '')
	const [drawing, setDrawing] = useState<Stroke | null>(null)
	const [cropDraft, setCropDraft] = useState<Box | null>(null)
	const [view, setView] = useState({ zoom: 1, x: 0, y: 0 })
	const frame = useRef<HTMLDivElement>(null)
	const stage = useRef<Konva.Stage>(null)
	const transformer = useRef<Konva.Transformer>(null)
	const brushCursor = useRef<Konva.Circle>(null)
	const textField = useRef<HTMLTextAreaElement>(null)
	const [focusText, setFocusText] = useState(false)
	const [box, setBox] = useState({ width: 800, height: 560 })

	// The stage fills its frame's width, and is as tall as the image there (within the window), so a phone shows
	// no empty band; the image fits inside it at zoom 1.
	useEffect(() => {
		const el = frame.current
		if (!el) return
		const measure = () => {
			const most = Math.max(320, Math.min(720, window.innerHeight - 240))
			setBox({
				width: el.clientWidth,
				height: Math.max(240, Math.min(most, Math.round((el.clientWidth * height) / width))),
			})
		}
		measure()
		const observer = new ResizeObserver(measure)
		observer.observe(el)
		return () => observer.disconnect()
	}, [width, height])
	const fit = Math.min(box.width / width, box.height / height)
	const scale = fit * view.zoom
	const offset = { x: (box.width - width * scale) / 2 + view.x, y: (box.height - height * scale) / 2 + view.y }

	// Keyboard: undo/redo, delete the selected layer, brush size with [ and ].
	useEffect(() => {
		const onKey = (e: KeyboardEvent) => {
			const target = e.target as HTMLElement | null
			if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return
			const mod = e.metaKey || e.ctrlKey
			if (mod && e.key.toLowerCase() === 'z') {
				e.preventDefault()
				if (e.shiftKey) history.redo()
				else history.undo()
			} else if (mod && e.key.toLowerCase() === 'y') {
				e.preventDefault()
				history.redo()
			} else if (e.key === 'Escape') {
				setSelected(null)
				setCropDraft(null)
			} else if ((e.key === 'Delete' || e.key === 'Backspace') && selected) {
				e.preventDefault()
				history.commit({ ...doc, shapes: doc.shapes.filter(s => s.id !== selected) })
				setSelected(null)
			} else if (e.key === '[') setSize(s => Math.max(2, s - 8))
			else if (e.key === ']') setSize(s => Math.min(400, s + 8))
			else if (!mod && e.key === 'b') setTool('brush')
			else if (!mod && e.key === 'e') setTool('eraser')
			else if (!mod && e.key === 'v') setTool('select')
			else if (!mod && e.key === 'h') setTool('hand')
		}
		window.addEventListener('keydown', onKey)
		return () => window.removeEventListener('keydown', onKey)
	}, [history, doc, selected])

	// The transformer follows the selected layer.
	useEffect(() => {
		const t = transformer.current
		if (!t) return
		const node = selected ? stage.current?.findOne(`#${selected}`) : undefined
		t.nodes(node ? [node] : [])
		t.getLayer()?.batchDraw()
	}, [selected, doc.shapes])

	// A new text layer (or a double click on one) puts the caret in its words, all selected, ready to type over.
	useEffect(() => {
		if (!focusText) return
		// After the click that made it: the press's own default would move the focus back to the page.
		const timer = window.setTimeout(() => {
			textField.current?.focus()
			textField.current?.select()
			setFocusText(false)
		}, 0)
		return () => window.clearTimeout(timer)
	}, [focusText])

	/** The pointer in image pixels. */
	const point = () => {
		const p = stage.current?.getRelativePointerPosition()
		return p ? { x: Math.round(p.x), y: Math.round(p.y) } : null
	}

	const onDown = (e: Konva.KonvaEventObject<PointerEvent>) => {
		const p = point()
		if (!p) return
		if (tool === 'brush' || tool === 'eraser') {
			setDrawing({ id: newId(), mode: tool === 'brush' ? 'paint' : 'erase', size, points: [p.x, p.y, p.x, p.y] })
		} else if (tool === 'crop') {
			setCropDraft({ x: p.x, y: p.y, width: 0, height: 0 })
		} else if (tool === 'text' || tool === 'rect' || tool === 'ellipse') {
			const side = Math.round(Math.min(width, height) / 5)
			const shape: Shape = {
				id: newId(),
				type: tool,
				x: p.x,
				y: p.y,
				width: tool === 'text' ? side * 2 : side,
				height: tool === 'text' ? Math.round(side / 2) : side,
				rotation: 0,
				color,
				...(tool === 'text' ? { text: 'Text', fontSize: Math.max(12, Math.round(side / 3)) } : {}),
			}
			history.commit({ ...doc, shapes: [...doc.shapes, shape] })
			setSelected(shape.id)
			setTool('select')
			if (tool === 'text') setFocusText(true)
		} else if (tool === 'select' && e.target === e.target.getStage()) {
			setSelected(null)
		}
	}
	/**
	 * The brush's outline follows the pointer, sized in image pixels so the stage's zoom sizes it as the stroke will
	 * be; it is moved on the konva node itself (no React render per pointer move) and hidden off the stage.
	 */
	const moveCursor = (p: { x: number; y: number } | null) => {
		const ring = brushCursor.current
		if (!ring) return
		const shown = p !== null && (tool === 'brush' || tool === 'eraser')
		if (!shown && !ring.visible()) return
		ring.visible(shown)
		if (p && shown) ring.position(p)
		ring.getLayer()?.batchDraw()
		if (frame.current) frame.current.dataset.brushCursor = shown ? 'shown' : 'hidden'
	}
	useEffect(() => {
		if (tool !== 'brush' && tool !== 'eraser') moveCursor(null)
	})

	const onMove = () => {
		const p = point()
		moveCursor(p)
		if (!p) return
		if (drawing) setDrawing({ ...drawing, points: [...drawing.points, p.x, p.y] })
		else if (cropDraft) setCropDraft({ ...cropDraft, width: p.x - cropDraft.x, height: p.y - cropDraft.y })
	}
	const onUp = (e?: Konva.KonvaEventObject<PointerEvent>) => {
		// A finger lifted is a pointer gone: its ring goes with it.
		if (e?.evt.pointerType === 'touch') moveCursor(null)
		if (drawing) {
			history.commit({ ...doc, strokes: [...doc.strokes, drawing] })
			setDrawing(null)
		}
		if (cropDraft) {
			const crop = normalise(cropDraft, width, height)
			if (crop) history.commit({ ...doc, crop })
			setCropDraft(null)
		}
	}
	const onWheel = (e: Konva.KonvaEventObject<WheelEvent>) => {
		e.evt.preventDefault()
		setView(v => ({ ...v, zoom: clamp(v.zoom * (e.evt.deltaY > 0 ? 0.9 : 1.1), 0.25, 8) }))
	}

	const changeShape = (id: string, node: Konva.Node) => {
		const scaleX = node.scaleX()
		const scaleY = node.scaleY()
		node.scale({ x: 1, y: 1 })
		history.commit({
			...doc,
			shapes: doc.shapes.map(s =>
				s.id === id
					? {
							...s,
							x: Math.round(node.x()),
							y: Math.round(node.y()),
							width: Math.max(4, Math.round(s.width * scaleX)),
							height: Math.max(4, Math.round(s.height * scaleY)),
							rotation: Math.round(node.rotation() * 10) / 10,
							// Text grows by its font (its wrapping width by the sideways pull), so it stays crisp.
							...(s.type === 'text' ? { fontSize: clamp(Math.round(fontSizeOf(s) * scaleY), 6, 2000) } : {}),
						}
					: s,
			),
		})
	}

	/** Changes the selected layer; `key` folds a run of the same change (typing, a slider) into one undo step. */
	const updateSelected = (change: Partial<Shape>, key: string) => {
		if (!selected) return
		history.commit(
			{ ...doc, shapes: doc.shapes.map(s => (s.id === selected ? { ...s, ...change } : s)) },
			`${key}:${selected}`,
		)
	}

	const removeLayer = (id: string) => {
		history.commit({ ...doc, shapes: doc.shapes.filter(x => x.id !== id) })
		if (selected === id) setSelected(null)
	}

	const aspectCrop = (ratio: number) => {
		const w = Math.min(width, Math.round(height * ratio))
		const h = Math.min(height, Math.round(w / ratio))
		history.commit({
			...doc,
			crop: { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h },
		})
		setTool('crop')
	}

	/** The mask at the image's size: black, white where painted (erased strokes paint black again). */
	const maskBlob = async (): Promise<Blob | null> => {
		const canvas = document.createElement('canvas')
		canvas.width = width
		canvas.height = height
		const ctx = canvas.getContext('2d')
		if (!ctx) return null
		ctx.fillStyle = '#000'
		ctx.fillRect(0, 0, width, height)
		ctx.lineCap = 'round'
		ctx.lineJoin = 'round'
		for (const s of doc.strokes) {
			ctx.strokeStyle = s.mode === 'paint' ? '#fff' : '#000'
			ctx.lineWidth = s.size
			ctx.beginPath()
			for (let i = 0; i < s.points.length; i += 2) {
				const x = s.points[i] ?? 0
				const y = s.points[i + 1] ?? 0
				if (i === 0) ctx.moveTo(x, y)
				else ctx.lineTo(x, y)
			}
			ctx.stroke()
		}
		return new Promise(resolve => canvas.toBlob(resolve, 'image/png'))
	}

	const send = (fields: Record<string, string>, file?: { name: string; blob: Blob; filename: string }) => {
		const form = new FormData()
		for (const [k, v] of Object.entries(fields)) form.set(k, v)
		form.set('output', String(output))
		if (file) form.set(file.name, file.blob, file.filename)
		submit(form, { method: 'post', encType: 'multipart/form-data' })
	}

	const inpaint = async () => {
		const blob = await maskBlob()
		if (!blob) return
		send({ intent: 'inpaint', prompt, model }, { name: 'mask', blob, filename: 'mask.png' })
	}

	const crop = () => {
		if (!doc.crop) return
		const c = doc.crop
		send({ intent: 'crop', x: String(c.x), y: String(c.y), width: String(c.width), height: String(c.height) })
	}

	/** The picture with its text and shapes (no mask), at the image's pixels, cut to the crop when there is one. */
	const saveAsNew = async () => {
		const s = stage.current
		if (!s) return
		setSelected(null)
		const mask = s.findOne('.mask')
		const guides = s.find('.guide')
		mask?.hide()
		for (const g of guides) g.hide()
		const area = doc.crop ?? { x: 0, y: 0, width, height }
		const blob = (await s.toBlob({
			x: offset.x + area.x * scale,
			y: offset.y + area.y * scale,
			width: area.width * scale,
			height: area.height * scale,
			pixelRatio: 1 / scale,
			mimeType: 'image/png',
		})) as Blob | null
		mask?.show()
		for (const g of guides) g.show()
		if (blob) send({ intent: 'save' }, { name: 'image', blob, filename: 'canvas.png' })
	}

	const selectedShape = doc.shapes.find(s => s.id === selected) ?? null
	const painting = tool === 'brush' || tool === 'eraser'
	const cursor = useMemo(
		() =>
			tool === 'hand' ? 'grab' : painting || tool === 'crop' ? 'crosshair' : tool === 'select' ? 'default' : 'copy',
		[tool, painting],
	)
	const shownCrop = cropDraft ? normalise(cropDraft, width, height) : doc.crop
	const maskError = errors?.mask?.join(' ') ?? errors?.prompt?.join(' ') ?? errors?.model?.join(' ') ?? null

	return (
		<div className="grid gap-4 lg:grid-cols-[3.25rem_minmax(0,1fr)_18rem]" data-canvas-editor>
			<div
				role="toolbar"
				aria-label="Tools"
				aria-orientation="vertical"
				className="flex flex-row flex-wrap gap-1 rounded-xl border border-line bg-surface p-1.5 shadow-sm lg:flex-col lg:self-start"
			>
				<ToolButton icon={Brush} label="Brush (B)" active={tool === 'brush'} onClick={() => setTool('brush')} />
				<ToolButton icon={Eraser} label="Eraser (E)" active={tool === 'eraser'} onClick={() => setTool('eraser')} />
				<ToolButton
					icon={MousePointer2}
					label="Select and move (V)"
					active={tool === 'select'}
					onClick={() => setTool('select')}
				/>
				<ToolButton icon={Hand} label="Pan (H)" active={tool === 'hand'} onClick={() => setTool('hand')} />
				<Divider />
				<ToolButton icon={TypeIcon} label="Add text" active={tool === 'text'} onClick={() => setTool('text')} />
				<ToolButton icon={Square} label="Add a rectangle" active={tool === 'rect'} onClick={() => setTool('rect')} />
				<ToolButton
					icon={Circle}
					label="Add an ellipse"
					active={tool === 'ellipse'}
					onClick={() => setTool('ellipse')}
				/>
				<ToolButton icon={Crop} label="Crop" active={tool === 'crop'} onClick={() => setTool('crop')} />
				<Divider />
				<ToolButton icon={Undo2} label="Undo (Ctrl+Z)" disabled={history.past.length === 0} onClick={history.undo} />
				<ToolButton
					icon={Redo2}
					label="Redo (Ctrl+Shift+Z)"
					disabled={history.future.length === 0}
					onClick={history.redo}
				/>
				<ToolButton
					icon={ZoomIn}
					label="Zoom in"
					onClick={() => setView(v => ({ ...v, zoom: clamp(v.zoom * 1.25, 0.25, 8) }))}
				/>
				<ToolButton
					icon={ZoomOut}
					label="Zoom out"
					onClick={() => setView(v => ({ ...v, zoom: clamp(v.zoom / 1.25, 0.25, 8) }))}
				/>
			</div>

			<div className="min-w-0 space-y-2">
				<div className="flex flex-wrap items-center gap-3 rounded-xl border border-line bg-surface px-3 py-2 text-sm shadow-sm">
					<label className="flex items-center gap-2">
						<span className="text-fg-muted">Brush</span>
						<input
							type="range"
							min={2}
							max={400}
							value={size}
							onChange={e => setSize(Number(e.target.value))}
							aria-label="Brush size"
							className="w-28 accent-[var(--color-accent,#6366f1)]"
						/>
						<span className="w-12 tabular-nums text-fg-muted">{size} px</span>
					</label>
					<button
						type="button"
						className="inline-flex items-center gap-1.5 rounded-lg text-sm text-fg-soft hover:bg-raised hover:text-fg disabled:opacity-50 inline-flex items-center gap-1.5 px-2 py-1"
						aria-pressed={!maskVisible}
						onClick={() => setMaskVisible(v => !v)}
					>
						{maskVisible ? <Eye size={16} aria-hidden /> : <EyeOff size={16} aria-hidden />}
						{maskVisible ? 'Mask shown' : 'Mask hidden'}
					</button>
					<span className="text-fg-muted tabular-nums" aria-live="polite">
						{Math.round(view.zoom * 100)}%
					</span>
					<button
						type="button"
						className="inline-flex items-center gap-1.5 rounded-lg text-sm text-fg-soft hover:bg-raised hover:text-fg disabled:opacity-50 px-2 py-1"
						onClick={() => setView({ zoom: 1, x: 0, y: 0 })}
					>
						Fit
					</button>
					<span className="ml-auto text-xs text-fg-muted">
						{doc.strokes.length} stroke{doc.strokes.length === 1 ? '' : 's'} · {history.past.length} step
						{history.past.length === 1 ? '' : 's'} to undo
					</span>
				</div>
				<div
					ref={frame}
					className="overflow-hidden rounded-xl border border-line bg-raised/50"
					style={{ touchAction: 'none', cursor }}
					data-konva-frame
					data-brush-px={painting ? Math.round(size * scale) : undefined}
				>
					<Stage
						ref={stage}
						width={box.width}
						height={box.height}
						scaleX={scale}
						scaleY={scale}
						x={offset.x}
						y={offset.y}
						draggable={tool === 'hand'}
						onDragEnd={e => {
							if (e.target !== e.target.getStage()) return
							setView(v => ({
								...v,
								x: e.target.x() - (box.width - width * scale) / 2,
								y: e.target.y() - (box.height - height * scale) / 2,
							}))
						}}
						onPointerDown={onDown}
						onPointerMove={onMove}
						onPointerUp={onUp}
						onPointerLeave={() => {
							onUp()
							moveCursor(null)
						}}
						onWheel={onWheel}
					>
						<Layer listening={false}>{img ? <KonvaImage image={img} width={width} height={height} /> : null}</Layer>
						<Layer name="mask" opacity={maskVisible ? 0.55 : 0} listening={false}>
							{[...doc.strokes, ...(drawing ? [drawing] : [])].map(s => (
								<Line
									key={s.id}
									points={s.points}
									stroke="#ec4899"
									strokeWidth={s.size}
									lineCap="round"
									lineJoin="round"
									tension={0.3}
									globalCompositeOperation={s.mode === 'erase' ? 'destination-out' : 'source-over'}
								/>
							))}
						</Layer>
						<Layer>
							{doc.shapes.map(s => {
								const common = {
									id: s.id,
									x: s.x,
									y: s.y,
									rotation: s.rotation,
									draggable: tool === 'select',
									onPointerDown: (e: Konva.KonvaEventObject<PointerEvent>) => {
										if (tool !== 'select') return
										e.cancelBubble = true
										setSelected(s.id)
									},
									onDragEnd: (e: Konva.KonvaEventObject<DragEvent>) => changeShape(s.id, e.target),
									onTransformEnd: (e: Konva.KonvaEventObject<Event>) => changeShape(s.id, e.target),
								}
								if (s.type === 'text') {
									const edit = () => {
										setSelected(s.id)
										setTool('select')
										setFocusText(true)
									}
									return (
										<Text
											key={s.id}
											{...common}
											text={s.text ?? ''}
											width={s.width}
											fontSize={fontSizeOf(s)}
											fontStyle="bold"
											fill={s.color}
											onDblClick={edit}
											onDblTap={edit}
										/>
									)
								}
								if (s.type === 'rect') {
									return (
										<Rect
											key={s.id}
											{...common}
											width={s.width}
											height={s.height}
											stroke={s.color}
											strokeWidth={Math.max(2, width / 200)}
										/>
									)
								}
								return (
									<Ellipse
										key={s.id}
										{...common}
										radiusX={s.width / 2}
										radiusY={s.height / 2}
										offsetX={-s.width / 2}
										offsetY={-s.height / 2}
										stroke={s.color}
										strokeWidth={Math.max(2, width / 200)}
									/>
								)
							})}
							<Transformer
								ref={transformer}
								name="guide"
								rotateEnabled
								keepRatio={false}
								enabledAnchors={selectedShape?.type === 'text' ? TEXT_ANCHORS : undefined}
								boundBoxFunc={(before, after) => (after.width < 8 || after.height < 8 ? before : after)}
							/>
							{shownCrop ? (
								<Rect
									name="guide"
									x={shownCrop.x}
									y={shownCrop.y}
									width={shownCrop.width}
									height={shownCrop.height}
									stroke="#fbbf24"
									dash={[12 / scale, 8 / scale]}
									strokeWidth={2 / scale}
									listening={false}
								/>
							) : null}
						</Layer>
						<Layer name="guide" listening={false}>
							<KonvaCircle
								ref={brushCursor}
								visible={false}
								radius={size / 2}
								stroke="#ffffff"
								strokeWidth={1.5 / scale}
								shadowColor="#000000"
								shadowBlur={2 / scale}
								shadowOpacity={0.9}
								shadowForStrokeEnabled
							/>
						</Layer>
					</Stage>
				</div>
			</div>

			<aside className="space-y-4">
				<section className="card space-y-3" aria-labelledby="canvas-inpaint">
					<h2 id="canvas-inpaint" className="flex items-center gap-2 font-semibold">
						<WandSparkles size={16} aria-hidden /> Inpaint
					</h2>
					<p className="text-sm text-fg-muted">Paint over what should change, then describe what goes there.</p>
					<label className="block space-y-1 text-sm">
						<span className="font-medium">Prompt</span>
						<textarea
							className="field"
							rows={3}
							value={prompt}
							onChange={e => setPrompt(e.target.value)}
							placeholder="a red paper lantern"
							name="canvas-prompt"
						/>
					</label>
					{models.length > 1 ? (
						<label className="block space-y-1 text-sm">
							<span className="font-medium">Model</span>
							<select className="field" value={model} onChange={e => setModel(e.target.value)}>
								{models.map(m => (
									<option key={m.id} value={m.id}>
										{m.name}
									</option>
								))}
							</select>
						</label>
					) : null}
					{maskError ? (
						<p role="alert" className="text-sm text-danger">
							{maskError}
						</p>
					) : null}
					<button
						type="button"
						className="btn w-full"
						disabled={busy || doc.strokes.length === 0 || prompt.trim() === '' || models.length === 0}
						onClick={() => void inpaint()}
					>
						{busy ? 'Sending…' : 'Inpaint'}
					</button>
				</section>

				<section className="card space-y-3" aria-labelledby="canvas-crop">
					<h2 id="canvas-crop" className="flex items-center gap-2 font-semibold">
						<Crop size={16} aria-hidden /> Crop
					</h2>
					<div className="flex flex-wrap gap-1.5" role="group" aria-label="Crop to a shape">
						{ASPECTS.map(([label, ratio]) => (
							<button
								key={label}
								type="button"
								className="rounded-full border border-line-strong px-3 py-1 text-xs font-medium hover:bg-raised"
								aria-label={`Crop to ${label}`}
								onClick={() => aspectCrop(ratio)}
							>
								{label}
							</button>
						))}
					</div>
					<p className="text-xs text-fg-muted tabular-nums">
						{doc.crop
							? `${doc.crop.width} × ${doc.crop.height} at ${doc.crop.x}, ${doc.crop.y}`
							: 'Drag on the image with the crop tool, or pick a shape.'}
					</p>
					<div className="flex gap-2">
						<button type="button" className="btn-secondary flex-1" disabled={busy || !doc.crop} onClick={crop}>
							Crop as new
						</button>
						<button
							type="button"
							className="rounded-lg px-3 py-2 text-sm text-fg-soft hover:bg-raised hover:text-fg disabled:opacity-50"
							disabled={!doc.crop}
							onClick={() => history.commit({ ...doc, crop: null })}
						>
							Clear
						</button>
					</div>
				</section>

				<section className="card space-y-3" aria-labelledby="canvas-layers">
					<h2 id="canvas-layers" className="font-semibold">
						Layers
					</h2>
					{doc.shapes.length === 0 ? (
						<p className="text-xs text-fg-muted">
							Add text or shapes with the tools; drag to move, pull the handles to resize or turn.
						</p>
					) : (
						<ul className="space-y-1 text-sm" aria-label="Layers">
							{doc.shapes.map(s => (
								<li key={s.id} className="flex items-center gap-1" data-layer={s.type}>
									<button
										type="button"
										aria-pressed={s.id === selected}
										className={`min-h-10 flex-1 truncate rounded-md px-2 py-1.5 text-left ${s.id === selected ? 'bg-accent-soft' : 'hover:bg-raised'}`}
										onClick={() => {
											setSelected(s.id)
											setTool('select')
										}}
									>
										{s.type === 'text' ? `Text “${s.text ?? ''}”` : s.type === 'rect' ? 'Rectangle' : 'Ellipse'}
									</button>
									<button
										type="button"
										className="icon-btn"
										aria-label={`Delete ${s.type === 'text' ? `text “${s.text ?? ''}”` : s.type === 'rect' ? 'rectangle' : 'ellipse'}`}
										onClick={() => removeLayer(s.id)}
									>
										<Trash2 size={16} aria-hidden />
									</button>
								</li>
							))}
						</ul>
					)}
					<div className="grid grid-cols-[auto_1fr] items-center gap-x-3 gap-y-2 text-sm">
						<label htmlFor="canvas-colour" className="text-fg-muted">
							Colour
						</label>
						<input
							id="canvas-colour"
							type="color"
							className="h-9 w-14 cursor-pointer rounded-md border border-line bg-surface p-0.5"
							value={selectedShape?.color ?? color}
							onChange={e => {
								setColor(e.target.value)
								updateSelected({ color: e.target.value }, 'color')
							}}
						/>
						{selectedShape?.type === 'text' ? (
							<>
								<label htmlFor="canvas-font-size" className="text-fg-muted">
									Font size
								</label>
								<input
									id="canvas-font-size"
									type="number"
									className="field w-28"
									min={6}
									max={2000}
									value={fontSizeOf(selectedShape)}
									onChange={e => {
										const next = Number(e.target.value)
										if (Number.isFinite(next) && next >= 6)
											updateSelected({ fontSize: Math.min(2000, Math.round(next)) }, 'font')
									}}
								/>
							</>
						) : null}
					</div>
					{selectedShape?.type === 'text' ? (
						<label className="block space-y-1 text-sm">
							<span className="font-medium">Layer text</span>
							<textarea
								ref={textField}
								className="field"
								rows={2}
								value={selectedShape.text ?? ''}
								onChange={e => updateSelected({ text: e.target.value }, 'text')}
								onKeyDown={e => {
									if (e.key === 'Escape') e.currentTarget.blur()
								}}
							/>
						</label>
					) : null}
					{selectedShape ? (
						<p
							className="text-xs text-fg-muted tabular-nums"
							data-selected-layer={selectedShape.type}
							data-x={selectedShape.x}
							data-y={selectedShape.y}
							data-width={selectedShape.width}
							data-rotation={selectedShape.rotation}
							data-font-size={selectedShape.type === 'text' ? fontSizeOf(selectedShape) : undefined}
						>
							At {selectedShape.x}, {selectedShape.y} · {selectedShape.width} px wide
							{selectedShape.rotation ? ` · turned ${selectedShape.rotation}°` : ''}. Delete removes it, Escape lets go.
						</p>
					) : null}
					{doc.shapes.length > 0 ? (
						<p className="text-xs text-fg-muted">
							Text and shapes are kept by “Save as new image”; an inpaint repaints the stored image, without them.
						</p>
					) : null}
					<button
						type="button"
						className="btn-secondary inline-flex w-full items-center justify-center gap-2"
						disabled={busy}
						onClick={() => void saveAsNew()}
					>
						<Save size={16} aria-hidden /> Save as new image
					</button>
				</section>
			</aside>
		</div>
	)
}

function ToolButton({
	icon: Icon,
	label,
	active,
	disabled,
	onClick,
}: {
	icon: IconComponent
	label: string
	active?: boolean
	disabled?: boolean
	onClick: () => void
}) {
	return (
		<button
			type="button"
			title={label}
			aria-label={label}
			aria-pressed={active ?? undefined}
			disabled={disabled}
			onClick={onClick}
			className={`grid h-9 w-9 place-items-center rounded-lg transition-colors disabled:opacity-40 ${
				active ? 'bg-accent text-accent-fg shadow-sm' : 'text-fg-soft hover:bg-raised hover:text-fg'
			}`}
		>
			<Icon size={18} aria-hidden />
		</button>
	)
}

function Divider() {
	return <span aria-hidden className="mx-1 h-px w-auto self-stretch bg-line lg:mx-0 lg:my-1 lg:h-px" />
}

/** A text layer's font size in image pixels (layers from before it was stored took it from their height). */
function fontSizeOf(shape: Shape): number {
	return shape.fontSize ?? Math.max(8, Math.round(shape.height * 0.8))
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value))
}

/** A dragged rectangle with positive sides, inside the image, or null when it is too small to mean anything. */
function normalise(b: Box, width: number, height: number): Box | null {
	const x = clamp(Math.min(b.x, b.x + b.width), 0, width)
	const y = clamp(Math.min(b.y, b.y + b.height), 0, height)
	const w = clamp(Math.abs(b.width), 0, width - x)
	const h = clamp(Math.abs(b.height), 0, height - y)
	return w >= 4 && h >= 4 ? { x: Math.round(x), y: Math.round(y), width: Math.round(w), height: Math.round(h) } : null
}
