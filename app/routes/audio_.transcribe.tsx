import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { FileText } from '#app/components/icons/index.tsx'
import { ErrorSummary, FieldScope, FileField, SelectField } from '#app/components/forms.tsx'
import { StudioPage } from '#app/components/studio-page.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { formRefusal } from '#app/utils/studio-action.server.ts'
import { TRANSCRIBE_BODY_MAX_BYTES, transcribeFromForm, transcribePageData } from '#app/utils/transcripts.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { LANGUAGES } from '#app/components/audio/languages.ts'
import { TranscriptStatusLine } from '#app/components/audio/transcript-status.tsx'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'

export const handle: RouteHandle = {
	rateLimit: { action: 'transcription' },
	bodyLimit: uploadBodyLimit(1, TRANSCRIBE_BODY_MAX_BYTES),
}

const LABELS = { file: 'Recording', generationId: 'Or one from your library', language: 'Language', model: 'Model' }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	return transcribePageData(context.services, user)
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const outcome = await transcribeFromForm(request, context.services, user)
	if (!outcome.ok) return formRefusal(outcome.refusal, outcome.values)
	return redirect(`/audio/transcripts/${outcome.transcript.id}`, 303)
}

export default function Transcribe() {
	const page = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const values = refused?.values ?? {}
	const pending = page.transcripts.some(t => t.status === 'queued' || t.status === 'running')
	return (
		<StudioPage
			title="Transcribe"
			titleId="transcribe-title"
			intro={
				<>
					Timed text from a recording, ready as subtitles. <Link to="/audio">Back to the audio studio</Link>
				</>
			}
			form={
				<Form method="post" encType="multipart/form-data" className="space-y-5" aria-labelledby="transcribe-title">
					<FieldScope errors={refused?.fields}>
						<ErrorSummary labels={LABELS} formErrors={refused?.message ? [refused.message] : undefined} />
						<FileField
							name="file"
							label={LABELS.file}
							accept="audio/*,video/*"
							description={`Audio or video, up to ${page.maxMb} MB. Long recordings are transcribed in parts.`}
						/>
						{page.library.length > 0 ? (
							<SelectField
								name="generationId"
								label={LABELS.generationId}
								defaultValue={values.generationId ?? ''}
								options={[
									{ value: '', label: 'None: use the upload' },
									...page.library.map(g => ({
										value: g.id,
										label: `${g.kind === 'video' ? 'Video' : 'Audio'}: ${g.prompt.slice(0, 60)}`,
									})),
								]}
							/>
						) : null}
						<SelectField
							name="language"
							label={LABELS.language}
							defaultValue={values.language ?? ''}
							options={[{ value: '', label: 'Detect it' }, ...LANGUAGES.map(l => ({ value: l.code, label: l.name }))]}
						/>
						{page.models.length > 1 ? (
							<SelectField
								name="model"
								label={LABELS.model}
								defaultValue={values.model ?? ''}
								options={[{ value: '', label: 'Default' }, ...page.models.map(m => ({ value: m.id, label: m.name }))]}
							/>
						) : null}
						<button type="submit" className="btn w-full" disabled={busy}>
							<FileText aria-hidden="true" size={16} />
							{busy ? 'Uploading…' : 'Transcribe'}
						</button>
					</FieldScope>
				</Form>
			}
		>
			<section aria-labelledby="transcripts-title" className="min-w-0">
				{pending ? <RefreshWhilePending seconds={3} /> : null}
				<h2 id="transcripts-title" className="text-lg font-semibold">
					Your transcripts
				</h2>
				{page.transcripts.length === 0 ? (
					<p className="mt-4 rounded-xl border border-dashed border-line-strong p-8 text-center text-sm text-fg-muted">
						Nothing yet. Upload an interview, a voice memo or a video, and get its text with timestamps.
					</p>
				) : (
					<ul className="mt-4 divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface">
						{page.transcripts.map(t => (
							<li
								key={t.id}
								className="grid gap-1 p-3 sm:p-4"
								data-transcript-status={t.status}
								data-transcript-id={t.id}
							>
								<Link to={`/audio/transcripts/${t.id}`} className="truncate text-sm font-medium">
									{t.name || 'Untitled recording'}
								</Link>
								<TranscriptStatusLine status={t.status} progress={t.progress} duration={t.duration} error={t.error} />
							</li>
						))}
					</ul>
				)}
			</section>
		</StudioPage>
	)
}

export const meta: MetaFunction = () => [{ title: 'Transcribe · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
