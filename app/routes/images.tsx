import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Gallery } from '#app/components/images/gallery.tsx'
import { ImageForm } from '#app/components/images/image-form.tsx'
import { DEFAULT_STRENGTH } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { imageStudioData } from '#app/utils/image-studio.server.ts'
import { studioAction } from '#app/utils/studio-action.server.ts'
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
	return (
		<div className="grid items-start gap-8 lg:grid-cols-[21.5rem_minmax(0,1fr)]">
			<section aria-labelledby="studio-title" className="lg:sticky lg:top-8">
				<h1 id="studio-title" className="text-2xl font-semibold tracking-tight">
					Images
				</h1>
				<p className="mb-5 mt-1 text-sm text-fg-muted">
					Describe a picture; it joins the gallery as soon as it is made.
				</p>
				<div className="card shadow-sm">
					<ImageForm
						// A refused submit re-renders the form with what was sent.
						key={refused ? JSON.stringify(refused.values) : studio.idempotencyKey}
						models={studio.models}
						defaultModel={studio.defaultModel}
						values={refused?.values ?? studio.values}
						source={studio.source}
						idempotencyKey={studio.idempotencyKey}
						errors={refused?.fields}
						message={refused?.message}
						defaultStrength={DEFAULT_STRENGTH}
					/>
				</div>
			</section>
			<Gallery
				items={studio.gallery.items}
				next={studio.gallery.next}
				first={studio.gallery.first}
				pending={studio.pending}
			/>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Images · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
