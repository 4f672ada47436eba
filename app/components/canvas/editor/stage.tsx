/**
 * The konva stage: the picture, the mask layer (strokes in pink, erased strokes cut out of it), the text and shape
 * layers with their transformer, the crop outline and the brush ring. Zoom and pan are only the stage's transform.
 */
import type Konva from 'konva'
import type { RefObject } from 'react'
import { Circle, Ellipse, Image as KonvaImage, Layer, Line, Rect, Stage, Text, Transformer } from 'react-konva'
import { TEXT_ANCHORS, fontSizeOf } from './model.ts'
import type { Box, Point, Shape, StageLayout, Stroke, Tool } from './model.ts'

export type StageProps = {
	refs: {
		stage: RefObject<Konva.Stage>
		transformer: RefObject<Konva.Transformer>
		ring: RefObject<Konva.Circle>
	}
	layout: StageLayout
	image: HTMLImageElement | null
	tool: Tool
	size: number
	strokes: Stroke[]
	maskVisible: boolean
	shapes: Shape[]
	selected: Shape | null
	crop: Box | null
	pointer: {
		onDown: (e: Konva.KonvaEventObject<PointerEvent>) => void
		onMove: () => void
		onUp: (e?: Konva.KonvaEventObject<PointerEvent>) => void
		onLeave: () => void
	}
	/** The stage was dragged with the hand tool to this position. */
	onPan: (position: Point) => void
	onZoom: (factor: number) => void
	onSelect: (id: string) => void
	onChange: (id: string, node: Konva.Node) => void
	onEditText: (id: string) => void
}

export function EditorStage(props: StageProps) {
	const { refs, image, tool, pointer } = props
	const { box, width, height, scale, offset } = props.layout
	return (
		<Stage
			ref={refs.stage}
			width={box.width}
			height={box.height}
			scaleX={scale}
			scaleY={scale}
			x={offset.x}
			y={offset.y}
			draggable={tool === 'hand'}
			onDragEnd={e => {
				if (e.target !== e.target.getStage()) return
				props.onPan({ x: e.target.x(), y: e.target.y() })
			}}
			onPointerDown={pointer.onDown}
			onPointerMove={pointer.onMove}
			onPointerUp={pointer.onUp}
			onPointerLeave={pointer.onLeave}
			onWheel={e => {
				e.evt.preventDefault()
				props.onZoom(e.evt.deltaY > 0 ? 0.9 : 1.1)
			}}
		>
			<Layer listening={false}>{image ? <KonvaImage image={image} width={width} height={height} /> : null}</Layer>
			<Layer name="mask" opacity={props.maskVisible ? 0.55 : 0} listening={false}>
				{props.strokes.map(s => (
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
				{props.shapes.map(s => (
					<ShapeNode key={s.id} shape={s} {...props} />
				))}
				<Transformer
					ref={refs.transformer}
					name="guide"
					rotateEnabled
					keepRatio={false}
					enabledAnchors={props.selected?.type === 'text' ? TEXT_ANCHORS : undefined}
					boundBoxFunc={(before, after) => (after.width < 8 || after.height < 8 ? before : after)}
				/>
				{props.crop ? (
					<Rect
						name="guide"
						x={props.crop.x}
						y={props.crop.y}
						width={props.crop.width}
						height={props.crop.height}
						stroke="#fbbf24"
						dash={[12 / scale, 8 / scale]}
						strokeWidth={2 / scale}
						listening={false}
					/>
				) : null}
			</Layer>
			<Layer name="guide" listening={false}>
				<Circle
					ref={refs.ring}
					visible={false}
					radius={props.size / 2}
					stroke="#ffffff"
					strokeWidth={1.5 / scale}
					shadowColor="#000000"
					shadowBlur={2 / scale}
					shadowOpacity={0.9}
					shadowForStrokeEnabled
				/>
			</Layer>
		</Stage>
	)
}

/** One text or shape layer: dragged and transformed with the select tool, its changes kept in image pixels. */
function ShapeNode({ shape: s, tool, layout, onSelect, onChange, onEditText }: StageProps & { shape: Shape }) {
	const { width } = layout
	const common = {
		id: s.id,
		x: s.x,
		y: s.y,
		rotation: s.rotation,
		draggable: tool === 'select',
		onPointerDown: (e: Konva.KonvaEventObject<PointerEvent>) => {
			if (tool !== 'select') return
			e.cancelBubble = true
			onSelect(s.id)
		},
		onDragEnd: (e: Konva.KonvaEventObject<DragEvent>) => onChange(s.id, e.target),
		onTransformEnd: (e: Konva.KonvaEventObject<Event>) => onChange(s.id, e.target),
	}
	if (s.type === 'text') {
		const edit = () => onEditText(s.id)
		return (
			<Text
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
			<Rect {...common} width={s.width} height={s.height} stroke={s.color} strokeWidth={Math.max(2, width / 200)} />
		)
	}
	return (
		<Ellipse
			{...common}
			radiusX={s.width / 2}
			radiusY={s.height / 2}
			offsetX={-s.width / 2}
			offsetY={-s.height / 2}
			stroke={s.color}
			strokeWidth={Math.max(2, width / 200)}
		/>
	)
}
