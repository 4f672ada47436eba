import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { SoundSearchBox } from '#app/components/audio/sound-search-box.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { formatDuration } from '#app/components/audio/waveform-preview.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm, readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { FreesoundImportSchema, SoundSearchSchema } from '#server/domain/sounds/schema.ts'

// Searching counts against `sound_search`; importing a Freesound sound (a download into storage), `sound_import`.
export const handle = { rateLimit: { loader: 'sound_search', action: 'sound_import' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const q = readQuery(request).q ?? ''
	const parsed = parseWith(SoundSearchSchema, { q })
	if (!parsed.ok) return { q, error: q ? (parsed.fields.q?.[0] ?? null) : null, result: null }
	return { q: parsed.value.q, error: null, result: await context.services.sounds.search(user, parsed.value.q) }
}

/** Imports one Freesound result into the library (its licence and attribution kept), then opens it. */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(FreesoundImportSchema, await readForm(request))
	if (!parsed.ok) return data({ importError: parsed.fields.freesoundId?.[0] ?? 'Pick a sound to import.' }, 400)
	const made = await context.services.freesoundImport.importSound(user, parsed.value.freesoundId)
	if ('refused' in made)
		return data({ importError: made.message }, { status: made.status, headers: made.headers ?? {} })
	return redirectWithFlash(context, `/generations/${made.generation.id}`, {
		kind: 'success',
		message: `“${made.generation.prompt}” is in your library, with its licence and attribution.`,
	})
}

export default function Sounds() {
	const { q, error, result } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	return (
		<div className="mx-auto max-w-3xl">
			<p className="text-sm">
				<Link to="/audio">Back to the audio studio</Link>
			</p>
			<h1 className="mt-2 text-2xl font-semibold tracking-tight">Find sounds</h1>
			<p className="mt-1 text-sm text-fg-muted">
				Your own audio by what it says or was described as{result?.freesound ? ', and Freesound’s library' : ''}.
			</p>
			<SoundSearchBox q={q} />
			{error ? <p className="mt-3 text-sm text-danger">{error}</p> : null}
			{refused?.importError ? (
				<p className="callout-danger mt-3" role="alert">
					{refused.importError}
				</p>
			) : null}
			{result ? (
				<>
					<h2 className="mt-8 text-lg font-semibold">Your audio</h2>
					{result.library.length === 0 ? (
						<p className="mt-2 text-sm text-fg-muted">None of your audio matches “{q}”.</p>
					) : (
						<ul className="mt-3 divide-y divide-line rounded-xl border border-line" data-sound-results="library">
							{result.library.map(s => (
								<li key={s.id} className="flex items-baseline justify-between gap-3 p-3 text-sm">
									<Link to={`/generations/${s.id}`} className="min-w-0 truncate">
										{s.prompt}
									</Link>
									<span className="shrink-0 text-xs text-fg-muted">{s.mode}</span>
								</li>
							))}
						</ul>
					)}
					{result.freesound ? (
						<>
							<h2 className="mt-8 text-lg font-semibold">From Freesound</h2>
							{result.freesound.error ? (
								<p className="callout-danger mt-2" role="status">
									{result.freesound.error}
								</p>
							) : null}
							<ul className="mt-3 space-y-3" data-sound-results="freesound">
								{result.freesound.results.map(s => (
									<li key={s.id} className="rounded-xl border border-line p-3" data-freesound-id={s.id}>
										<div className="flex items-baseline justify-between gap-3">
											<a href={s.url} className="min-w-0 truncate text-sm font-medium" rel="noreferrer">
												{s.name}
											</a>
											{s.duration !== null ? (
												<span className="shrink-0 text-xs tabular-nums text-fg-muted">
													{formatDuration(s.duration)}
												</span>
											) : null}
										</div>
										{s.previewUrl ? (
											<audio
												src={s.previewUrl}
												controls
												preload="none"
												className="mt-2 h-9 w-full"
												aria-label={`Preview of ${s.name}`}
											/>
										) : null}
										<div className="mt-2 flex flex-wrap items-center justify-between gap-2">
											<p className="text-xs text-fg-muted" data-attribution="">
												{s.attribution} —{' '}
												<a href={s.licence} rel="noopener noreferrer nofollow license">
													licence
												</a>
											</p>
											<Form method="post" action={`/audio/sounds?q=${encodeURIComponent(q)}`}>
												<input type="hidden" name="freesoundId" value={s.id} />
												<button
													type="submit"
													className="btn-secondary px-3 py-1 text-xs"
													aria-label={`Import “${s.name}” into your library`}
												>
													Import
												</button>
											</Form>
										</div>
									</li>
								))}
							</ul>
						</>
					) : null}
				</>
			) : null}
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Find sounds · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
