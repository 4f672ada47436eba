/**
 * A studio page (images, video, audio): the parameters in a column on the left — prompt first and large, the
 * studio's own fields, the model — and the results filling the rest of the width, newest first. Each studio
 * route passes its loader and action data, its fields and their labels; everything else is here.
 */
import { Form, Link, useNavigation } from '@remix-run/react'
import { Sparkles } from 'lucide-react'
import { useEffect, useState } from 'react'
import type { FormEvent, ReactNode } from 'react'
import { ErrorSummary, FieldScope, SelectField, TextareaField } from './forms.tsx'
import { CARD_GRID, GenerationCard, PENDING } from './generation-output.tsx'
import type { CardGeneration } from './generation-output.tsx'

export type StudioActionData = {
	fields: Record<string, string[] | undefined>
	message: string
	values: Record<string, string>
}

type Model = { id: string; name: string; capabilities?: readonly string[] }

/**
 * The model select of a studio with kinds (audio: speech or music). Without JavaScript it offers "the best model
 * for the kind", chosen on the server, first, and names each model's kinds; with it, models that cannot do the
 * kind chosen are disabled, and a choice that no longer fits goes back to the automatic one.
 */
function modelOptions(models: Model[], kind: string | null, hydrated: boolean) {
	return [
		{ value: '', label: 'Automatic: the best for the kind' },
		...models.map(m => ({
			value: m.id,
			label: `${m.name} (${(m.capabilities ?? []).join(', ')})`,
			disabled: hydrated && kind !== null && !(m.capabilities ?? []).includes(kind),
		})),
	]
}

function StudioForm(props: {
	title: string
	description: string
	promptLabel: string
	placeholder: string
	labels: Record<string, string>
	models: Model[]
	/** The field that picks the kind (audio's `mode`): the model select follows it. */
	kindField?: string | undefined
	idempotencyKey: string
	actionData: StudioActionData | undefined
	children?: ReactNode
}) {
	const { actionData, kindField } = props
	const busy = useNavigation().state === 'submitting'
	const values = actionData?.values ?? {}
	const [kind, setKind] = useState<string | null>(kindField ? (values[kindField] ?? null) : null)
	const [hydrated, setHydrated] = useState(false)
	useEffect(() => setHydrated(true), [])
	function onChange(event: FormEvent<HTMLFormElement>) {
		const target = event.target
		if (!kindField || !(target instanceof HTMLInputElement) || target.name !== kindField) return
		setKind(target.value)
		const select = event.currentTarget.elements.namedItem('model')
		const fits = (id: string) => props.models.find(m => m.id === id)?.capabilities?.includes(target.value) ?? false
		if (select instanceof HTMLSelectElement && select.value !== '' && !fits(select.value)) select.value = ''
	}
	return (
		<section aria-labelledby="studio-title" className="lg:sticky lg:top-8">
			<h1 id="studio-title" className="text-2xl font-semibold tracking-tight">
				{props.title}
			</h1>
			<p className="mt-1 text-sm text-fg-muted">{props.description}</p>
			<Form method="post" className="card mt-5 space-y-4" onChange={onChange}>
				<FieldScope errors={actionData?.fields}>
					<ErrorSummary
						labels={{ prompt: props.promptLabel, model: 'Model', ...props.labels }}
						formErrors={actionData?.message ? [actionData.message] : undefined}
					/>
					<TextareaField
						name="prompt"
						label={props.promptLabel}
						rows={5}
						required
						maxLength={4000}
						defaultValue={values.prompt ?? ''}
						placeholder={props.placeholder}
					/>
					{props.children}
					<SelectField
						name="model"
						label="Model"
						defaultValue={values.model ?? (kindField ? '' : props.models[0]?.id)}
						options={
							kindField
								? modelOptions(props.models, kind, hydrated)
								: props.models.map(m => ({ value: m.id, label: m.name }))
						}
					/>
					<button type="submit" className="btn w-full" disabled={busy}>
						<Sparkles aria-hidden="true" size={16} />
						{busy ? 'Starting…' : 'Generate'}
					</button>
				</FieldScope>
				{/* Last, so the spacing between the visible fields is even. */}
				<input type="hidden" name="idempotencyKey" value={values.idempotencyKey ?? props.idempotencyKey} />
			</Form>
		</section>
	)
}

function Results({ items, empty, title }: { items: CardGeneration[]; empty: string; title: string }) {
	const pending = items.some(g => PENDING.includes(g.status))
	return (
		<section aria-labelledby="results-title" className="min-w-0">
			{/* Without JavaScript the page refreshes itself while something is still being made. */}
			{pending ? (
				<noscript>
					<meta httpEquiv="refresh" content="3" />
				</noscript>
			) : null}
			<div className="flex items-baseline justify-between gap-3">
				<h2 id="results-title" className="text-lg font-semibold">
					{title}
				</h2>
				{items.length > 0 ? (
					<Link to="/library" className="text-sm">
						All in the library
					</Link>
				) : null}
			</div>
			{items.length === 0 ? (
				<div className="mt-4 flex min-h-64 flex-col items-center justify-center rounded-xl border border-dashed border-line-strong p-8 text-center">
					<Sparkles aria-hidden="true" size={28} className="text-fg-muted" />
					<p className="mt-3 max-w-sm text-sm text-fg-muted">{empty}</p>
				</div>
			) : (
				<ul className={`mt-4 ${CARD_GRID}`}>
					{items.map(g => (
						<GenerationCard key={g.id} generation={g} />
					))}
				</ul>
			)}
		</section>
	)
}

export function StudioPage(props: {
	title: string
	description: string
	promptLabel: string
	placeholder: string
	empty: string
	resultsTitle: string
	/** The visible labels of the studio's own fields, by name, for the error summary. */
	labels: Record<string, string>
	/** The field that picks the kind (audio's `mode`), when the models depend on it. */
	kindField?: string
	data: { recent: CardGeneration[]; models: Model[]; idempotencyKey: string }
	actionData: StudioActionData | undefined
	children?: ReactNode
}) {
	return (
		<div className="grid items-start gap-8 lg:grid-cols-[22rem_minmax(0,1fr)]">
			<StudioForm
				title={props.title}
				description={props.description}
				promptLabel={props.promptLabel}
				placeholder={props.placeholder}
				labels={props.labels}
				models={props.data.models}
				kindField={props.kindField}
				idempotencyKey={props.data.idempotencyKey}
				actionData={props.actionData}
			>
				{props.children}
			</StudioForm>
			<Results items={props.data.recent} empty={props.empty} title={props.resultsTitle} />
		</div>
	)
}
