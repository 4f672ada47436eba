/** The editor's side panels: Inpaint (prompt and model for the painted mask) and Crop (a shape or a dragged box). */
import { useState } from 'react'
import type { ReactNode } from 'react'
import { Crop, WandSparkles } from '#app/components/icons/index.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import { ASPECTS } from './model.ts'
import type { Box } from './model.ts'

/** One side panel: a card titled by its heading, with an icon before the title where it has one. */
export function EditorPanel({
	id,
	title,
	icon,
	children,
}: {
	id: string
	title: string
	icon?: ReactNode
	children: ReactNode
}) {
	return (
		<TitledSection
			id={id}
			title={
				icon ? (
					<>
						{icon} {title}
					</>
				) : (
					title
				)
			}
			className="card space-y-3"
			headingClassName={icon ? 'flex items-center gap-2 font-semibold' : 'font-semibold'}
		>
			{children}
		</TitledSection>
	)
}

export function InpaintPanel({
	models,
	error,
	busy,
	ready,
	onInpaint,
}: {
	models: Array<{ id: string; name: string }>
	error: string | null
	busy: boolean
	/** There is a mask to send. */
	ready: boolean
	onInpaint: (prompt: string, model: string) => void
}) {
	const [prompt, setPrompt] = useState('')
	const [model, setModel] = useState(models[0]?.id ?? '')
	return (
		<EditorPanel id="canvas-inpaint" title="Inpaint" icon={<WandSparkles size={16} aria-hidden />}>
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
			{error ? (
				<p role="alert" className="text-sm text-danger">
					{error}
				</p>
			) : null}
			<button
				type="button"
				className="btn min-h-10 w-full"
				disabled={busy || !ready || prompt.trim() === '' || models.length === 0}
				onClick={() => onInpaint(prompt, model)}
			>
				{busy ? 'Sending…' : 'Inpaint'}
			</button>
		</EditorPanel>
	)
}

export function CropPanel({
	crop,
	busy,
	onAspect,
	onCrop,
	onClear,
}: {
	crop: Box | null
	busy: boolean
	onAspect: (ratio: number) => void
	onCrop: () => void
	onClear: () => void
}) {
	return (
		<EditorPanel id="canvas-crop" title="Crop" icon={<Crop size={16} aria-hidden />}>
			<div className="flex flex-wrap gap-1.5" role="group" aria-label="Crop to a shape">
				{ASPECTS.map(([label, ratio]) => (
					<button
						key={label}
						type="button"
						className="min-h-10 rounded-full border border-line-strong px-3 py-1 text-xs font-medium hover:bg-raised lg:min-h-8"
						aria-label={`Crop to ${label}`}
						onClick={() => onAspect(ratio)}
					>
						{label}
					</button>
				))}
			</div>
			<p className="text-xs text-fg-muted tabular-nums">
				{crop
					? `${crop.width} × ${crop.height} at ${crop.x}, ${crop.y}`
					: 'Drag on the image with the crop tool, or pick a shape.'}
			</p>
			<div className="flex gap-2">
				<button type="button" className="btn-secondary min-h-10 flex-1" disabled={busy || !crop} onClick={onCrop}>
					Crop as new
				</button>
				<button
					type="button"
					className="min-h-10 rounded-lg px-3 py-2 text-sm text-fg-soft hover:bg-raised hover:text-fg disabled:opacity-50"
					disabled={!crop}
					onClick={onClear}
				>
					Clear
				</button>
			</div>
		</EditorPanel>
	)
}
