import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { lazy, Suspense, useEffect } from 'react'
import { formatDuration, WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import { useHydrated } from '#app/components/chat/use-hydrated.ts'
import { StatusBadge } from '#app/components/generation-output.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { ProjectEditSchema, clipLength, isAudible, soundKey } from '#server/domain/audio/project-schema.ts'
import type { Clip, Track } from '#server/domain/audio/project-schema.ts'
import type { SoundView } from '#server/domain/audio/projects.ts'

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
	if (change.intent === 'mixdown') {
		const made = await projects.mixdown(user, id)
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
			{ form: formKey, message: result.message, fields: result.fields ?? {} },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	// The editor's autosave (a fetcher) gets data; a form without JavaScript gets post/redirect/get.
	if (form.redirectTo === undefined) return { ok: true as const, savedAt: result.project.updatedAt.toISOString() }
	return redirect(back, 303)
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>

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
					<ProjectEditor projectId={project.id} document={doc} sounds={sounds} savedAt={String(project.updatedAt)} />
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
			<section id="mixdowns" aria-labelledby="mixdowns-title" className="space-y-3">
				<h2 id="mixdowns-title" className="text-lg font-medium text-fg">
					Mixdowns
				</h2>
				{mixdowns.length === 0 ? (
					<p className="text-sm text-fg-muted">No mixdowns yet. “Mix down” renders the project to WAV and MP3.</p>
				) : (
					<ul className="space-y-2">
						{mixdowns.map(m => (
							<li
								key={m.id}
								data-generation-status={m.status}
								data-generation-id={m.id}
								className="space-y-2 rounded-xl border border-line bg-surface p-3"
							>
								<div className="flex flex-wrap items-center gap-2 text-sm">
									<StatusBadge status={m.status} />
									<Link to={`/generations/${m.id}`}>
										Mixdown of{' '}
										{new Date(m.createdAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
									</Link>
								</div>
								{m.error ? <p className="text-sm text-danger">{m.error}</p> : null}
								{m.outputs.map(o => (
									<div key={o.key} className="flex flex-wrap items-center gap-2">
										{o.waveform ? (
											<WaveformPreview peaks={o.waveform.preview} duration={o.duration} className="w-40" />
										) : null}
										<audio src={o.url} controls preload="none" aria-label={`Mixdown (${o.contentType})`} />
										<a href={o.downloadUrl ?? o.url}>Download {o.contentType === 'audio/mpeg' ? 'MP3' : 'WAV'}</a>
									</div>
								))}
							</li>
						))}
					</ul>
				)}
				{pending ? (
					<noscript>
						<meta httpEquiv="refresh" content="2" />
					</noscript>
				) : null}
			</section>
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

function TrackCard({
	track,
	index,
	count,
	sounds,
	library,
	heard,
}: {
	track: Track
	index: number
	count: number
	sounds: Record<string, SoundView>
	library: LoaderData['library']
	heard: boolean
}) {
	const prefix = `track-${track.id.slice(0, 8)}`
	return (
		<article
			className="space-y-3 rounded-xl border border-line bg-surface p-3"
			data-track-id={track.id}
			aria-labelledby={`${prefix}-name`}
		>
			<div className="flex flex-wrap items-center justify-between gap-2">
				<h3 id={`${prefix}-name`} className="font-medium text-fg">
					{track.name}
					{heard ? null : <span className="ml-2 text-xs text-fg-muted">(not heard)</span>}
				</h3>
				<div className="flex flex-wrap gap-1">
					{(['up', 'down'] as const).map(direction => (
						<Form method="post" key={direction}>
							<input type="hidden" name="redirectTo" value="1" />
							<input type="hidden" name="trackId" value={track.id} />
							<input type="hidden" name="direction" value={direction} />
							<button
								type="submit"
								name="intent"
								value="move-track"
								className="btn-secondary px-2 py-1 text-xs"
								disabled={direction === 'up' ? index === 0 : index === count - 1}
							>
								Move {track.name} {direction}
							</button>
						</Form>
					))}
					<Form method="post">
						<input type="hidden" name="redirectTo" value="1" />
						<input type="hidden" name="trackId" value={track.id} />
						<button type="submit" name="intent" value="delete-track" className="btn-secondary px-2 py-1 text-xs">
							Delete {track.name}
						</button>
					</Form>
				</div>
			</div>
			<Form method="post" className="flex flex-wrap items-end gap-3 text-sm">
				<input type="hidden" name="redirectTo" value="1" />
				<input type="hidden" name="trackId" value={track.id} />
				<label className="space-y-1">
					<span className="block text-fg-muted">Track gain</span>
					<input
						name="gain"
						type="number"
						step="any"
						min="0"
						max="4"
						defaultValue={track.gain}
						className="field w-24"
					/>
				</label>
				<label className="flex items-center gap-1">
					<input type="checkbox" name="mute" defaultChecked={track.mute} /> Mute
				</label>
				<label className="flex items-center gap-1">
					<input type="checkbox" name="solo" defaultChecked={track.solo} /> Solo
				</label>
				<button type="submit" name="intent" value="track" className="btn-secondary px-3 py-1">
					Save track
				</button>
			</Form>
			<ul className="space-y-2">
				{track.clips.map(clip => (
					<ClipRow
						key={clip.id}
						clip={clip}
						trackId={track.id}
						sound={sounds[soundKey(clip.generationId, clip.output)]}
						first={index === 0}
						last={index === count - 1}
					/>
				))}
			</ul>
			{library.length > 0 ? (
				<Form method="post" className="flex flex-wrap items-end gap-3 text-sm">
					<input type="hidden" name="redirectTo" value="1" />
					<input type="hidden" name="trackId" value={track.id} />
					<label className="min-w-0 flex-1 basis-full space-y-1 sm:basis-auto">
						<span className="block text-fg-muted">Sound from your library</span>
						<select name="source" className="field w-full" required>
							{library.map(s => (
								<option key={soundKey(s.generationId, s.output)} value={soundKey(s.generationId, s.output)}>
									{s.prompt.slice(0, 60)}
									{s.duration !== null ? ` (${formatDuration(s.duration)})` : ''}
								</option>
							))}
						</select>
					</label>
					<label className="space-y-1">
						<span className="block text-fg-muted">Start (s)</span>
						<input name="start" type="number" step="any" min="0" defaultValue="0" className="field w-24" />
					</label>
					<button type="submit" name="intent" value="add-clip" className="btn-secondary px-3 py-1">
						Add clip to {track.name}
					</button>
				</Form>
			) : (
				<p className="text-sm text-fg-muted">
					Your library has no audio yet: make some in the <Link to="/audio">audio studio</Link>.
				</p>
			)}
		</article>
	)
}

function ClipRow({
	clip,
	trackId,
	sound,
	first,
	last,
}: {
	clip: Clip
	trackId: string
	sound: SoundView | undefined
	first: boolean
	last: boolean
}) {
	const name = sound?.prompt.slice(0, 60) ?? 'Missing sound'
	const hidden = (
		<>
			<input type="hidden" name="redirectTo" value="1" />
			<input type="hidden" name="trackId" value={trackId} />
			<input type="hidden" name="clipId" value={clip.id} />
		</>
	)
	return (
		<li
			className="space-y-2 rounded-lg border border-line bg-raised/40 p-2"
			data-clip-id={clip.id}
			data-clip-start={clip.start}
		>
			<div className="flex flex-wrap items-center gap-2 text-sm">
				<span className="font-medium text-fg">{name}</span>
				<span className="text-xs text-fg-muted">
					at {clip.start.toFixed(2)} s, plays {clipLength(clip).toFixed(2)} s
				</span>
				{sound?.preview ? <WaveformPreview peaks={sound.preview} className="w-32" /> : null}
			</div>
			{sound ? (
				<audio
					src={`${sound.url}#t=${clip.trimIn},${clip.trimOut}`}
					controls
					preload="none"
					aria-label={`Clip: ${name}`}
					className="w-full max-w-md"
				/>
			) : null}
			<Form method="post" className="flex flex-wrap items-end gap-2 text-sm">
				{hidden}
				{(
					[
						['start', 'Start (s)', clip.start],
						['trimIn', 'Trim in (s)', clip.trimIn],
						['trimOut', 'Trim out (s)', clip.trimOut],
						['gain', 'Gain', clip.gain],
					] as const
				).map(([field, label, value]) => (
					<label key={field} className="space-y-1">
						<span className="block text-fg-muted">{label}</span>
						<input name={field} type="number" step="any" min="0" defaultValue={value} className="field w-24" />
					</label>
				))}
				<button type="submit" name="intent" value="clip" className="btn-secondary px-3 py-1">
					Save clip
				</button>
			</Form>
			<div className="flex flex-wrap gap-1">
				{!first ? (
					<Form method="post">
						{hidden}
						<input type="hidden" name="direction" value="up" />
						<button type="submit" name="intent" value="move-clip" className="btn-secondary px-2 py-1 text-xs">
							To the track above
						</button>
					</Form>
				) : null}
				{!last ? (
					<Form method="post">
						{hidden}
						<input type="hidden" name="direction" value="down" />
						<button type="submit" name="intent" value="move-clip" className="btn-secondary px-2 py-1 text-xs">
							To the track below
						</button>
					</Form>
				) : null}
				<Form method="post">
					{hidden}
					<button type="submit" name="intent" value="delete-clip" className="btn-secondary px-2 py-1 text-xs">
						Delete clip
					</button>
				</Form>
			</div>
		</li>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.project.name ?? 'Audio project'} · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
