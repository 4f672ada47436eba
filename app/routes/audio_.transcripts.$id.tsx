import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { Download } from '#app/components/icons/index.tsx'
import { SearchForm } from '#app/components/forms.tsx'
import { useEffect, useRef } from 'react'
import type { MouseEvent } from 'react'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { TranscriptStatusLine } from '#app/components/audio/transcript-status.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { readForm, readQuery } from '#app/utils/input.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { transcriptPageData } from '#app/utils/transcripts.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { EditSegmentSchema } from '#server/domain/transcripts/schema.ts'
import { TRANSCRIPT_FORMATS, clockTime } from '#server/domain/transcripts/formats.ts'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'

export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const transcript = await context.services.transcripts.get(user, params.id ?? '')
	if ('refused' in transcript) throw notFound(transcript.message)
	const query = readQuery(request)
	const q = (query.q ?? '').slice(0, 200)
	const start = Number(query.t)
	const page = await transcriptPageData(context.services, transcript, q)
	return { transcript, ...page, q, start: Number.isFinite(start) && start > 0 ? start : null }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const id = params.id ?? ''
	const form = await readForm(request)
	if (form.intent === 'delete') {
		const removed = await context.services.transcripts.remove(user, id)
		if (removed !== true) throw notFound(removed.message)
		return redirect('/audio/transcribe', 303)
	}
	const parsed = parseWith(EditSegmentSchema, { index: form.index, text: form.text })
	if (!parsed.ok)
		return data({ index: form.index ?? '', message: Object.values(parsed.fields)[0]?.[0] ?? '' }, { status: 400 })
	const result = await context.services.transcripts.editSegment(user, id, parsed.value.index, parsed.value.text)
	if ('refused' in result) return data({ index: form.index ?? '', message: result.message }, { status: result.status })
	return redirect(`/audio/transcripts/${id}#segment-${parsed.value.index}`, 303)
}

export default function TranscriptPage() {
	const { transcript: t, mediaUrl, matches, q, start } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const player = useRef<HTMLAudioElement & HTMLVideoElement>(null)
	const pending = t.status === 'queued' || t.status === 'running'
	// With JavaScript the page follows the job in place; without, it refreshes itself (the noscript below).
	const revalidator = useRevalidator()
	useEffect(() => {
		if (!pending) return
		const timer = setInterval(() => {
			if (revalidator.state === 'idle') revalidator.revalidate()
		}, 1000)
		return () => clearInterval(timer)
	}, [pending, revalidator])
	const shown = matches
		? t.segments.map((s, i) => ({ s, i })).filter(({ i }) => matches.includes(i))
		: t.segments.map((s, i) => ({ s, i }))
	// With JavaScript a timestamp seeks the docked player; without, its link reloads the page with the player there.
	function seek(event: MouseEvent<HTMLAnchorElement>, seconds: number) {
		const media = player.current
		if (!media) return
		event.preventDefault()
		media.currentTime = seconds
		void media.play().catch(() => undefined)
	}
	const src = `${mediaUrl}${start !== null ? `#t=${start}` : ''}`
	const isVideo = t.contentType.startsWith('video/')
	return (
		<article className="mx-auto max-w-3xl pb-28" data-transcript-status={t.status} data-transcript-id={t.id}>
			{pending ? <RefreshWhilePending seconds={3} /> : null}
			<p className="text-sm">
				<Link to="/audio/transcribe">All transcripts</Link>
			</p>
			<h1 className="mt-2 text-2xl font-semibold tracking-tight">{t.name || 'Untitled recording'}</h1>
			<div className="mt-2">
				<TranscriptStatusLine status={t.status} progress={t.progress} duration={t.duration} error={t.error} />
			</div>
			{t.status === 'succeeded' ? (
				<div className="mt-4 flex flex-wrap items-center gap-2" aria-label="Download the transcript">
					{TRANSCRIPT_FORMATS.map(format => (
						<a
							key={format}
							href={`/audio/transcripts/${t.id}/download?format=${format}`}
							className="btn-secondary px-3 py-1 text-xs"
							download
						>
							<Download aria-hidden="true" size={14} />
							{format.toUpperCase()}
						</a>
					))}
				</div>
			) : null}
			{t.status === 'succeeded' ? (
				<SearchForm
					id="transcript-search"
					label="Search the transcript"
					placeholder="Search the transcript"
					q={q}
					className="mt-6 flex gap-2"
				/>
			) : null}
			{matches ? (
				<p className="mt-3 text-sm text-fg-muted" data-search-count={matches.length}>
					{matches.length === 1 ? '1 segment' : `${matches.length} segments`} with “{q}”. <Link to=".">Show all</Link>
				</p>
			) : null}
			<ol className="mt-6 space-y-4">
				{shown.map(({ s, i }) => (
					<li
						key={i}
						id={`segment-${i}`}
						className="grid grid-cols-[3rem_minmax(0,1fr)] gap-3 sm:grid-cols-[4rem_minmax(0,1fr)]"
						data-segment={i}
						data-start={s.start}
					>
						<a
							href={`?t=${s.start}#player`}
							onClick={event => seek(event, s.start)}
							className="pt-0.5 font-mono text-xs tabular-nums"
							aria-label={`Play from ${clockTime(s.start)}`}
						>
							{clockTime(s.start)}
						</a>
						<div className="min-w-0">
							<p className="leading-relaxed">{s.text}</p>
							<details className="mt-1" open={refused?.index === String(i)}>
								<summary className="cursor-pointer text-xs text-fg-muted">Edit</summary>
								<Form method="post" className="mt-2 space-y-2">
									<input type="hidden" name="index" value={i} />
									<label htmlFor={`segment-text-${i}`} className="sr-only">
										Text of the segment at {clockTime(s.start)}
									</label>
									<textarea
										id={`segment-text-${i}`}
										name="text"
										defaultValue={s.text}
										rows={2}
										className="field w-full"
									/>
									{refused?.index === String(i) ? <p className="text-sm text-danger">{refused.message}</p> : null}
									<button type="submit" className="btn-secondary px-3 py-1 text-xs">
										Save
									</button>
								</Form>
							</details>
						</div>
					</li>
				))}
			</ol>
			<Form method="post" className="mt-10">
				<button type="submit" name="intent" value="delete" className="btn-secondary text-xs">
					Delete this transcript
				</button>
			</Form>
			{/* The player stays docked at the bottom of the window. */}
			<div
				id="player"
				className="fixed inset-x-0 bottom-0 z-10 border-t border-line bg-surface/95 p-3 backdrop-blur md:left-60"
			>
				{isVideo ? (
					<video
						ref={player}
						src={src}
						controls
						preload="metadata"
						className="mx-auto max-h-40 w-full max-w-3xl"
						aria-label="The recording"
					/>
				) : (
					<audio
						ref={player}
						src={src}
						controls
						preload="metadata"
						className="mx-auto block w-full max-w-3xl"
						aria-label="The recording"
					/>
				)}
			</div>
		</article>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.transcript.name || 'Transcript'} · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
