/**
 * The Layers panel: the text and shape layers (select, delete), the colour, a text layer's words and font size,
 * where the selected layer sits, and "Save as new image", which keeps them (decision 024).
 */
import type { RefObject } from 'react'
import { Save, Trash2 } from '#app/components/icons/index.tsx'
import { fontSizeOf, layerName } from './model.ts'
import { EditorPanel } from './panels.tsx'
import type { Shape } from './model.ts'

export function LayersPanel({
	shapes,
	selected,
	color,
	textField,
	busy,
	onSelect,
	onRemove,
	onColor,
	onChange,
	onSave,
}: {
	shapes: Shape[]
	selected: Shape | null
	/** The colour of new layers. */
	color: string
	textField: RefObject<HTMLTextAreaElement>
	busy: boolean
	onSelect: (id: string) => void
	onRemove: (id: string) => void
	onColor: (color: string) => void
	/** A change to the selected layer; `key` folds a run of the same change into one undo step. */
	onChange: (change: Partial<Shape>, key: string) => void
	onSave: () => void
}) {
	return (
		<EditorPanel id="canvas-layers" title="Layers">
			{shapes.length === 0 ? (
				<p className="text-xs text-fg-muted">
					Add text or shapes with the tools; drag to move, pull the handles to resize or turn.
				</p>
			) : (
				<ul className="space-y-1 text-sm" aria-label="Layers">
					{shapes.map(s => {
						const name = layerName(s)
						return (
							<li key={s.id} className="flex items-center gap-1" data-layer={s.type}>
								<button
									type="button"
									aria-pressed={s.id === selected?.id}
									className={`min-h-10 flex-1 truncate rounded-md px-2 py-1.5 text-left ${s.id === selected?.id ? 'bg-accent-soft' : 'hover:bg-raised'}`}
									onClick={() => onSelect(s.id)}
								>
									{name}
								</button>
								<button
									type="button"
									className="icon-btn h-10 w-10"
									aria-label={`Delete ${name.charAt(0).toLowerCase()}${name.slice(1)}`}
									onClick={() => onRemove(s.id)}
								>
									<Trash2 size={16} aria-hidden />
								</button>
							</li>
						)
					})}
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
					value={selected?.color ?? color}
					onChange={e => {
						onColor(e.target.value)
						onChange({ color: e.target.value }, 'color')
					}}
				/>
				{selected?.type === 'text' ? (
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
							value={fontSizeOf(selected)}
							onChange={e => {
								const next = Number(e.target.value)
								if (Number.isFinite(next) && next >= 6) onChange({ fontSize: Math.min(2000, Math.round(next)) }, 'font')
							}}
						/>
					</>
				) : null}
			</div>
			{selected?.type === 'text' ? (
				<label className="block space-y-1 text-sm">
					<span className="font-medium">Layer text</span>
					<textarea
						ref={textField}
						className="field"
						rows={2}
						value={selected.text ?? ''}
						onChange={e => onChange({ text: e.target.value }, 'text')}
						onKeyDown={e => {
							if (e.key === 'Escape') e.currentTarget.blur()
						}}
					/>
				</label>
			) : null}
			{selected ? (
				<p
					className="text-xs text-fg-muted tabular-nums"
					data-selected-layer={selected.type}
					data-x={selected.x}
					data-y={selected.y}
					data-width={selected.width}
					data-rotation={selected.rotation}
					data-font-size={selected.type === 'text' ? fontSizeOf(selected) : undefined}
				>
					At {selected.x}, {selected.y} · {selected.width} px wide
					{selected.rotation ? ` · turned ${selected.rotation}°` : ''}. Delete removes it, Escape lets go.
				</p>
			) : null}
			{shapes.length > 0 ? (
				<p className="text-xs text-fg-muted">
					Text and shapes are kept by “Save as new image”; an inpaint repaints the stored image, without them.
				</p>
			) : null}
			<button
				type="button"
				className="btn-secondary inline-flex min-h-10 w-full items-center justify-center gap-2"
				disabled={busy}
				onClick={onSave}
			>
				<Save size={16} aria-hidden /> Save as new image
			</button>
		</EditorPanel>
	)
}
