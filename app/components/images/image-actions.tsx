/**
 * The actions of an image's page: Vary, Edit, Use these settings, Use as source, Make a video, Download, Share and
 * Upscale while it is done; Cancel or Run again, and Delete, kept apart. Each a link or a form.
 */
import { Form, Link } from '@remix-run/react'
import { IntentButton, IntentForm } from '#app/components/forms.tsx'
import { ShareForm } from '#app/components/share/share-form.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import {
	Clapperboard,
	Download,
	ImagePlus,
	Maximize2,
	Pencil,
	RotateCcw,
	Shuffle,
	SlidersHorizontal,
	Trash2,
	X,
} from '#app/components/icons/index.tsx'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import { PENDING } from '../generation-output.tsx'
import type { ImageDetailProps, ImageView } from './types.ts'

export function Actions({
	generation: g,
	selected,
	upscalers,
	models,
	idempotencyKey,
	output,
}: ImageDetailProps & { output: ImageView | undefined }) {
	const done = g.status === 'succeeded' && output !== undefined
	// An upscale, an inpainting or an image made in the editor has no settings to vary.
	const isUpscale = g.params.operation !== undefined && g.params.operation !== 'generate'
	const canStartFrom = models.some(m => m.inputImage)
	return (
		<TitledSection id="actions-title" title="Actions" className="space-y-3" headingClassName="sr-only">
			{done ? (
				<div className="grid grid-cols-2 gap-2">
					{!isUpscale ? (
						<IntentForm
							intent="vary"
							fields={{ idempotencyKey: `${idempotencyKey}-vary` }}
							className="contents"
							buttonClassName="btn"
							icon={Shuffle}
						>
							Vary
						</IntentForm>
					) : null}
					<Link
						to={`/generations/${g.id}/edit${selected ? `?image=${selected}` : ''}`}
						className={`btn-secondary ${isUpscale ? 'col-span-2' : ''}`}
					>
						<Pencil aria-hidden="true" size={16} />
						Edit
					</Link>
					<Link to={`/images?from=${g.id}`} className="btn-secondary col-span-2">
						<SlidersHorizontal aria-hidden="true" size={16} />
						Use these settings
					</Link>
					{canStartFrom ? (
						<Link to={`/images?source=${g.id}${selected ? `&image=${selected}` : ''}`} className="btn-secondary">
							<ImagePlus aria-hidden="true" size={16} />
							Use as source
						</Link>
					) : null}
					<Link to={`/video?source=${g.id}${selected ? `&image=${selected}` : ''}`} className="btn-secondary">
						<Clapperboard aria-hidden="true" size={16} />
						Make a video
					</Link>
					<a href={output.downloadUrl ?? output.url} download className="btn-secondary">
						<Download aria-hidden="true" size={16} />
						Download
					</a>
					<ShareForm kind="generation" targetId={g.id} returnTo={`/generations/${g.id}`} align="right" />
				</div>
			) : null}
			{done && upscalers.length > 0 ? (
				<UpscaleForm
					upscalers={upscalers}
					selected={selected}
					count={g.outputs.length}
					idempotencyKey={idempotencyKey}
				/>
			) : null}
		</TitledSection>
	)
}

/** Upscale the image shown, with an upscaler and a scale. */
function UpscaleForm({
	upscalers,
	selected,
	count,
	idempotencyKey,
}: {
	upscalers: ImageDetailProps['upscalers']
	selected: number
	/** How many images the run made: the button names the one it upscales when there are several. */
	count: number
	idempotencyKey: string
}) {
	return (
		<Form method="post" className="space-y-2 rounded-lg border border-line p-3">
			<input type="hidden" name="output" value={String(selected)} />
			<input type="hidden" name="idempotencyKey" value={`${idempotencyKey}-upscale`} />
			<label htmlFor="upscale-model" className="block text-sm font-medium">
				Upscaler
			</label>
			<select id="upscale-model" name="model" className="field text-sm" defaultValue={upscalers[0]?.id}>
				{upscalers.map(u => (
					<option key={u.id} value={u.id}>
						{u.name} — {u.price}
					</option>
				))}
			</select>
			<div className="flex gap-2">
				<fieldset className="shrink-0">
					<legend className="sr-only">Scale</legend>
					<div className="flex gap-1">
						{[2, 4].map(s => (
							<label key={s} className="relative cursor-pointer">
								<input type="radio" name="scale" value={s} defaultChecked={s === 2} className="peer sr-only" />
								<span className="inline-flex h-10 items-center rounded-lg border border-line-strong px-3 text-sm peer-checked:border-accent peer-checked:bg-accent-soft peer-checked:font-semibold peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-accent">
									{s}×
								</span>
							</label>
						))}
					</div>
				</fieldset>
				<IntentButton intent="upscale" className="btn-secondary flex-1" icon={Maximize2}>
					Upscale{count > 1 ? ` image ${selected + 1}` : ''}
				</IntentButton>
			</div>
		</Form>
	)
}

/** Running it again (or stopping it) and deleting it: kept apart, after everything else. */
export function Housekeeping({ status }: { status: GenerationStatus }) {
	return (
		<Form method="post" className="flex flex-wrap gap-2 border-t border-line pt-4">
			{PENDING.includes(status) ? (
				<IntentButton intent="cancel" className="btn-secondary" icon={X}>
					Cancel
				</IntentButton>
			) : (
				<IntentButton intent="retry" className="btn-secondary" icon={RotateCcw}>
					Run again
				</IntentButton>
			)}
			<IntentButton intent="delete" className="btn-danger" icon={Trash2}>
				Delete
			</IntentButton>
		</Form>
	)
}
