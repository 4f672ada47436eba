import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { lazy, Suspense, useEffect } from 'react'
import { ProjectMixdowns } from '#app/components/audio/project-mixdowns.tsx'
import { TrackCard } from '#app/components/audio/project-tracks.tsx'
import { useHydrated } from '#app/components/chat/use-hydrated.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { ProjectEditSchema, isAudible } from '#server/domain/audio/project-schema.ts'
import { ShareForm } from '#app/components/share/share-form.tsx'

// Every form here and the editor's autosave edit the user's own project: `audio_project`. A mixdown also counts
// against `mixdown` in the domain.
export const handle = { rateLimit: { action: 'audio_project' } }

/** The wavesurfer editor: its own chunk, fetched only on this page and only once scripts run. */
const ProjectEditor = lazy(() => import('#app/components/audio/project-editor.tsx'))

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { audioProjects, generations } = context.services
	const project = await audioProjects.get(user, params.id ?? '')
	if ('refused' in project) throw notFound(project.message)
	const [sounds, library, mixdowns] = await Promise.all([
		audioProjects.sounds(user, project.document),
		audioProjects.library(user),
		audioProjects.mixdowns(user, project.id),
	])
	const mixes = await Promise.all(
		mixdowns.map(async g => ({
			id: g.id,
			status: g.status,
			error: g.error,
			createdAt: g.createdAt,
			outputs: await generations.withUrls(g, { download: true }),
		})),
	)
	return { project, sounds, library, mixdowns: mixes }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const id = params.id ?? ''
	const back = `/audio/projects/${id}`
	const parsed = parseWith(ProjectEditSchema, form)
	const formKey = `${form.intent ?? ''}:${form.clipId ?? form.trackId ?? ''}`
	if (!parsed.ok) {
		const message = Object.values(parsed.fields).flat()[0] ?? parsed.formErrors[0] ?? 'That change is not valid.'
		return data({ form: formKey, message, fields: parsed.fields }, { status: 400 })
	}
	const projects = context.services.audioProjects
	const change = parsed.value
	if (change.intent === 'delete') {
		const result = await projects.remove(user, id)
		if (result !== true) return data({ form: formKey, message: result.message, fields: {} }, { status: result.status })
		return redirect('/audio/projects', 303)
	}
	if (change.intent === 'mixdown' || change.intent === 'retry-mixdown') {
		const made =
			change.intent === 'mixdown'
				? await projects.mixdown(user, id)
				: await projects.retryMixdown(user, id, change.generationId)
		if ('refused' in made) {
			return data(
				{ form: formKey, message: made.message, fields: {} },
				{ status: made.status, headers: made.headers ?? {} },
			)
		}
		// No #fragment: the pending page's refresh would then be a same-document jump, not a reload.
		return redirect(back, 303)
	}
	const result = await projects.edit(user, id, change)
	if ('refused' in result) {
		return data(
			{ form: formKey, message: result.message, fields: result.fields ?? {}, code: result.code },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	// The editor's autosave (a fetcher) gets data; a form without JavaScript gets post/redirect/get.
	if (form.redirectTo === undefined) return { ok: true as const, revision: result.project.revision }
	return redirect(back, 303)
}

export default function AudioProjectPage() {
	const { project, sounds, library, mixdowns } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const hydrated = useHydrated()
	const doc = project.document
	const audible = doc.tracks.some(t => isAudible(doc, t) && t.clips.length > 0)
	const pending = mixdowns.some(m => m.status === 'queued' || m.status === 'running')
	// With JavaScript a pending mixdown is followed by re-reading the page's data (without, the page refreshes).
	const revalidator = useRevalidator()
	useEffect(() => {
		if (!pending) return
		const timer = setInterval(() => {
			if (revalidator.state === 'idle') revalidator.revalidate()
		}, 1500)
		return () => clearInterval(timer)
	}, [pending, revalidator])
	return (
		<div className="mx-auto flex w-full max-w-6xl flex-col gap-5 p-4 sm:p-6">
			<header className="flex flex-wrap items-end justify-between gap-3">
				<div className="space-y-1">
					<p className="text-sm">
						<Link to="/audio">Audio</Link> / <Link to="/audio/projects">Projects</Link>
					</p>
					<h1 className="text-2xl font-semibold text-fg">{project.name}</h1>
				</div>
				<div className="flex flex-wrap gap-2">
					<a href={`/audio/projects/${project.id}/export`} className="btn-secondary" download>
						Export JSON
					</a>
					<ShareForm
						kind="audio_project"
						targetId={project.id}
						returnTo={`/audio/projects/${project.id}`}
						align="right"
					/>
					<Form method="post">
						<input type="hidden" name="redirectTo" value="1" />
						<button type="submit" name="intent" value="mixdown" className="btn" disabled={!audible}>
							Mix down
						</button>
					</Form>
				</div>
			</header>
			{refused && 'message' in refused ? (
				<p role="alert" className="rounded-lg border border-danger-line bg-danger-soft p-3 text-sm text-danger">
					{refused.message}
				</p>
			) : null}
			{hydrated ? (
				<Suspense fallback={<p className="text-sm text-fg-muted">Loading the editor…</p>}>
					<ProjectEditor projectId={project.id} document={doc} sounds={sounds} revision={project.revision} />
				</Suspense>
			) : null}
			<section aria-labelledby="tracks-title" className="space-y-3">
				<h2 id="tracks-title" className="text-lg font-medium text-fg">
					Tracks and clips
				</h2>
				{doc.tracks.map((track, index) => (
					<TrackCard
						key={track.id}
						track={track}
						index={index}
						count={doc.tracks.length}
						sounds={sounds}
						library={library}
						heard={isAudible(doc, track)}
					/>
				))}
				<Form method="post">
					<input type="hidden" name="redirectTo" value="1" />
					<button type="submit" name="intent" value="add-track" className="btn-secondary">
						Add a track
					</button>
				</Form>
			</section>
			<ProjectMixdowns mixdowns={mixdowns} pending={pending} />
			<section className="flex flex-wrap gap-3 border-t border-line pt-4">
				<Form method="post" className="flex flex-wrap items-end gap-2">
					<input type="hidden" name="redirectTo" value="1" />
					<label className="space-y-1 text-sm">
						<span className="block text-fg-muted">Project name</span>
						<input name="name" defaultValue={project.name} required maxLength={200} className="field" />
					</label>
					<button type="submit" name="intent" value="rename" className="btn-secondary">
						Rename
					</button>
				</Form>
				<Form method="post" className="ml-auto self-end">
					<button type="submit" name="intent" value="delete" className="btn-secondary text-danger">
						Delete project
					</button>
				</Form>
			</section>
		</div>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.project.name ?? 'Audio project'} · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
