import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { RadioGroupField, TextField } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('audio', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('audio', request, context)

export default function Audio() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const values = actionData?.values ?? {}
	return (
		<StudioPage
			title="Audio"
			description="Speech from text, or music from a description."
			promptLabel="Text to speak, or the music to make"
			placeholder="Welcome to the studio. / A calm lo-fi beat with soft piano"
			empty="Nothing yet. Type a sentence to hear it spoken, or choose Music and describe a mood."
			resultsTitle="Your audio"
			labels={{ mode: 'Kind', durationSeconds: 'Music length (seconds)' }}
			kindField="mode"
			data={data}
			actionData={actionData}
		>
			<RadioGroupField
				name="mode"
				label="Kind"
				variant="chips"
				defaultValue={values.mode ?? 'speech'}
				options={[
					{ value: 'speech', label: 'Speech' },
					{ value: 'music', label: 'Music' },
				]}
			/>
			<TextField
				label="Music length (seconds)"
				name="durationSeconds"
				type="number"
				min={1}
				max={30}
				defaultValue={values.durationSeconds ?? '8'}
				description="Music only, from 1 to 30 seconds."
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Audio · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
