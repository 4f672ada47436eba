/**
 * The image studio's parameters panel. It shows only what the chosen model takes — its sizes as aspect chips,
 * its count, a seed and a negative prompt where it takes them, its quality and style settings — and the price
 * of the run by the Generate button. Without JavaScript a model change is applied by sending the form back
 * with GET (the loader re-renders it for that model, keeping what was typed); with JavaScript the fields
 * follow the select in place.
 */
import { Link, useNavigation } from '@remix-run/react'
import { X } from '#app/components/icons/index.tsx'
import { useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { IMAGE_SIZE_LABELS } from '#server/domain/generations/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { RadioGroupField } from '../forms.tsx'
import {
	DefaultableSelect,
	GenerateButton,
	ModelPicker,
	NoteField,
	PromptField,
	SeedField,
	StudioForm,
} from '../studio-form.tsx'
import type { StudioPanelProps } from '../studio-form.tsx'
import { Thumb } from './thumb.tsx'
import type { ImageFormValues, ImageModelView, SourceImage } from './types.ts'

const LABELS = {
	size: 'Size',
	n: 'Images',
	negativePrompt: 'Negative prompt',
	quality: 'Quality',
	style: 'Style',
	strength: 'Strength',
	sourceId: 'Source image',
	scale: 'Scale',
}

export type ImageFormProps = StudioPanelProps<ImageModelView, ImageFormValues> & {
	source: SourceImage | null
	defaultStrength: number
}

/** The values that carry over to another model's fields: the ones it also takes. */
function readValues(form: HTMLFormElement): ImageFormValues {
	const values: ImageFormValues = {}
	for (const [key, value] of new FormData(form)) {
		if (typeof value === 'string') values[key as keyof ImageFormValues] = value
	}
	return values
}

function runPrice(model: ImageModelView | undefined, n: number): string {
	if (!model) return ''
	if (model.perImageMicros === null) return model.price
	if (model.perImageMicros === 0) return 'Free'
	return `${formatUsd(model.perImageMicros * n)} for ${n} image${n === 1 ? '' : 's'}`
}

export function ImageForm(props: ImageFormProps) {
	const { models, source } = props
	const busy = useNavigation().state === 'submitting'
	const formRef = useRef<HTMLFormElement>(null)
	const [modelId, setModelId] = useState(props.values.model ?? props.defaultModel)
	const [values, setValues] = useState(props.values)
	const model = models.find(m => m.id === modelId) ?? models[0]
	const n = Math.min(Number(values.n ?? 1) || 1, model?.maxImages ?? 1)

	function onChange(event: FormEvent<HTMLFormElement>) {
		const target = event.target
		if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return
		const current = readValues(event.currentTarget)
		if (target.name === 'model') setModelId(target.value)
		if (['model', 'n', 'strength'].includes(target.name)) setValues(current)
	}

	if (!model) {
		return <p className="callout-danger">No model here can make images. An administrator can add one in Settings.</p>
	}
	const size = model.sizes.includes(values.size as never) ? values.size : model.sizes[0]
	const advancedOpen = Boolean(values.seed || values.negativePrompt || values.quality || values.style)
	const strength = values.strength ?? String(props.defaultStrength)
	return (
		<StudioForm
			action="/images"
			formRef={formRef}
			labels={LABELS}
			studio={props}
			idempotencyKey={values.idempotencyKey}
			onChange={onChange}
		>
			{source ? <SourceBlock source={source} strength={strength} /> : null}
			<PromptField
				rows={5}
				defaultValue={values.prompt}
				placeholder="A lighthouse on a cliff at dawn, watercolour"
				minHeight="min-h-32"
			/>
			<ModelPicker
				models={models}
				model={model}
				disabled={m => Boolean(source) && !m.inputImage}
				description={<ModelHint model={model} sourced={Boolean(source)} />}
			/>
			{/* Keyed by model: another model's fields start from the values that still fit. */}
			<div key={model.id} className="space-y-5">
				<RadioGroupField
					name="size"
					label={LABELS.size}
					variant="chips"
					defaultValue={size}
					options={model.sizes.map(s => ({ value: s, label: IMAGE_SIZE_LABELS[s] }))}
					description={`${size?.replace('x', ' × ') ?? ''} pixels${model.sizes.length === 1 ? '; the only size this model makes' : ''}.`}
				/>
				{model.maxImages > 1 ? (
					<RadioGroupField
						name="n"
						label={LABELS.n}
						variant="chips"
						defaultValue={String(n)}
						options={Array.from({ length: model.maxImages }, (_, i) => ({
							value: String(i + 1),
							label: String(i + 1),
						}))}
					/>
				) : (
					<p className="text-sm text-fg-muted">
						<span className="font-medium text-fg">Images:</span> one per request with this model.
						<input type="hidden" name="n" value="1" />
					</p>
				)}
				<details className="group rounded-lg border border-line" open={advancedOpen}>
					<summary className="cursor-pointer select-none rounded-lg px-3 py-2.5 text-sm font-medium hover:bg-raised">
						Advanced settings
					</summary>
					<div className="space-y-4 border-t border-line p-3">
						{model.negativePrompt ? (
							<NoteField
								name="negativePrompt"
								maxLength={2000}
								defaultValue={values.negativePrompt}
								placeholder="blurry, text, watermark"
								description="What the picture should not have."
							/>
						) : null}
						{model.seed ? (
							<SeedField
								defaultValue={values.seed}
								description="Blank for a new random seed each time. The seed used is stored and shown with every image; the same seed and settings make the same picture."
							/>
						) : null}
						{model.qualities.length > 0 ? (
							<DefaultableSelect name="quality" choices={model.qualities} defaultValue={values.quality} />
						) : null}
						{model.styles.length > 0 ? (
							<DefaultableSelect name="style" choices={model.styles} defaultValue={values.style} />
						) : null}
						<p className="text-xs text-fg-muted">
							{model.name} takes{' '}
							{[
								model.negativePrompt ? 'a negative prompt' : null,
								model.seed ? 'a seed' : null,
								model.qualities.length > 0 ? 'a quality' : null,
								model.styles.length > 0 ? 'a style' : null,
							]
								.filter(Boolean)
								.join(', ') || 'no advanced settings'}
							.
						</p>
					</div>
				</details>
			</div>
			<div className="flex items-center justify-between gap-3 border-t border-line pt-4">
				<p className="text-sm text-fg-muted" data-run-price="">
					{runPrice(model, n)}
				</p>
				<GenerateButton busy={busy} className="btn min-h-10 min-w-32">
					Generate
				</GenerateButton>
			</div>
		</StudioForm>
	)
}

function ModelHint({ model, sourced }: { model: ImageModelView; sourced: boolean }) {
	return (
		<>
			{model.description}
			{sourced ? ' Only models that start from an image can be picked.' : ''}
		</>
	)
}

function SourceBlock({ source, strength }: { source: SourceImage; strength: string }) {
	const output = source.item.outputs[source.index]
	return (
		<div className="rounded-lg border border-line bg-raised/50 p-3" data-source-image="">
			<div className="flex items-start gap-3">
				{output ? (
					<Thumb output={output} alt="" sizes="80px" eager className="h-20 w-20 rounded-md object-cover" />
				) : null}
				<div className="min-w-0 flex-1">
					<p className="text-sm font-medium">Starting from this image</p>
					<p className="line-clamp-2 text-xs text-fg-muted">{source.item.prompt}</p>
					<Link to="/images" className="mt-1 inline-flex items-center gap-1 text-xs">
						<X aria-hidden="true" size={12} />
						Start from nothing instead
					</Link>
				</div>
			</div>
			<input type="hidden" name="sourceId" value={source.id} />
			<input type="hidden" name="sourceIndex" value={String(source.index)} />
			<div className="mt-3 space-y-1">
				<label htmlFor="field-strength" className="flex items-baseline justify-between text-sm font-medium">
					{LABELS.strength}
					<output htmlFor="field-strength" className="tabular-nums text-fg-muted">
						{Math.round(Number(strength) * 100)}%
					</output>
				</label>
				<input
					id="field-strength"
					type="range"
					name="strength"
					min={0.05}
					max={1}
					step={0.05}
					defaultValue={strength}
					aria-describedby="field-strength-description"
					className="w-full accent-accent"
				/>
				<p id="field-strength-description" className="text-xs text-fg-muted">
					Low keeps the source nearly as it is; high lets the prompt take over.
				</p>
			</div>
		</div>
	)
}
