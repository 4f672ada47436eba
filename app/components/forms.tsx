/**
 * The one set of form fields (docs/decisions/014-form-components.md). Every field wires its label, description,
 * error and `aria-*` the same way: the control is `aria-invalid` when refused and `aria-describedby` its
 * description and error, so a screen reader says why. A form wraps its fields in a `FieldScope` that holds the
 * field errors the action returned and the prefix of the fields' ids; `ErrorSummary` lists those errors, each
 * linking to its field, and takes focus after a failed submit (with and without JavaScript).
 */
import { Form } from '@remix-run/react'
import { createContext, useContext, useEffect, useRef } from 'react'
import type {
	ButtonHTMLAttributes,
	InputHTMLAttributes,
	ReactNode,
	SelectHTMLAttributes,
	TextareaHTMLAttributes,
} from 'react'
import { Search } from '#app/components/icons/index.tsx'
import type { IconComponent } from '#app/components/icons/index.tsx'
import { HONEYPOT_FIELD } from '#app/schemas/auth-fields.ts'

export type FieldErrors = Record<string, readonly string[] | undefined>

type Scope = { prefix: string; errors: FieldErrors }

const ScopeContext = createContext<Scope>({ prefix: 'field', errors: {} })

/**
 * The fields of one form: their ids are `${prefix}-${name}` (give each form on a page its own prefix) and their
 * errors come from `errors` (the action's field errors, or nothing).
 */
export function FieldScope({
	prefix = 'field',
	errors,
	children,
}: {
	prefix?: string
	errors?: FieldErrors | null | undefined
	children: ReactNode
}) {
	return <ScopeContext.Provider value={{ prefix, errors: errors ?? {} }}>{children}</ScopeContext.Provider>
}

export function fieldId(prefix: string, name: string): string {
	return `${prefix}-${name}`
}

/** The ids and `aria-*` of one field, for a control drawn its own way (the composer's attach button). */
export function useField(name: string, hasDescription: boolean) {
	const { prefix, errors } = useContext(ScopeContext)
	const id = fieldId(prefix, name)
	const messages = (errors[name] ?? []).filter(Boolean)
	const invalid = messages.length > 0
	const descriptionId = `${id}-description`
	const errorId = `${id}-error`
	const describedBy = [hasDescription ? descriptionId : null, invalid ? errorId : null].filter(Boolean).join(' ')
	return {
		id,
		messages,
		invalid,
		descriptionId,
		errorId,
		control: {
			id,
			name,
			'aria-invalid': invalid || undefined,
			'aria-describedby': describedBy || undefined,
		},
	}
}

type FieldBase = {
	name: string
	label: ReactNode
	description?: ReactNode
	/** Classes for the wrapper (grid placement, spacing). */
	className?: string | undefined
	/** The label stays for screen readers only (e.g. the chat composer, whose placeholder says it all). */
	hideLabel?: boolean
}

function Label({ htmlFor, hidden, children }: { htmlFor: string; hidden?: boolean | undefined; children: ReactNode }) {
	return (
		<label htmlFor={htmlFor} className={hidden ? 'sr-only' : 'block text-sm font-medium text-fg'}>
			{children}
		</label>
	)
}

function Description({ id, children }: { id: string; children: ReactNode }) {
	return (
		<p id={id} className="text-xs text-fg-muted">
			{children}
		</p>
	)
}

export function ErrorText({ id, messages }: { id: string; messages: readonly string[] }) {
	if (messages.length === 0) return null
	return (
		<p id={id} className="text-sm font-medium text-danger">
			{messages.join(' ')}
		</p>
	)
}

/** The description and error under a control (or a group of them). */
function FieldNotes({ field, description }: { field: ReturnType<typeof useField>; description: ReactNode }) {
	return (
		<>
			{description ? <Description id={field.descriptionId}>{description}</Description> : null}
			<ErrorText id={field.errorId} messages={field.messages} />
		</>
	)
}

/** A labelled field: the label above its control, the description and error below. */
function LabelledField({
	field,
	label,
	description,
	className,
	hideLabel,
	children,
}: Omit<FieldBase, 'name'> & { field: ReturnType<typeof useField>; children: ReactNode }) {
	return (
		<div className={`space-y-1 ${className ?? ''}`}>
			<Label htmlFor={field.id} hidden={hideLabel}>
				{label}
			</Label>
			{children}
			<FieldNotes field={field} description={description} />
		</div>
	)
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id'>

export function TextField({ name, label, description, className, hideLabel, ...input }: FieldBase & InputProps) {
	const f = useField(name, Boolean(description))
	return (
		<LabelledField field={f} label={label} description={description} className={className} hideLabel={hideLabel}>
			<input {...input} {...f.control} className={`field ${input.type === 'number' ? 'tabular-nums' : ''}`} />
		</LabelledField>
	)
}

type TextareaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'name' | 'id'> & {
	/** Classes for the textarea itself (the composer draws its own box). */
	controlClassName?: string
}

export function TextareaField({
	name,
	label,
	description,
	className,
	hideLabel,
	controlClassName,
	...textarea
}: FieldBase & TextareaProps) {
	const f = useField(name, Boolean(description))
	return (
		<LabelledField field={f} label={label} description={description} className={className} hideLabel={hideLabel}>
			<textarea {...textarea} {...f.control} className={controlClassName ?? 'field'} />
		</LabelledField>
	)
}

export type Option = { value: string; label: string; description?: string | undefined; disabled?: boolean }

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name' | 'id'> & { options: readonly Option[] }

export function SelectField({
	name,
	label,
	description,
	className,
	hideLabel,
	options,
	...select
}: FieldBase & SelectProps) {
	const f = useField(name, Boolean(description))
	return (
		<LabelledField field={f} label={label} description={description} className={className} hideLabel={hideLabel}>
			<select {...select} {...f.control} className="field">
				{options.map(o => (
					<option key={o.value} value={o.value} disabled={o.disabled}>
						{o.label}
					</option>
				))}
			</select>
		</LabelledField>
	)
}

/**
 * Radios in a fieldset whose legend is the label. The first radio carries the field's id, so the error summary's
 * link lands on the group. `variant="chips"` draws them as a segmented row of buttons (aspect ratios, counts).
 */
export function RadioGroupField({
	name,
	label,
	description,
	className,
	options,
	defaultValue,
	variant = 'list',
}: FieldBase & { options: readonly Option[]; defaultValue?: string | undefined; variant?: 'list' | 'chips' }) {
	const f = useField(name, Boolean(description))
	return (
		<fieldset
			className={`space-y-1.5 ${className ?? ''}`}
			aria-invalid={f.invalid || undefined}
			aria-describedby={f.control['aria-describedby']}
		>
			<legend className="text-sm font-medium text-fg">{label}</legend>
			<div className={variant === 'chips' ? 'flex flex-wrap gap-1.5' : 'space-y-1'}>
				{options.map((o, i) => {
					const id = i === 0 ? f.id : `${f.id}-${o.value}`
					const radio = (radioClassName: string) => (
						<input
							type="radio"
							id={id}
							name={name}
							value={o.value}
							defaultChecked={defaultValue === o.value}
							className={radioClassName}
						/>
					)
					return variant === 'chips' ? (
						<label key={o.value} htmlFor={id} className="relative cursor-pointer">
							{radio('peer sr-only')}
							<span className="inline-flex min-h-10 min-w-11 items-center justify-center rounded-lg border border-line-strong bg-surface px-3 py-1.5 text-sm text-fg-soft peer-checked:border-accent peer-checked:bg-accent-soft peer-checked:font-semibold peer-checked:text-fg peer-focus-visible:outline peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-accent">
								{o.label}
							</span>
						</label>
					) : (
						<div key={o.value} className="flex items-start gap-2">
							{radio('mt-1 accent-accent')}
							<label htmlFor={id} className="text-sm">
								{o.label}
								{o.description ? <span className="block text-xs text-fg-muted">{o.description}</span> : null}
							</label>
						</div>
					)
				})}
			</div>
			<FieldNotes field={f} description={description} />
		</fieldset>
	)
}

export function CheckboxField({ name, label, description, className, ...input }: FieldBase & InputProps) {
	const f = useField(name, Boolean(description))
	return (
		<div className={`space-y-1 ${className ?? ''}`}>
			<div className="flex items-start gap-2">
				<input {...input} {...f.control} type="checkbox" className="mt-1 accent-accent" />
				<label htmlFor={f.id} className="text-sm text-fg">
					{label}
				</label>
			</div>
			<FieldNotes field={f} description={description} />
		</div>
	)
}

export function FileField({ name, label, description, className, hideLabel, ...input }: FieldBase & InputProps) {
	const f = useField(name, Boolean(description))
	return (
		<LabelledField field={f} label={label} description={description} className={className} hideLabel={hideLabel}>
			<input
				{...input}
				{...f.control}
				type="file"
				className="block w-full text-sm text-fg-soft file:mr-3 file:rounded-md file:border-0 file:bg-raised file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-fg hover:file:bg-line"
			/>
		</LabelledField>
	)
}

/**
 * What went wrong with the last submit, first in the form: each field error links to its field (named by its
 * label, or by its name when the form has no visible field for it — a value that was tampered with), then the
 * errors about the whole form. It takes focus when it appears: by `autofocus` after a page load without
 * JavaScript, and from an effect after a submit with it.
 */
export function ErrorSummary({
	labels,
	formErrors,
	title = 'The form could not be sent',
}: {
	/** The visible label of each field, by name. */
	labels: Record<string, string>
	formErrors?: readonly string[] | undefined
	title?: string
}) {
	const { prefix, errors } = useContext(ScopeContext)
	const ref = useRef<HTMLDivElement>(null)
	const entries = Object.entries(errors).flatMap(([name, messages]) =>
		messages && messages.length > 0 ? [{ name, message: messages.join(' ') }] : [],
	)
	const general = (formErrors ?? []).filter(Boolean)
	const shown = entries.length > 0 || general.length > 0
	useEffect(() => {
		if (shown) ref.current?.focus()
	}, [shown, errors, formErrors])
	if (!shown) return null
	const headingId = `${prefix}-error-summary-title`
	return (
		<div
			ref={ref}
			id={`${prefix}-error-summary`}
			tabIndex={-1}
			// eslint-disable-next-line jsx-a11y/no-autofocus -- moving focus to the problem is the point (WCAG 3.3.1).
			autoFocus
			aria-labelledby={headingId}
			data-error-summary=""
			className="callout-danger space-y-1 focus:outline focus:outline-2 focus:outline-offset-2 focus:outline-danger-solid"
		>
			<h2 id={headingId} className="font-semibold">
				{title}
			</h2>
			<ul className="list-disc space-y-0.5 pl-5">
				{entries.map(({ name, message }) =>
					labels[name] ? (
						<li key={name}>
							<a href={`#${fieldId(prefix, name)}`} className="text-danger underline">
								{labels[name]}: {message}
							</a>
						</li>
					) : (
						<li key={name}>
							The form sent a value for “{name}” that is not allowed: {message}
						</li>
					),
				)}
				{general.map(message => (
					<li key={message}>{message}</li>
				))}
			</ul>
		</div>
	)
}

/** Errors about the whole form (wrong password, rate limit…) where there is no summary, announced when they appear. */
export function FormErrors({ id, errors }: { id: string; errors?: readonly string[] | undefined }) {
	if (!errors || errors.length === 0) return null
	return (
		<div id={id} role="alert" className="callout-danger">
			{errors.map(e => (
				<p key={e}>{e}</p>
			))}
		</div>
	)
}

/** A one-shot confirmation ("Saved."), announced politely. */
export function Notice({ children }: { children: ReactNode }) {
	return (
		<p role="status" className="callout-success">
			{children}
		</p>
	)
}

/**
 * The honeypot of the public forms: off-screen and hidden from assistive technology, skipped by the keyboard,
 * so only bots fill it in.
 */
export function Honeypot() {
	return (
		<div aria-hidden="true" className="absolute -left-[10000px] top-auto h-px w-px overflow-hidden">
			<label htmlFor={`field-${HONEYPOT_FIELD}`}>Leave this field empty</label>
			<input
				id={`field-${HONEYPOT_FIELD}`}
				type="text"
				name={HONEYPOT_FIELD}
				tabIndex={-1}
				autoComplete="off"
				defaultValue=""
			/>
		</div>
	)
}

/**
 * A `q` search field with the magnifier drawn inside it, for a search form that has more around it than
 * `SearchForm` (filters, a list beside it). Goes in a `relative` wrapper; `compact` for a narrow column.
 */
export function SearchInput({
	compact = false,
	...input
}: { compact?: boolean } & Pick<
	InputHTMLAttributes<HTMLInputElement>,
	'id' | 'defaultValue' | 'maxLength' | 'placeholder'
>) {
	return (
		<>
			<Search
				aria-hidden="true"
				size={compact ? 15 : 16}
				className={`pointer-events-none absolute ${compact ? 'left-2.5' : 'left-3'} top-1/2 -translate-y-1/2 text-fg-muted`}
			/>
			<input type="search" name="q" {...input} className={compact ? 'field py-1.5 pl-8 text-sm' : 'field pl-9'} />
		</>
	)
}

/** A search box: a GET form with a `q` field and a Search button, so it works without JavaScript. */
export function SearchForm({
	id,
	label,
	placeholder,
	q = '',
	action,
	className,
}: {
	id: string
	/** The field's name for a screen reader (the label itself is not shown). */
	label: string
	placeholder: string
	q?: string
	/** Where the search goes; the current page when left out. */
	action?: string
	className: string
}) {
	return (
		<Form method="get" action={action} role="search" className={className}>
			<label htmlFor={id} className="sr-only">
				{label}
			</label>
			<input id={id} type="search" name="q" defaultValue={q} placeholder={placeholder} className="field flex-1" />
			<button type="submit" className="btn-secondary">
				<Search aria-hidden="true" size={16} />
				Search
			</button>
		</Form>
	)
}

/** Values a form sends back as they are (which record, where to return). */
export function HiddenFields({ fields }: { fields: Record<string, string> }) {
	return Object.entries(fields).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)
}

/** A submit button that names the change it asks for (`intent`), as every form with several changes does. */
export function IntentButton({
	intent,
	icon: Icon,
	children,
	...button
}: {
	intent: string
	/** Drawn before the words, hidden from assistive technology. */
	icon?: IconComponent
} & ButtonHTMLAttributes<HTMLButtonElement>) {
	return (
		<button type="submit" name="intent" value={intent} {...button}>
			{Icon ? <Icon aria-hidden="true" size={16} /> : null}
			{children}
		</button>
	)
}

/** A form of one button: posts its `intent` with the hidden `fields`, so it works without JavaScript. */
export function IntentForm({
	intent,
	fields,
	className,
	buttonClassName,
	disabled,
	label,
	icon,
	children,
}: {
	intent: string
	fields: Record<string, string>
	className?: string
	buttonClassName: string
	disabled?: boolean
	/** The button's accessible name, where its text alone would not say which record it acts on. */
	label?: string
	icon?: IconComponent
	children: ReactNode
}) {
	return (
		<Form method="post" className={className}>
			<HiddenFields fields={fields} />
			<IntentButton intent={intent} className={buttonClassName} disabled={disabled} aria-label={label} icon={icon}>
				{children}
			</IntentButton>
		</Form>
	)
}
