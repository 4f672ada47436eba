import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Field } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { IMAGE_SIZES } from '#server/domain/generations/schema.ts'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'

export const handle = { rateLimit: { action: 'generation' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('image', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('image', request, context)

export default function Images() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const values = actionData?.values ?? {}
	return (
		<StudioPage
			title="Images"
			promptLabel="Prompt"
			placeholder="A lighthouse on a cliff at dawn, watercolour"
			empty="Nothing yet. Your images will appear here."
			data={data}
			actionData={actionData}
		>
			<div className="grid grid-cols-2 gap-3">
				<div>
					<label htmlFor="size" className="block text-sm font-medium">
						Size
					</label>
					<select id="size" name="size" defaultValue={values.size ?? '1024x1024'} className="field mt-1">
						{IMAGE_SIZES.map(size => (
							<option key={size}>{size}</option>
						))}
					</select>
				</div>
				<Field
					label="Images"
					name="n"
					errors={actionData?.fields.n}
					inputProps={{ id: 'n', type: 'number', min: 1, max: 4, defaultValue: values.n ?? '1' }}
				/>
			</div>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Images · Generation Studio' }]
