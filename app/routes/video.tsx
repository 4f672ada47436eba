import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'

export const handle = { rateLimit: { action: 'generation' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('video', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('video', request, context)

export default function Video() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<StudioPage
			title="Video"
			promptLabel="Prompt"
			placeholder="Slow waves rolling onto a pebble beach, golden hour"
			empty="Nothing yet. Your videos will appear here."
			data={data}
			actionData={actionData}
		>
			<Field
				label="Length (seconds)"
				name="durationSeconds"
				errors={actionData?.fields.durationSeconds}
				inputProps={{
					id: 'durationSeconds',
					type: 'number',
					min: 1,
					max: 10,
					defaultValue: actionData?.values.durationSeconds ?? '5',
				}}
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]
