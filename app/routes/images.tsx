import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Gallery } from '#app/components/images/gallery.tsx'
import { ImageForm } from '#app/components/images/image-form.tsx'
import { DEFAULT_STRENGTH } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { imageStudioData } from '#app/utils/image-studio.server.ts'
import { studioAction } from '#app/utils/studio-action.server.ts'
import { StudioPage, studioFormState } from '#app/components/studio-page.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return imageStudioData(request, context.services, user)
}

export const action = ({ request, context }: ActionFunctionArgs) => studioAction('image', request, context)

export default function Images() {
	const studio = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const form = studioFormState(studio, refused)
	return (
		<StudioPage
			title="Images"
			intro="Describe a picture; it joins the gallery as soon as it is made."
			columns="lg:grid-cols-[21.5rem_minmax(0,1fr)]"
			form={
				<ImageForm
					key={form.key}
					{...form.props}
					models={studio.models}
					defaultModel={studio.defaultModel}
					source={studio.source}
					defaultStrength={DEFAULT_STRENGTH}
				/>
			}
		>
			<Gallery
				items={studio.gallery.items}
				next={studio.gallery.next}
				first={studio.gallery.first}
				pending={studio.pending}
			/>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Images · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
