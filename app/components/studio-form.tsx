/**
 * The frame every studio's parameters panel shares (images, video, audio): the form that posts to the studio with
 * its error summary and idempotency key, the model picker with its price and the no-JavaScript "show this
 * model's settings" button (a GET back to the studio, which re-renders the form for that model), chips for a
 * model's choices, the seed field and the Generate button. A new studio builds its panel from these; only the
 * fields that are its own are written in its form.
 */
import { Form } from '@remix-run/react'
import { RefreshCw, Sparkles } from '#app/components/icons/index.tsx'
import { createContext, useContext } from 'react'
import type { FormEvent, ReactNode, Ref } from 'react'
import { ErrorSummary, FieldScope, RadioGroupField, SelectField, TextareaField, TextField } from './forms.tsx'

/** The labels of the fields every studio has; a studio's own labels are added to them (and may rename them). */
const STUDIO_LABELS = { prompt: 'Prompt', model: 'Model', seed: 'Seed' }

/** The studio's path and field labels, for the parts below. */
const Studio = createContext<{ action: string; labels: Record<string, string> }>({ action: '', labels: {} })

type Refusal = { errors?: Record<string, string[] | undefined> | undefined; message?: string | undefined }

/** What every studio's panel is given: what was typed (or refused) last, and the key that makes a resend harmless. */
export type StudioFormBase<Values> = Refusal & { values: Values; idempotencyKey: string }

/** The props of a studio's panel with one list of models: the models, the one chosen first, and the base above. */
export type StudioPanelProps<Model, Values> = { models: Model[]; defaultModel: string } & StudioFormBase<Values>

export function StudioForm(props: {
	action: string
	labels: Record<string, string>
	/** The panel's own props: what the last submission was refused for (per field, and for the whole form) and its key. */
	studio: StudioFormBase<unknown>
	/** A key carried over in what was typed last, where the studio keeps one; else the panel's. */
	idempotencyKey?: string | undefined
	onChange: (event: FormEvent<HTMLFormElement>) => void
	formRef?: Ref<HTMLFormElement>
	/** `multipart/form-data` for a form with a file field. */
	encType?: 'multipart/form-data'
	children: ReactNode
}) {
	const labels = { ...STUDIO_LABELS, ...props.labels }
	return (
		<Form
			method="post"
			action={props.action}
			encType={props.encType}
			ref={props.formRef}
			onChange={props.onChange}
			className="space-y-5"
			aria-labelledby="studio-title"
		>
			<Studio.Provider value={{ action: props.action, labels }}>
				<FieldScope errors={props.studio.errors}>
					<ErrorSummary labels={labels} formErrors={props.studio.message ? [props.studio.message] : undefined} />
					{props.children}
				</FieldScope>
			</Studio.Provider>
			<input type="hidden" name="idempotencyKey" value={props.idempotencyKey ?? props.studio.idempotencyKey} />
		</Form>
	)
}

/** What to make: the prompt, or the text to speak. */
export function PromptField(props: {
	/** The studio's `prompt` label unless given. */
	label?: string
	defaultValue: string | undefined
	rows: number
	maxLength?: number
	placeholder: string
	minHeight: 'min-h-24' | 'min-h-28' | 'min-h-32'
}) {
	const { labels } = useContext(Studio)
	return (
		<TextareaField
			name="prompt"
			label={props.label ?? labels.prompt ?? 'Prompt'}
			rows={props.rows}
			required
			maxLength={props.maxLength ?? 4000}
			defaultValue={props.defaultValue ?? ''}
			placeholder={props.placeholder}
			controlClassName={`field ${props.minHeight} resize-y text-[15px] leading-relaxed`}
		/>
	)
}

/** Without JavaScript, a change of model (or kind) is applied by sending the form back by GET. */
export function ShowSettingsButton({ children }: { children: ReactNode }) {
	const { action } = useContext(Studio)
	return (
		<noscript>
			<button
				type="submit"
				formMethod="get"
				formAction={action}
				formNoValidate
				className="btn-secondary min-h-10 w-full py-1.5 text-xs"
			>
				<RefreshCw aria-hidden="true" size={14} />
				{children}
			</button>
		</noscript>
	)
}

type PickableModel = { id: string; name: string; price: string }

/** The model select (each with its price) and, without JavaScript, the button that shows its settings. */
export function ModelPicker<M extends PickableModel>(props: {
	models: readonly M[]
	model: M
	description: ReactNode
	disabled?: (model: M) => boolean
	/** Remounts the select when the list changes under it (the audio studio's kinds). */
	listKey?: string
	refreshLabel?: string
}) {
	const { labels } = useContext(Studio)
	return (
		<div className="space-y-2">
			<SelectField
				key={props.listKey}
				name="model"
				label={labels.model ?? 'Model'}
				value={props.model.id}
				onChange={() => {}}
				options={props.models.map(m => ({
					value: m.id,
					label: `${m.name} — ${m.price}`,
					...(props.disabled ? { disabled: props.disabled(m) } : {}),
				}))}
				description={props.description}
			/>
			<ShowSettingsButton>{props.refreshLabel ?? 'Show this model’s settings'}</ShowSettingsButton>
		</div>
	)
}

/** The value when the model offers it, else the model's first. */
export function pick(list: readonly string[], value: string | undefined): string | undefined {
	return value && list.includes(value) ? value : list[0]
}

/** A model's choices as chips, the submitted value kept when the model offers it. */
export function ChoiceChips(props: {
	name: string
	choices: readonly string[]
	value: string | undefined
	format?: (choice: string) => string
	description?: string | undefined
}) {
	const { labels } = useContext(Studio)
	return (
		<RadioGroupField
			name={props.name}
			label={labels[props.name] ?? props.name}
			variant="chips"
			defaultValue={pick(props.choices, props.value)}
			options={props.choices.map(c => ({ value: c, label: props.format ? props.format(c) : c }))}
			description={props.description}
		/>
	)
}

/** A short free-text setting of the model (a negative prompt, a speaking style): two rows, labelled by the studio. */
export function NoteField(props: {
	name: string
	maxLength: number
	defaultValue: string | undefined
	placeholder: string
	description?: string
}) {
	const { labels } = useContext(Studio)
	return (
		<TextareaField
			name={props.name}
			label={labels[props.name] ?? props.name}
			rows={2}
			maxLength={props.maxLength}
			defaultValue={props.defaultValue ?? ''}
			placeholder={props.placeholder}
			description={props.description}
		/>
	)
}

export function SeedField(props: { defaultValue: string | undefined; description: string }) {
	const { labels } = useContext(Studio)
	return (
		<TextField
			name="seed"
			label={labels.seed ?? 'Seed'}
			type="number"
			inputMode="numeric"
			min={0}
			max={2147483647}
			defaultValue={props.defaultValue ?? ''}
			placeholder="Random"
			description={props.description}
		/>
	)
}

/** A setting the model may leave to its default: blank is "the model's default". */
export function DefaultableSelect(props: {
	name: string
	choices: readonly string[]
	defaultValue: string | undefined
}) {
	const { labels } = useContext(Studio)
	return (
		<SelectField
			name={props.name}
			label={labels[props.name] ?? props.name}
			defaultValue={props.defaultValue ?? ''}
			options={[
				{ value: '', label: 'The model’s default' },
				...props.choices.map(c => ({ value: c, label: c[0]?.toUpperCase() + c.slice(1) })),
			]}
		/>
	)
}

export function GenerateButton(props: { busy: boolean; disabled?: boolean; className?: string; children: ReactNode }) {
	return (
		<button type="submit" className={props.className ?? 'btn w-full'} disabled={props.busy || props.disabled}>
			<Sparkles aria-hidden="true" size={16} />
			{props.busy ? 'Starting…' : props.children}
		</button>
	)
}
