import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { TextField } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('video', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('video', request, context)

export default function Video() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<StudioPage
			title="Video"
			description="Short clips from a description. Providers take a while; the card shows how long so far."
			promptLabel="Prompt"
			placeholder="Slow waves rolling onto a pebble beach, golden hour"
			empty="Nothing yet. Describe a scene and press Generate — for example “slow waves on a pebble beach at golden hour”."
			resultsTitle="Your videos"
			labels={{ durationSeconds: 'Length (seconds)' }}
			data={data}
			actionData={actionData}
		>
			<TextField
				label="Length (seconds)"
				name="durationSeconds"
				type="number"
				min={1}
				max={10}
				defaultValue={actionData?.values.durationSeconds ?? '5'}
				description="From 1 to 10 seconds."
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
