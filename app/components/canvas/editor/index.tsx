/**
 * The canvas editor (konva), loaded only on `/generations/:id/edit`: paint a mask with a brush and an eraser,
 * add text and shapes, crop, zoom and pan, undo and redo. Everything is kept in the image's own pixels, so
 * the mask and the flattened picture come out at the image's size. It sends through the page's own action
 * and fields (the forms without JavaScript use the same): the mask as a PNG file `mask`, the flattened
 * picture as `image`, a crop as `x`, `y`, `width`, `height`. Pointer events, so a finger paints too.
 *
 * Its parts: `model.ts` (the document), `hooks.ts` (history, the picture, the stage's size, keys), `pointer.ts`
 * (painting and placing), `stage.tsx` (konva), `toolbar.tsx`, `panels.tsx`, `layers-panel.tsx`, `export.ts`.
 */
import { useSubmit } from '@remix-run/react'
import type Konva from 'konva'
import { useCallback, useEffect, useRef, useState } from 'react'
import { flattenedBlob, maskBlob } from './export.ts'
import { useEditorKeys, useHistory, useLoadedImage, useStageBox } from './hooks.ts'
import { centredCrop, clamp, fontSizeOf, normalise, stageLayout, zoomBy } from './model.ts'
import type { Point, Shape, Tool, View } from './model.ts'
import { CropPanel, InpaintPanel } from './panels.tsx'
import { LayersPanel } from './layers-panel.tsx'
import { usePointerTools } from './pointer.ts'
import { EditorStage } from './stage.tsx'
import { OptionsBar, Toolbar } from './toolbar.tsx'

export type CanvasEditorProps = {
	image: { url: string; width: number | null; height: number | null }
	output: number
	models: Array<{ id: string; name: string }>
	busy: boolean
	errors: Record<string, readonly string[] | undefined> | null
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
	const [view, setView] = useState<View>({ zoom: 1, x: 0, y: 0 })
	const [focusText, setFocusText] = useState(false)
	const frame = useRef<HTMLDivElement>(null)
	const stage = useRef<Konva.Stage>(null)
	const transformer = useRef<Konva.Transformer>(null)
	const ring = useRef<Konva.Circle>(null)
	const textField = useRef<HTMLTextAreaElement>(null)

	const layout = stageLayout(useStageBox(frame, width, height), width, height, view)
	const { box, scale, offset } = layout

	const pointer = usePointerTools({
		stage,
		frame,
		ring,
		tool,
		size,
		color,
		history,
		width,
		height,
		onPlace: shape => {
			history.commit({ ...doc, shapes: [...doc.shapes, shape] })
			setSelected(shape.id)
			setTool('select')
			if (shape.type === 'text') setFocusText(true)
		},
		onDeselect: () => setSelected(null),
	})

	const removeLayer = (id: string) => {
		history.commit({ ...doc, shapes: doc.shapes.filter(x => x.id !== id) })
		if (selected === id) setSelected(null)
	}
	const { cancelCrop } = pointer
	const deselect = useCallback(() => {
		setSelected(null)
		cancelCrop()
	}, [cancelCrop])
	useEditorKeys({ history, selected, deselect, remove: removeLayer, setSize, setTool })

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

	/** A layer dragged or transformed: its new place, size and turn, the node's scale folded into its size. */
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

	const send = (fields: Record<string, string>, file?: { name: string; blob: Blob; filename: string }) => {
		const form = new FormData()
		for (const [k, v] of Object.entries(fields)) form.set(k, v)
		form.set('output', String(output))
		if (file) form.set(file.name, file.blob, file.filename)
		submit(form, { method: 'post', encType: 'multipart/form-data' })
	}

	const inpaint = async (prompt: string, model: string) => {
		const blob = await maskBlob(doc.strokes, width, height)
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
		if (!stage.current) return
		setSelected(null)
		const blob = await flattenedBlob(stage.current, doc.crop ?? { x: 0, y: 0, width, height }, offset, scale)
		if (blob) send({ intent: 'save' }, { name: 'image', blob, filename: 'canvas.png' })
	}

	const selectedShape = doc.shapes.find(s => s.id === selected) ?? null
	const painting = tool === 'brush' || tool === 'eraser'
	const cursor =
		tool === 'hand' ? 'grab' : painting || tool === 'crop' ? 'crosshair' : tool === 'select' ? 'default' : 'copy'
	const shownCrop = pointer.cropDraft ? normalise(pointer.cropDraft, width, height) : doc.crop
	const maskError = errors?.mask?.join(' ') ?? errors?.prompt?.join(' ') ?? errors?.model?.join(' ') ?? null

	return (
		<div className="grid gap-4 lg:grid-cols-[3.25rem_minmax(0,1fr)_18rem]" data-canvas-editor>
			<Toolbar
				tool={tool}
				setTool={setTool}
				canUndo={history.past.length > 0}
				canRedo={history.future.length > 0}
				undo={history.undo}
				redo={history.redo}
				zoom={factor => setView(zoomBy(factor))}
			/>

			<div className="min-w-0 space-y-2">
				<OptionsBar
					size={size}
					setSize={setSize}
					maskVisible={maskVisible}
					toggleMask={() => setMaskVisible(v => !v)}
					zoom={view.zoom}
					fit={() => setView({ zoom: 1, x: 0, y: 0 })}
					strokes={doc.strokes.length}
					steps={history.past.length}
				/>
				<div
					ref={frame}
					className="overflow-hidden rounded-xl border border-line bg-raised/50"
					style={{ touchAction: 'none', cursor }}
					data-konva-frame
					data-brush-px={painting ? Math.round(size * scale) : undefined}
				>
					<EditorStage
						refs={{ stage, transformer, ring }}
						layout={layout}
						image={img}
						tool={tool}
						size={size}
						strokes={pointer.drawing ? [...doc.strokes, pointer.drawing] : doc.strokes}
						maskVisible={maskVisible}
						shapes={doc.shapes}
						selected={selectedShape}
						crop={shownCrop}
						pointer={pointer}
						onPan={(p: Point) =>
							setView(v => ({
								...v,
								x: p.x - (box.width - width * scale) / 2,
								y: p.y - (box.height - height * scale) / 2,
							}))
						}
						onZoom={factor => setView(zoomBy(factor))}
						onSelect={setSelected}
						onChange={changeShape}
						onEditText={id => {
							setSelected(id)
							setTool('select')
							setFocusText(true)
						}}
					/>
				</div>
			</div>

			<aside className="space-y-4">
				<InpaintPanel
					models={models}
					error={maskError}
					busy={busy}
					ready={doc.strokes.length > 0}
					onInpaint={(prompt, model) => void inpaint(prompt, model)}
				/>
				<LayersPanel
					shapes={doc.shapes}
					selected={selectedShape}
					color={color}
					textField={textField}
					busy={busy}
					onSelect={id => {
						setSelected(id)
						setTool('select')
					}}
					onRemove={removeLayer}
					onColor={setColor}
					onChange={updateSelected}
					onSave={() => void saveAsNew()}
				/>
				<CropPanel
					crop={doc.crop}
					busy={busy}
					onAspect={ratio => {
						history.commit({ ...doc, crop: centredCrop(ratio, width, height) })
						setTool('crop')
					}}
					onCrop={crop}
					onClear={() => history.commit({ ...doc, crop: null })}
				/>
			</aside>
		</div>
	)
}
