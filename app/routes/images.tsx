import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { RadioGroupField } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio.tsx'
import { IMAGE_SIZE_LABELS, IMAGE_SIZES } from '#server/domain/generations/schema.ts'
import { studioAction, studioLoader } from '#app/utils/studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export const loader = ({ request, context }: LoaderFunctionArgs) => studioLoader('image', request, context)
export const action = ({ request, context }: ActionFunctionArgs) => studioAction('image', request, context)

export default function Images() {
	const data = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const values = actionData?.values ?? {}
	return (
		<StudioPage
			title="Images"
			description="Describe a picture; it appears on the right as soon as it is made."
			promptLabel="Prompt"
			placeholder="A lighthouse on a cliff at dawn, watercolour"
			empty="Nothing yet. Write a prompt and press Generate — for example “a lighthouse on a cliff at dawn, watercolour”."
			resultsTitle="Your images"
			labels={{ size: 'Size', n: 'Images' }}
			data={data}
			actionData={actionData}
		>
			<RadioGroupField
				name="size"
				label="Size"
				variant="chips"
				defaultValue={values.size ?? '1024x1024'}
				options={IMAGE_SIZES.map(size => ({ value: size, label: IMAGE_SIZE_LABELS[size] }))}
				description="Aspect ratio; “small” is 512 pixels square."
			/>
			<RadioGroupField
				name="n"
				label="Images"
				variant="chips"
				defaultValue={values.n ?? '1'}
				options={['1', '2', '3', '4'].map(n => ({ value: n, label: n }))}
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Images · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
