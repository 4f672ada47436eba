/**
 * One node of a workflow as a form: its name, model (only models able to do what the node needs, with their
 * price), its fields, and for each input a select of the outputs that fit — with the node's problems beside it
 * and its price. The form editor lists these cards; with JavaScript the canvas shows the selected one beside
 * the graph. Every button posts to the editor's action, so it all works without JavaScript.
 */
import { Form } from '@remix-run/react'
import { ArrowDown, ArrowUp, CircleAlert, Trash2 } from '#app/components/icons/index.tsx'
import { FieldScope, SelectField, TextareaField, TextField } from '#app/components/forms.tsx'
import { compatibleSources, NODE_FIELDS } from '#server/domain/workflows/edit.ts'
import {
	inputPortsOf,
	NODE_SPECS,
	type WorkflowDefinition,
	type WorkflowNode,
} from '#server/domain/workflows/schema.ts'
import type { NodeEstimate } from '#server/domain/workflows/estimate.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import { PORT_COLOURS } from './ports.ts'

export type ModelChoice = { id: string; name: string; capabilities: readonly string[]; price: string }

/** What the action sent back when it refused this node's form: the messages and what was typed. */
export type NodeRefusal = { nodeId: string; messages: string[]; values: Record<string, string> }

export function priceRange(min: number, max: number): string {
	if (max === 0) return 'Free'
	return min === max ? formatUsd(max) : `${formatUsd(min)}–${formatUsd(max)}`
}

export function NodeCard({
	node,
	index,
	count,
	definition,
	models,
	problems,
	estimate,
	refusal,
	selected,
	variant = 'list',
}: {
	node: WorkflowNode
	index: number
	count: number
	definition: WorkflowDefinition
	models: readonly ModelChoice[]
	problems: readonly string[]
	estimate: NodeEstimate | undefined
	refusal: NodeRefusal | null
	selected?: boolean
	/** `panel`: one column, for the side panel beside the graph. */
	variant?: 'list' | 'panel'
}) {
	const spec = NODE_SPECS[node.kind]
	const values = refusal?.values ?? null
	const raw = node as Record<string, unknown>
	const value = (key: string, fallback: unknown) => values?.[key] ?? (fallback === undefined ? '' : String(fallback))
	const capability = spec.capability
	const choices = capability ? models.filter(m => m.capabilities.includes(capability)) : []
	const model = 'model' in node ? node.model : ''
	if (model && !choices.some(c => c.id === model))
		choices.unshift({ id: model, name: model, capabilities: [], price: 'not available here' })
	const messages = [...problems, ...(refusal?.messages ?? [])]
	const prefix = `node-${node.id}`
	const outputs = spec.outputs
	const panel = variant === 'panel'
	return (
		<section
			id={prefix}
			aria-labelledby={`${prefix}-title`}
			data-node-id={node.id}
			data-node-kind={node.kind}
			className={`rounded-xl border bg-surface shadow-sm ${messages.length > 0 ? 'border-danger-line' : selected ? 'border-accent' : 'border-line'}`}
		>
			<Form method="post" preventScrollReset>
				<input type="hidden" name="nodeId" value={node.id} />
				<header className={`flex items-center gap-2 border-b border-line py-2 ${panel ? 'px-3' : 'px-4'}`}>
					<span className="rounded-md bg-raised px-2 py-0.5 text-xs font-medium text-fg-muted">{spec.label}</span>
					<h3 id={`${prefix}-title`} className="min-w-0 flex-1 truncate font-medium text-fg">
						{node.name}
					</h3>
					<span className="text-xs tabular-nums text-fg-muted" data-node-estimate>
						{estimate ? priceRange(estimate.minMicros, estimate.maxMicros) : null}
					</span>
					<button
						type="submit"
						name="intent"
						value="move-up"
						formNoValidate
						className="icon-btn"
						disabled={index === 0}
						aria-label={`Move ${node.name} up`}
					>
						<ArrowUp aria-hidden="true" className="size-4" />
					</button>
					<MoveDown index={index} count={count} name={node.name} />
					<button
						type="submit"
						name="intent"
						value="remove"
						formNoValidate
						className="icon-btn hover:text-danger"
						aria-label={`Remove ${node.name}`}
					>
						<Trash2 aria-hidden="true" className="size-4" />
					</button>
				</header>
				<div className={`space-y-3 ${panel ? 'p-3' : 'p-4'}`}>
					{messages.length > 0 ? (
						<ul
							className="space-y-1 rounded-lg border border-danger-line bg-danger-soft p-2 text-sm text-danger"
							data-node-problems
						>
							{messages.map(m => (
								<li key={m} className="flex gap-1.5">
									<CircleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
									<span>{m}</span>
								</li>
							))}
						</ul>
					) : null}
					<FieldScope prefix={prefix}>
						<div className={panel ? 'grid gap-3' : 'grid gap-3 sm:grid-cols-2'}>
							<TextField name="name" label="Name" required maxLength={80} defaultValue={value('name', node.name)} />
							{capability ? (
								<SelectField
									name="model"
									label="Model"
									defaultValue={value('model', model)}
									options={choices.map(m => ({ value: m.id, label: `${m.name} · ${m.price}` }))}
								/>
							) : null}
						</div>
						{NODE_FIELDS[node.kind].map(f =>
							f.input === 'textarea' ? (
								<TextareaField
									key={f.name}
									name={`f.${f.name}`}
									label={f.label}
									description={f.description}
									rows={f.name === 'value' || f.name === 'template' ? 4 : 2}
									defaultValue={value(`f.${f.name}`, raw[f.name])}
								/>
							) : f.input === 'select' ? (
								<SelectField
									key={f.name}
									name={`f.${f.name}`}
									label={f.label}
									defaultValue={value(`f.${f.name}`, raw[f.name])}
									options={[{ value: '', label: 'Default' }, ...(f.options ?? []).map(o => ({ value: o, label: o }))]}
								/>
							) : (
								<TextField
									key={f.name}
									name={`f.${f.name}`}
									label={f.label}
									type={f.input === 'int' ? 'number' : 'text'}
									inputMode={f.input === 'int' ? 'numeric' : undefined}
									placeholder="Default"
									defaultValue={value(`f.${f.name}`, raw[f.name])}
									className={panel ? undefined : 'sm:max-w-48'}
								/>
							),
						)}
						<Inputs node={node} definition={definition} values={values} />
					</FieldScope>
					<div className="flex flex-wrap items-center justify-between gap-2">
						<p className="flex flex-wrap gap-1 text-xs text-fg-muted">
							{outputs.length > 0 ? 'Gives ' : 'Gathers the run’s results'}
							{outputs.map(o => (
								<span key={o.name} className={`rounded px-1.5 font-medium ${PORT_COLOURS[o.type].chip}`}>
									{o.name}
								</span>
							))}
						</p>
						<button type="submit" name="intent" value="update" className="btn-secondary">
							Save node
						</button>
					</div>
				</div>
			</Form>
		</section>
	)
}

function MoveDown({ index, count, name }: { index: number; count: number; name: string }) {
	return (
		<button
			type="submit"
			name="intent"
			value="move-down"
			formNoValidate
			className="icon-btn"
			disabled={index >= count - 1}
			aria-label={`Move ${name} down`}
		>
			<ArrowDown aria-hidden="true" className="size-4" />
		</button>
	)
}

function Inputs({
	node,
	definition,
	values,
}: {
	node: WorkflowNode
	definition: WorkflowDefinition
	values: Record<string, string> | null
}) {
	const ports = inputPortsOf(node)
	if (ports.length === 0) return null
	return (
		<fieldset className="space-y-2 rounded-lg border border-line p-3">
			<legend className="px-1 text-sm font-medium text-fg">Inputs</legend>
			{ports.map(port => {
				const sources = compatibleSources(definition, node.id, port.type)
				const connected = definition.edges
					.filter(e => e.to.node === node.id && e.to.port === port.name)
					.map(e => `${e.from.node}.${e.from.port}`)
				const slots = port.multiple ? Math.max(connected.length + 1, 2) : 1
				const options = [
					{ value: '', label: port.required ? '— choose an output —' : '— none —' },
					...sources.map(s => ({ value: s.value, label: s.label })),
				]
				return Array.from({ length: slots }, (_, i) => {
					const name = `in.${port.name}.${i}`
					return (
						<SelectField
							// Keyed by what is connected: a connection made on the graph replaces the select, whose
							// default value alone would not change what it shows.
							key={`${name}=${connected[i] ?? ''}`}
							name={name}
							label={
								<span className="flex items-center gap-1.5">
									<span
										aria-hidden="true"
										className={`inline-block size-2.5 rounded-full ${port.type === 'any' ? 'bg-fg-muted' : PORT_COLOURS[port.type].dot}`}
									/>
									{port.name}
									{port.multiple ? ` ${i + 1}` : ''}
									<span className="font-normal text-fg-muted">
										({port.type === 'any' ? 'any output' : port.type}
										{port.required && i === 0 ? ', required' : ''})
									</span>
								</span>
							}
							defaultValue={values ? (values[name] ?? '') : (connected[i] ?? '')}
							options={options}
						/>
					)
				})
			})}
		</fieldset>
	)
}
