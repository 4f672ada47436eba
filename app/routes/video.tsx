import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Clapperboard } from '#app/components/icons/index.tsx'
import { GenerationCard } from '#app/components/generation-output.tsx'
import { VideoForm } from '#app/components/video/video-form.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { nonBlank, studioAction } from '#app/utils/studio-action.server.ts'
import { videoStudioData } from '#app/utils/video-studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { StudioResults } from '#app/components/studio-results.tsx'

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
			<StudioResults
				id="jobs-title"
				title="Your videos"
				pending={studio.pending}
				count={studio.jobs.length}
				empty={{
					icon: <Clapperboard aria-hidden="true" size={28} className="text-fg-muted" />,
					hint: 'Nothing yet. Describe a scene — “slow waves on a pebble beach at golden hour” — or open one of your images and choose Make a video.',
				}}
			>
				<ul className="mt-4 grid grid-cols-[repeat(auto-fill,minmax(15rem,1fr))] gap-4">
					{studio.jobs.map(g => (
						<GenerationCard key={g.id} generation={g} />
					))}
				</ul>
			</StudioResults>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
