import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '#app/components/forms.tsx'
import { RecentGenerations, StudioForm } from '#app/components/studio.tsx'
import { studioAction, studioLoader } from '#app/utils/studio.ts'

export const handle = { rateLimit: { action: 'generation' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('video', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('video', request, context)

export default function Video() {
	const { recent, models, idempotencyKey } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	return (
		<div className="grid gap-8 lg:grid-cols-[minmax(0,22rem)_1fr]">
			<StudioForm
				title="Video"
				promptLabel="Prompt"
				placeholder="Slow waves rolling onto a pebble beach, golden hour"
				models={models}
				idempotencyKey={idempotencyKey}
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
			</StudioForm>
			<RecentGenerations items={recent} empty="Nothing yet. Your videos will appear here." />
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]
