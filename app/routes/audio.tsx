import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'

export const handle = { rateLimit: { action: 'generation' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('audio', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('audio', request, context)

export default function Audio() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const values = actionData?.values ?? {}
	return (
		<StudioPage
			title="Audio"
			promptLabel="Text to speak, or the music to make"
			placeholder="Welcome to the studio. / A calm lo-fi beat with soft piano"
			empty="Nothing yet. Your audio will appear here."
			data={data}
			actionData={actionData}
		>
			<fieldset>
				<legend className="text-sm font-medium">Kind</legend>
				<div className="mt-1 flex gap-4 text-sm">
					<label className="flex items-center gap-2">
						<input type="radio" name="mode" value="speech" defaultChecked={(values.mode ?? 'speech') === 'speech'} />{' '}
						Speech
					</label>
					<label className="flex items-center gap-2">
						<input type="radio" name="mode" value="music" defaultChecked={values.mode === 'music'} /> Music
					</label>
				</div>
			</fieldset>
			<Field
				label="Music length (seconds)"
				name="durationSeconds"
				errors={actionData?.fields.durationSeconds}
				inputProps={{
					id: 'durationSeconds',
					type: 'number',
					min: 1,
					max: 30,
					defaultValue: values.durationSeconds ?? '8',
				}}
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Audio · Generation Studio' }]
