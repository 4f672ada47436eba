import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Gallery } from '#app/components/images/gallery.tsx'
import { ImageForm } from '#app/components/images/image-form.tsx'
import { DEFAULT_STRENGTH, GenerationRequestSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { imageStudioData } from '#app/utils/image-studio.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle = { rateLimit: { action: 'write' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return imageStudioData(request, context.services, user)
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const parsed = parseWith(GenerationRequestSchema, { ...form, kind: 'image' })
	if (!parsed.ok) return data({ fields: parsed.fields, message: '', values: form }, { status: 400 })
	const key = parseWith(IdempotencyKeySchema, form.idempotencyKey ?? '')
	const result = await context.services.generations.create(user, parsed.value, {
		idempotencyKey: key.ok ? key.value : null,
	})
	if ('refused' in result) {
		return data(
			{ fields: result.fields ?? {}, message: result.message, values: form },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	return redirect(`/generations/${result.generation.id}`, 303)
}

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
