/**
 * The video studio's parameters panel: prompt, the model with its price, and only what the chosen model takes —
 * its lengths, aspect ratios and resolutions as chips — plus the image a clip starts from (for models that take
 * one), picked from the user's images. Without JavaScript a model change sends the form back by GET (the loader
 * re-renders it for that model, keeping what was typed); with JavaScript the fields follow the select in place.
 */
import { Link, useNavigation } from '@remix-run/react'
import { X } from '#app/components/icons/index.tsx'
import { useState } from 'react'
import type { FormEvent } from 'react'
import type { VideoModelView } from '#server/domain/generations/schema.ts'
import { ChoiceChips, GenerateButton, ModelPicker, PromptField, SeedField, StudioForm } from '../studio-form.tsx'
import type { StudioPanelProps } from '../studio-form.tsx'
import { FileField } from '../forms.tsx'
import { Thumb } from '../images/thumb.tsx'
import type { GalleryItem, SourceImage } from '../images/types.ts'
import type { VideoFormValues } from './types.ts'

const LABELS = {
	durationSeconds: 'Length',
	aspect: 'Aspect ratio',
	resolution: 'Resolution',
	sourceId: 'Start from an image',
	sourceFile: 'Upload a first frame',
	sourceIndex: 'Source image',
}

export type VideoFormProps = StudioPanelProps<VideoModelView, VideoFormValues> & {
	source: SourceImage | null
	library: GalleryItem[]
}

export function VideoForm(props: VideoFormProps) {
	const { models, source, values } = props
	const busy = useNavigation().state === 'submitting'
	const [modelId, setModelId] = useState(values.model ?? props.defaultModel)
	const model = models.find(m => m.id === modelId) ?? models[0]

	function onChange(event: FormEvent<HTMLFormElement>) {
		const target = event.target
		if (target instanceof HTMLSelectElement && target.name === 'model') setModelId(target.value)
	}

	if (!model) {
		return <p className="callout-danger">No model here can make video. An administrator can add one in Settings.</p>
	}
	const durations = model.durations.map(String)
	const sourced = Boolean(source)
	return (
		<StudioForm action="/video" labels={LABELS} studio={props} onChange={onChange} encType="multipart/form-data">
			{source ? (
				<div
					className="flex items-center gap-3 rounded-lg border border-line bg-raised/60 p-2"
					data-video-source={source.id}
				>
					<Thumb
						output={source.item.outputs[source.index] ?? source.item.outputs[0]!}
						alt={`Source: ${source.item.prompt}`}
						sizes="5rem"
						className="h-16 w-16 rounded-md object-cover"
					/>
					<div className="min-w-0 flex-1 text-sm">
						<p className="font-medium">Image to video</p>
						<p className="truncate text-fg-muted">The clip starts from this image.</p>
					</div>
					<Link to="/video" className="btn-secondary px-2 py-1 text-xs" aria-label="Remove the source image">
						<X aria-hidden="true" size={14} />
					</Link>
					<input type="hidden" name="sourceId" value={source.id} />
					<input type="hidden" name="sourceIndex" value={String(source.index)} />
				</div>
			) : null}
			<PromptField
				rows={4}
				defaultValue={values.prompt}
				placeholder="Slow waves rolling onto a pebble beach, golden hour"
				minHeight="min-h-28"
			/>
			<ModelPicker
				models={models}
				model={model}
				disabled={m => sourced && !m.inputImage}
				description={`${model.description}${model.inputImage ? ' Starts from an image too.' : ' Text only.'}`}
			/>
			{/* Keyed by model: another model's fields start from the values that still fit. */}
			<div key={model.id} className="space-y-5" data-video-model={model.id}>
				<ChoiceChips
					name="durationSeconds"
					choices={durations}
					value={values.durationSeconds}
					format={d => `${d} s`}
					description={durations.length === 1 ? 'The only length this model makes.' : undefined}
				/>
				<ChoiceChips name="aspect" choices={model.aspects} value={values.aspect} />
				<ChoiceChips name="resolution" choices={model.resolutions} value={values.resolution} />
				<SeedField defaultValue={values.seed} description="Blank for the provider’s choice." />
				{!source && model.inputImage ? (
					<details
						className="rounded-lg border border-line"
						open={Boolean(values.sourceId) || Boolean(props.errors?.sourceFile)}
					>
						<summary className="cursor-pointer select-none rounded-lg px-3 py-2 text-sm font-medium hover:bg-raised">
							{LABELS.sourceId}
						</summary>
						<div className="space-y-3 border-t border-line p-3">
							{props.library.length > 0 ? (
								<fieldset>
									<legend className="sr-only">{LABELS.sourceId}</legend>
									<div className="grid grid-cols-4 gap-2">
										<label className="flex aspect-square cursor-pointer items-center justify-center rounded-md border border-line-strong text-center text-xs has-[:checked]:border-accent has-[:checked]:bg-accent-soft">
											<input
												type="radio"
												name="sourceId"
												value=""
												defaultChecked={!values.sourceId}
												className="sr-only"
											/>
											Text only
										</label>
										{props.library.map(item => (
											<label
												key={item.id}
												className="cursor-pointer overflow-hidden rounded-md border-2 border-transparent has-[:checked]:border-accent"
											>
												<input
													type="radio"
													name="sourceId"
													value={item.id}
													defaultChecked={values.sourceId === item.id}
													className="sr-only"
												/>
												{item.outputs[0] ? (
													<Thumb
														output={item.outputs[0]}
														alt={item.prompt}
														sizes="5rem"
														className="aspect-square w-full object-cover"
													/>
												) : null}
											</label>
										))}
									</div>
								</fieldset>
							) : null}
							<FileField
								name="sourceFile"
								label={props.library.length > 0 ? 'Or upload one' : LABELS.sourceFile}
								accept="image/png,image/jpeg,image/webp,image/gif"
								description="PNG, JPEG, WebP or GIF up to 20 MB. It joins your images, and the clip starts from it."
							/>
						</div>
					</details>
				) : null}
			</div>
			<p className="text-sm text-fg-muted" data-video-price="">
				{model.price}
			</p>
			<GenerateButton busy={busy}>Generate video</GenerateButton>
		</StudioForm>
	)
}
