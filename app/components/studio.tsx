import { Form, useNavigation } from '@remix-run/react'
import type { ReactNode } from 'react'
import { FormErrors } from './forms.tsx'
import { GenerationTile } from './generation-output.tsx'

export type StudioActionData = {
	fields: Record<string, string[] | undefined>
	message: string
	values: Record<string, string>
}

type Model = { id: string; name: string }

/** A form field's error, tied to the field for screen readers. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
	return message ? (
		<p id={id} className="mt-1 text-sm text-red-300">
			{message}
		</p>
	) : null
}

export function fieldProps(name: string, actionData: StudioActionData | undefined) {
	const error = actionData?.fields[name]?.[0]
	return {
		id: name,
		name,
		'aria-invalid': error ? true : undefined,
		'aria-describedby': error ? `${name}-error` : undefined,
		error,
	}
}

/** The shell every studio shares: message, prompt, the studio's own fields, model, idempotency key, submit. */
export function StudioForm(props: {
	title: string
	promptLabel: string
	placeholder: string
	models: Model[]
	idempotencyKey: string
	actionData: StudioActionData | undefined
	children?: ReactNode
}) {
	const { actionData } = props
	const busy = useNavigation().state === 'submitting'
	const values = actionData?.values ?? {}
	const { error: promptError, ...prompt } = fieldProps('prompt', actionData)
	const { error: modelError, ...model } = fieldProps('model', actionData)
	return (
		<section aria-labelledby="studio-title">
			<h1 id="studio-title" className="text-2xl font-bold">
				{props.title}
			</h1>
			<Form method="post" className="mt-4 space-y-4">
				<input type="hidden" name="idempotencyKey" value={values.idempotencyKey ?? props.idempotencyKey} />
				<FormErrors id="studio-errors" errors={actionData?.message ? [actionData.message] : undefined} />
				<div>
					<label htmlFor="prompt" className="block text-sm font-medium">
						{props.promptLabel}
					</label>
					<textarea
						{...prompt}
						rows={4}
						required
						maxLength={4000}
						defaultValue={values.prompt ?? ''}
						className="field mt-1"
						placeholder={props.placeholder}
					/>
					<FieldError id="prompt-error" message={promptError} />
				</div>
				{props.children}
				<div>
					<label htmlFor="model" className="block text-sm font-medium">
						Model
					</label>
					<select {...model} defaultValue={values.model ?? props.models[0]?.id} className="field mt-1">
						{props.models.map(m => (
							<option key={m.id} value={m.id}>
								{m.name}
							</option>
						))}
					</select>
					<FieldError id="model-error" message={modelError} />
				</div>
				<button type="submit" className="btn w-full" disabled={busy}>
					{busy ? 'Starting…' : 'Generate'}
				</button>
			</Form>
		</section>
	)
}

type Recent = Parameters<typeof GenerationTile>[0]['generation']

function RecentGenerations({ items, empty }: { items: Recent[]; empty: string }) {
	return (
		<section aria-labelledby="recent-title">
			<h2 id="recent-title" className="text-lg font-semibold">
				Recent
			</h2>
			{items.length === 0 ? (
				<p className="mt-2 text-sm text-zinc-400">{empty}</p>
			) : (
				<ul className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3">
					{items.map(g => (
						<GenerationTile key={g.id} generation={g} />
					))}
				</ul>
			)}
		</section>
	)
}

/**
 * A studio page: the form (with the studio's own fields as children) beside the recent work of its kind. Each
 * studio route passes its loader and action data and its fields; everything else is here.
 */
export function StudioPage(props: {
	title: string
	promptLabel: string
	placeholder: string
	empty: string
	data: { recent: Recent[]; models: Model[]; idempotencyKey: string }
	actionData: StudioActionData | undefined
	children?: ReactNode
}) {
	return (
		<div className="grid gap-8 lg:grid-cols-[minmax(0,22rem)_1fr]">
			<StudioForm
				title={props.title}
				promptLabel={props.promptLabel}
				placeholder={props.placeholder}
				models={props.data.models}
				idempotencyKey={props.data.idempotencyKey}
				actionData={props.actionData}
			>
				{props.children}
			</StudioForm>
			<RecentGenerations items={props.data.recent} empty={props.empty} />
		</div>
	)
}
