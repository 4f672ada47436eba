/** The editor's tool bar (left, or on top on a phone) and the options bar over the stage. */
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
	Square,
	TypeIcon,
	Undo2,
	ZoomIn,
	ZoomOut,
} from '#app/components/icons/index.tsx'
import type { IconComponent } from '#app/components/icons/index.tsx'
import type { Tool } from './model.ts'

export function Toolbar({
	tool,
	setTool,
	canUndo,
	canRedo,
	undo,
	redo,
	zoom,
}: {
	tool: Tool
	setTool: (tool: Tool) => void
	canUndo: boolean
	canRedo: boolean
	undo: () => void
	redo: () => void
	zoom: (factor: number) => void
}) {
	const pick = (name: Tool) => ({ active: tool === name, onClick: () => setTool(name) })
	return (
		<div
			role="toolbar"
			aria-label="Tools"
			aria-orientation="vertical"
			className="flex flex-row flex-wrap gap-1 rounded-xl border border-line bg-surface p-1.5 shadow-sm lg:flex-col lg:self-start"
		>
			<ToolButton icon={Brush} label="Brush (B)" {...pick('brush')} />
			<ToolButton icon={Eraser} label="Eraser (E)" {...pick('eraser')} />
			<ToolButton icon={MousePointer2} label="Select and move (V)" {...pick('select')} />
			<ToolButton icon={Hand} label="Pan (H)" {...pick('hand')} />
			<Divider />
			<ToolButton icon={TypeIcon} label="Add text" {...pick('text')} />
			<ToolButton icon={Square} label="Add a rectangle" {...pick('rect')} />
			<ToolButton icon={Circle} label="Add an ellipse" {...pick('ellipse')} />
			<ToolButton icon={Crop} label="Crop" {...pick('crop')} />
			<Divider />
			<ToolButton icon={Undo2} label="Undo (Ctrl+Z)" disabled={!canUndo} onClick={undo} />
			<ToolButton icon={Redo2} label="Redo (Ctrl+Shift+Z)" disabled={!canRedo} onClick={redo} />
			<ToolButton icon={ZoomIn} label="Zoom in" onClick={() => zoom(1.25)} />
			<ToolButton icon={ZoomOut} label="Zoom out" onClick={() => zoom(1 / 1.25)} />
		</div>
	)
}

export function OptionsBar({
	size,
	setSize,
	maskVisible,
	toggleMask,
	zoom,
	fit,
	strokes,
	steps,
}: {
	size: number
	setSize: (size: number) => void
	maskVisible: boolean
	toggleMask: () => void
	zoom: number
	fit: () => void
	strokes: number
	steps: number
}) {
	return (
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
				className="inline-flex min-h-10 items-center gap-1.5 rounded-lg px-2 py-1 text-sm text-fg-soft lg:min-h-0 hover:bg-raised hover:text-fg disabled:opacity-50"
				aria-pressed={!maskVisible}
				onClick={toggleMask}
			>
				{maskVisible ? <Eye size={16} aria-hidden /> : <EyeOff size={16} aria-hidden />}
				{maskVisible ? 'Mask shown' : 'Mask hidden'}
			</button>
			<span className="text-fg-muted tabular-nums" aria-live="polite">
				{Math.round(zoom * 100)}%
			</span>
			<button
				type="button"
				className="inline-flex min-h-10 items-center gap-1.5 rounded-lg px-2 py-1 text-sm text-fg-soft lg:min-h-0 hover:bg-raised hover:text-fg disabled:opacity-50"
				onClick={fit}
			>
				Fit
			</button>
			<span className="ml-auto text-xs text-fg-muted">
				{strokes} stroke{strokes === 1 ? '' : 's'} · {steps} step
				{steps === 1 ? '' : 's'} to undo
			</span>
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
			className={`grid h-10 w-10 place-items-center lg:h-9 lg:w-9 rounded-lg transition-colors disabled:opacity-40 ${
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
