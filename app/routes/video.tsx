import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { Clapperboard } from '#app/components/icons/index.tsx'
import { GenerationCard } from '#app/components/generation-output.tsx'
import { VideoForm } from '#app/components/video/video-form.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { nonBlank, studioAction } from '#app/utils/studio-action.server.ts'
import { videoStudioData } from '#app/utils/video-studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return videoStudioData(request, context.services, user)
}

export const action = ({ request, context }: ActionFunctionArgs) => studioAction('video', request, context, nonBlank)

export default function Video() {
	const studio = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	return (
		<div className="grid items-start gap-8 lg:grid-cols-[22rem_minmax(0,1fr)]">
			<section aria-labelledby="studio-title" className="lg:sticky lg:top-8">
				<h1 id="studio-title" className="text-2xl font-semibold tracking-tight">
					Video
				</h1>
				<p className="mb-5 mt-1 text-sm text-fg-muted">
					Clips from a description or from one of your images. Providers take a while; each job shows how long so far.
				</p>
				<div className="card shadow-sm">
					<VideoForm
						key={refused ? JSON.stringify(refused.values) : studio.idempotencyKey}
						models={studio.models}
						defaultModel={studio.defaultModel}
						values={refused?.values ?? studio.values}
						source={studio.source}
						library={studio.library}
						idempotencyKey={studio.idempotencyKey}
						errors={refused?.fields}
						message={refused?.message}
					/>
				</div>
			</section>
			<section aria-labelledby="jobs-title" className="min-w-0">
				{/* Without JavaScript the page refreshes itself while a clip is still being made. */}
				{studio.pending ? (
					<noscript>
						<meta httpEquiv="refresh" content="3" />
					</noscript>
				) : null}
				<div className="flex items-baseline justify-between gap-3">
					<h2 id="jobs-title" className="text-lg font-semibold">
						Your videos
					</h2>
					{studio.jobs.length > 0 ? (
						<Link to="/library" className="text-sm">
							All in the library
						</Link>
					) : null}
				</div>
				{studio.jobs.length === 0 ? (
					<div className="mt-4 flex min-h-64 flex-col items-center justify-center rounded-xl border border-dashed border-line-strong p-8 text-center">
						<Clapperboard aria-hidden="true" size={28} className="text-fg-muted" />
						<p className="mt-3 max-w-sm text-sm text-fg-muted">
							Nothing yet. Describe a scene — “slow waves on a pebble beach at golden hour” — or open one of your images
							and choose Make a video.
						</p>
					</div>
				) : (
					<ul className="mt-4 grid grid-cols-[repeat(auto-fill,minmax(15rem,1fr))] gap-4">
						{studio.jobs.map(g => (
							<GenerationCard key={g.id} generation={g} />
						))}
					</ul>
				)}
			</section>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
