import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { Clapperboard } from '#app/components/icons/index.tsx'
import { GenerationCard } from '#app/components/generation-output.tsx'
import { VideoForm } from '#app/components/video/video-form.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { formRefusal, nonBlank, studioAction } from '#app/utils/studio-action.server.ts'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { videoStudioData } from '#app/utils/video-studio.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { StudioPage, studioFormState } from '#app/components/studio-page.tsx'
import { StudioResults } from '#app/components/studio-results.tsx'
import { uploadBodyLimit } from '#server/body-limit.ts'
import { GenerationRequestSchema, IdempotencyKeySchema } from '#server/domain/generations/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

/** The largest first frame the form takes as an upload. */
const SOURCE_FILE_MAX_BYTES = 20 * 1024 * 1024

// A plain write here: starting the generation counts against `generation` in the domain (as a retry does).
export const handle: RouteHandle = {
	rateLimit: { action: 'write' },
	bodyLimit: uploadBodyLimit(1, SOURCE_FILE_MAX_BYTES),
}

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return videoStudioData(request, context.services, user)
}

/**
 * A form with a first frame uploaded (multipart, `sourceFile`) stores the picture in the library and makes the clip
 * from it; any other form is the studio's ordinary start.
 */
export async function action({ request, context }: ActionFunctionArgs) {
	if (!(request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
		return studioAction('video', request, context, nonBlank)
	}
	const user = await requireUser(request, context)
	const form = await readChatForm(request, {
		fileFields: ['sourceFile'],
		maxFiles: 1,
		maxFileBytes: SOURCE_FILE_MAX_BYTES,
	})
	if (!form.ok) {
		return data(
			{ fields: { [form.field]: [form.message] }, message: form.message, values: {} },
			{ status: form.status },
		)
	}
	const file = form.files[0]?.data
	// An uploaded picture is the first frame, whatever was picked from the library.
	const given = file ? { ...nonBlank(form.fields), sourceId: undefined, sourceIndex: undefined } : nonBlank(form.fields)
	const parsed = parseWith(GenerationRequestSchema, { ...given, kind: 'video' })
	if (!parsed.ok || parsed.value.kind !== 'video') {
		return data({ fields: parsed.ok ? {} : parsed.fields, message: '', values: form.fields }, { status: 400 })
	}
	const key = parseWith(IdempotencyKeySchema, form.fields.idempotencyKey ?? '')
	const options = { idempotencyKey: key.ok ? key.value : null }
	const { generations } = context.services
	const result = file
		? await generations.videoFromUpload(user, parsed.value, file, options)
		: await generations.create(user, parsed.value, options)
	if ('refused' in result) return formRefusal(result, form.fields)
	return redirect(`/generations/${result.generation.id}`, 303)
}

export default function Video() {
	const studio = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const form = studioFormState(studio, refused)
	return (
		<StudioPage
			title="Video"
			intro="Clips from a description or from one of your images. Providers take a while; each job shows how long so far."
			form={
				<VideoForm
					key={form.key}
					{...form.props}
					models={studio.models}
					defaultModel={studio.defaultModel}
					source={studio.source}
					library={studio.library}
				/>
			}
		>
			<StudioResults
				id="jobs-title"
				title="Your videos"
				pending={studio.pending}
				count={studio.jobs.length}
				empty={{
					icon: <Clapperboard aria-hidden="true" size={28} className="text-fg-muted" />,
					hint: 'Nothing yet. Describe a scene — “slow waves on a pebble beach at golden hour” — or open one of your images and choose Make a video.',
				}}
			>
				<ul className="mt-4 grid grid-cols-[repeat(auto-fill,minmax(15rem,1fr))] gap-4">
					{studio.jobs.map(g => (
						<GenerationCard key={g.id} generation={g} />
					))}
				</ul>
			</StudioResults>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Video · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
