import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { AudioLines } from '#app/components/icons/index.tsx'
import { AudioForm } from '#app/components/audio/audio-form.tsx'
import { AudioResults } from '#app/components/audio/audio-results.tsx'
import { SoundSearchBox } from '#app/components/audio/sound-search-box.tsx'
import { audioStudioData } from '#app/utils/audio-studio.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { nonBlank, studioAction } from '#app/utils/studio-action.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { StudioPage, studioFormState } from '#app/components/studio-page.tsx'
import { StudioResults } from '#app/components/studio-results.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return audioStudioData(request, context.services, user)
}

// A blank field (no seed, no instructions) is a field not given; fields of the other mode are not sent on.
export const action = ({ request, context }: ActionFunctionArgs) =>
	studioAction('audio', request, context, form => {
		const speech = (form.mode ?? 'speech') === 'speech'
		const other = speech ? ['durationSeconds', 'seed'] : ['voice', 'format', 'speed', 'instructions']
		return Object.fromEntries(Object.entries(nonBlank(form)).filter(([name]) => !other.includes(name)))
	})

export default function Audio() {
	const studio = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const form = studioFormState(studio, refused)
	return (
		<StudioPage
			title="Audio"
			intro={
				<>
					Speech from text, music and sound effects from a description.{' '}
					<Link to="/audio/transcribe">Transcribe a recording</Link> ·{' '}
					<Link to="/audio/projects">Arrange sounds in a project</Link>
				</>
			}
			form={
				<AudioForm
					key={form.key}
					{...form.props}
					speechModels={studio.speechModels}
					soundModels={studio.soundModels}
					defaults={studio.defaults}
				/>
			}
		>
			<StudioResults
				id="results-title"
				title="Your audio"
				pending={studio.pending}
				count={studio.results.length}
				before={<SoundSearchBox />}
				empty={{
					icon: <AudioLines aria-hidden="true" size={28} className="text-fg-muted" />,
					hint: 'Nothing yet. Type a sentence to hear it spoken, or choose Music and describe a mood — “a calm lo-fi beat with soft piano”.',
				}}
			>
				<AudioResults results={studio.results} />
			</StudioResults>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Audio · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
