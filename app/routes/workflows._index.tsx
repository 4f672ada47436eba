import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { StatusBadge } from '#app/components/generation-output.tsx'
import { FieldScope, FileField, IntentForm, TextareaField, TextField } from '#app/components/forms.tsx'
import { Copy, Download, Plus, Trash2, Workflow } from '#app/components/icons/index.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import { ListFormSchema } from '#server/domain/workflows/form-schema.ts'
import { NODE_SPECS } from '#server/domain/workflows/schema.ts'
import { formatUsd } from '#server/domain/usage/money.ts'
import type { RouteHandle } from '#server/route-protection.ts'

const IMPORT_MAX_BYTES = 2 * 1024 * 1024

// New, duplicate, delete and import are writes of the user's own workflows.
export const handle: RouteHandle = { rateLimit: { action: 'write' }, bodyLimit: uploadBodyLimit(1, IMPORT_MAX_BYTES) }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { workflows } = context.services
	const templates = workflows.templates.map(t => ({
		id: t.id,
		name: t.name,
		description: t.description,
		nodes: t.definition.nodes.length,
		kinds: [...new Set(t.definition.nodes.map(n => n.kind))],
	}))
	return { workflows: await workflows.library.list(user), templates }
}

type Refused = { form: string; fields: Record<string, string[]> }

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readChatForm(request, { fileFields: ['file'], maxFiles: 1, maxFileBytes: IMPORT_MAX_BYTES })
	if (!form.ok)
		return data<Refused>({ form: 'import', fields: { [form.field]: [form.message] } }, { status: form.status })
	const parsed = parseWith(ListFormSchema, form.fields)
	if (!parsed.ok) return data<Refused>({ form: form.fields.intent ?? '', fields: parsed.fields }, { status: 400 })
	const library = context.services.workflows.library
	const step = parsed.value
	if (step.intent === 'create') {
		const made = await library.createDraft(user, step.name || 'Untitled workflow')
		if ('refused' in made)
			return data<Refused>({ form: 'create', fields: made.fields ?? { name: [made.message] } }, { status: made.status })
		return redirect(`/workflows/${made.id}`, 303)
	}
	if (step.intent === 'duplicate') {
		const made = await library.duplicate(user, step.id)
		if ('refused' in made)
			return data<Refused>({ form: 'list', fields: { list: [made.message] } }, { status: made.status })
		return redirect(`/workflows/${made.id}`, 303)
	}
	if (step.intent === 'delete') {
		const gone = await library.remove(user, step.id)
		if ('refused' in gone)
			return data<Refused>({ form: 'list', fields: { list: [gone.message] } }, { status: gone.status })
		return redirect('/workflows', 303)
	}
	if (step.intent === 'template') {
		const made = await context.services.workflows.createFromTemplate(user, step.template)
		if ('refused' in made)
			return data<Refused>({ form: 'list', fields: { list: [made.message] } }, { status: made.status })
		return redirect(`/workflows/${made.id}`, 303)
	}
	const file = form.files[0]
	const text = file ? new TextDecoder().decode(file.data) : step.json
	if (!text.trim())
		return data<Refused>(
			{ form: 'import', fields: { json: ['Choose a file or paste a workflow’s JSON.'] } },
			{ status: 400 },
		)
	let input: unknown
	try {
		input = JSON.parse(text)
	} catch {
		return data<Refused>(
			{ form: 'import', fields: { json: ['That is not JSON: export a workflow from here, or paste its JSON.'] } },
			{ status: 400 },
		)
	}
	const made = await library.importFile(user, input, file?.name.replace(/\.json$/i, '') || 'Imported workflow')
	if ('refused' in made) {
		const messages = made.fields ? Object.entries(made.fields).map(([node, m]) => `${node}: ${m.join(' ')}`) : []
		return data<Refused>(
			{ form: 'import', fields: { json: [made.message, ...messages.slice(1)] } },
			{ status: made.status },
		)
	}
	return redirect(`/workflows/${made.id}`, 303)
}

const when = (d: Date | string) => new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

export default function Workflows() {
	const { workflows, templates } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const errorsFor = (form: string) => (refused?.form === form ? refused.fields : null)
	return (
		<div className="mx-auto flex w-full max-w-5xl flex-col gap-6">
			<header className="flex flex-wrap items-end justify-between gap-3">
				<div className="space-y-1">
					<h1 className="text-2xl font-semibold text-fg">Workflows</h1>
					<p className="text-sm text-fg-muted">
						Chain text, images, video and audio into one pipeline, priced before it runs.
					</p>
				</div>
				<Form method="post" className="flex items-end gap-2">
					<FieldScope prefix="create" errors={errorsFor('create')}>
						<TextField
							name="name"
							label="Name"
							hideLabel
							placeholder="Untitled workflow"
							maxLength={200}
							className="w-48"
						/>
					</FieldScope>
					<button type="submit" name="intent" value="create" className="btn">
						<Plus aria-hidden="true" className="size-4" /> New workflow
					</button>
				</Form>
			</header>

			{refused?.form === 'list' ? (
				<p role="alert" className="rounded-lg border border-danger-line bg-danger-soft p-3 text-sm text-danger">
					{refused.fields.list?.join(' ')}
				</p>
			) : null}

			<TitledSection id="your-workflows" title="Your workflows" className="space-y-3">
				{workflows.length === 0 ? (
					<div className="rounded-xl border border-dashed border-line-strong p-6 text-sm text-fg-muted">
						<p>No workflows yet. Start an empty one above, or import one below.</p>
					</div>
				) : (
					<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="workflow-list">
						{workflows.map(w => (
							<li key={w.id} className="flex flex-col gap-3 rounded-xl border border-line bg-surface p-4">
								<div className="flex items-start gap-2">
									<Workflow aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-fg-muted" />
									<Link to={`/workflows/${w.id}`} className="min-w-0 flex-1 truncate font-medium">
										{w.name}
									</Link>
								</div>
								<p className="text-xs text-fg-muted">
									{w.nodes} {w.nodes === 1 ? 'node' : 'nodes'}
									{w.outputs.length > 0 ? `\u00a0· makes ${w.outputs.join(', ')}` : ''}
									{`\u00a0· edited ${when(w.updatedAt)}`}
								</p>
								<div className="flex min-h-6 items-center gap-2 text-xs text-fg-muted">
									{w.lastRun ? (
										<>
											<span>Last run</span>
											<Link to={`/workflows/${w.id}/runs/${w.lastRun.id}`} aria-label={`Last run: ${w.lastRun.status}`}>
												<StatusBadge status={w.lastRun.status} />
											</Link>
											<span>{formatUsd(w.lastRun.costMicros)}</span>
										</>
									) : (
										<span>Not run yet</span>
									)}
								</div>
								<div className="mt-auto flex flex-wrap gap-2 border-t border-line pt-3">
									<IntentForm intent="duplicate" fields={{ id: w.id }} buttonClassName="icon-btn text-sm">
										<Copy aria-hidden="true" className="size-4" /> Duplicate
									</IntentForm>
									<a href={`/workflows/${w.id}/export`} download className="icon-btn text-sm">
										<Download aria-hidden="true" className="size-4" /> Export
									</a>
									<IntentForm
										intent="delete"
										fields={{ id: w.id }}
										className="ml-auto"
										buttonClassName="icon-btn text-sm hover:text-danger"
										label={`Delete ${w.name}`}
									>
										<Trash2 aria-hidden="true" className="size-4" /> Delete
									</IntentForm>
								</div>
							</li>
						))}
					</ul>
				)}
			</TitledSection>

			<section aria-labelledby="templates" className="space-y-3">
				<div>
					<h2 id="templates" className="font-medium text-fg">
						Start from a template
					</h2>
					<p className="text-sm text-fg-muted">Each runs as it is on the built-in models; swap in your own after.</p>
				</div>
				<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="template-list">
					{templates.map(t => (
						<li key={t.id} className="flex flex-col gap-2 rounded-xl border border-line bg-surface p-4">
							<h3 className="font-medium text-fg">{t.name}</h3>
							<p className="text-sm text-fg-soft">{t.description}</p>
							<p className="text-xs text-fg-muted">
								{t.nodes} nodes · {t.kinds.map(k => NODE_SPECS[k].label.toLowerCase()).join(', ')}
							</p>
							<IntentForm
								intent="template"
								fields={{ template: t.id }}
								className="mt-auto pt-1"
								buttonClassName="btn-secondary w-full"
								label={`Use the template ${t.name}`}
							>
								Use template
							</IntentForm>
						</li>
					))}
				</ul>
			</section>

			<TitledSection id="import" title="Import a workflow" className="rounded-xl border border-line bg-surface p-4">
				<Form method="post" encType="multipart/form-data" className="mt-3 grid gap-3 md:grid-cols-2">
					<FieldScope prefix="import" errors={errorsFor('import')}>
						<FileField name="file" label="A file exported from here" accept="application/json,.json" />
						<TextareaField name="json" label="Or paste its JSON" rows={3} spellCheck={false} className="font-mono" />
					</FieldScope>
					<div className="md:col-span-2">
						<button type="submit" name="intent" value="import" className="btn-secondary">
							Import
						</button>
					</div>
				</Form>
			</TitledSection>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Workflows · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
