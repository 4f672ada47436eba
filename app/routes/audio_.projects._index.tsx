import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import * as v from 'valibot'
import { FieldScope, FileField, FormErrors, TextField } from '#app/components/forms.tsx'
import { ItemList } from '#app/components/item-list.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { TitledSection } from '#app/components/titled-section.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import { NewProjectSchema } from '#server/domain/audio/project-schema.ts'

const IMPORT_MAX_BYTES = 512 * 1024

// Creating and importing projects are edits of the user's own data: `audio_project` (server/limits/policies.ts).
export const handle = { rateLimit: { action: 'audio_project' }, bodyLimit: uploadBodyLimit(1, IMPORT_MAX_BYTES) }

const IntentSchema = v.object({ intent: v.picklist(['create', 'import'], 'Unknown action.') })

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return { projects: await context.services.audioProjects.list(user) }
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readChatForm(request, { fileFields: ['file'], maxFiles: 1, maxFileBytes: IMPORT_MAX_BYTES })
	if (!form.ok) return data({ form: 'import', fields: { [form.field]: [form.message] } }, { status: form.status })
	const intent = parseWith(IntentSchema, form.fields)
	if (!intent.ok) return data({ form: 'create', fields: { name: ['Unknown action.'] } }, { status: 400 })
	const projects = context.services.audioProjects
	if (intent.value.intent === 'create') {
		const parsed = parseWith(NewProjectSchema, form.fields)
		if (!parsed.ok) return data({ form: 'create', fields: parsed.fields }, { status: 400 })
		const made = await projects.create(user, { name: parsed.value.name })
		if ('refused' in made) return data({ form: 'create', fields: { name: [made.message] } }, { status: made.status })
		return redirect(`/audio/projects/${made.project.id}`, 303)
	}
	const file = form.files[0]
	const text = file ? new TextDecoder().decode(file.data) : (form.fields.json ?? '')
	let input: unknown
	try {
		input = JSON.parse(text)
	} catch {
		return data(
			{ form: 'import', fields: { file: ['That file is not JSON: choose a project exported from here.'] } },
			{ status: 400 },
		)
	}
	const made = await projects.importFile(user, input)
	if ('refused' in made) {
		return data(
			{ form: 'import', fields: { file: [made.message] } },
			{ status: made.status, headers: made.headers ?? {} },
		)
	}
	return redirect(`/audio/projects/${made.project.id}`, 303)
}

export default function AudioProjects() {
	const { projects } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	return (
		<div className="mx-auto flex w-full max-w-4xl flex-col gap-6 p-4 sm:p-6">
			<header className="space-y-1">
				<p className="text-sm">
					<Link to="/audio">Audio</Link> / Projects
				</p>
				<h1 className="text-2xl font-semibold text-fg">Audio projects</h1>
				<p className="text-sm text-fg-muted">
					Arrange sounds from your library on tracks, trim and balance them, and mix them down to one file.
				</p>
			</header>
			<section aria-labelledby="new-project" className="grid gap-4 sm:grid-cols-2">
				<Form method="post" className="space-y-3 rounded-xl border border-line bg-surface p-4">
					<h2 id="new-project" className="font-medium text-fg">
						New project
					</h2>
					<FieldScope prefix="create" errors={refused?.form === 'create' ? refused.fields : null}>
						<TextField name="name" label="Name" required maxLength={200} defaultValue="Untitled project" />
					</FieldScope>
					<button type="submit" name="intent" value="create" className="btn">
						Create project
					</button>
				</Form>
				<Form
					method="post"
					encType="multipart/form-data"
					className="space-y-3 rounded-xl border border-line bg-surface p-4"
				>
					<h2 className="font-medium text-fg">Import a project</h2>
					<FieldScope prefix="import" errors={refused?.form === 'import' ? refused.fields : null}>
						<FileField
							name="file"
							label="Project file (JSON)"
							accept="application/json,.json"
							description="A file exported from a project here. Its sounds must be in your library."
						/>
					</FieldScope>
					<FormErrors id="import-errors" errors={undefined} />
					<button type="submit" name="intent" value="import" className="btn-secondary">
						Import
					</button>
				</Form>
			</section>
			<TitledSection id="your-projects" title="Your projects" className="space-y-3">
				<ItemList
					items={projects}
					empty="No projects yet."
					className="divide-y divide-line rounded-xl border border-line bg-surface"
					testId="project-list"
				>
					{p => (
						<li key={p.id} className="flex flex-wrap items-center justify-between gap-2 p-3">
							<Link to={`/audio/projects/${p.id}`} className="font-medium">
								{p.name}
							</Link>
							<span className="text-xs text-fg-muted">
								{p.tracks} {p.tracks === 1 ? 'track' : 'tracks'}, {p.clips} {p.clips === 1 ? 'clip' : 'clips'} · edited{' '}
								{new Date(p.updatedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
							</span>
						</li>
					)}
				</ItemList>
			</TitledSection>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Audio projects · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
