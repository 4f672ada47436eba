import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { lazy, Suspense, useEffect, useState } from 'react'
import { ArrowLeft, Crop, WandSparkles } from '#app/components/icons/index.tsx'
import { ErrorSummary, FieldScope, FileField, SelectField, TextField, TextareaField } from '#app/components/forms.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { readQuery } from '#app/utils/input.server.ts'
import { nonBlank } from '#app/utils/studio-action.server.ts'
import { readChatForm } from '#app/utils/uploads.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { uploadBodyLimit } from '#server/body-limit.ts'
import { CROP_ASPECTS, EditFormSchema } from '#server/domain/generations/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

/** The largest mask or flattened picture the editor takes. */
const EDIT_FILE_MAX_BYTES = 20 * 1024 * 1024

// Crop and "save as new" are writes of the user's own images; an inpaint also counts against `generation` in the
// domain, as every start of provider work does.
export const handle: RouteHandle = {
	rateLimit: { action: 'write' },
	bodyLimit: uploadBodyLimit(1, EDIT_FILE_MAX_BYTES),
}

// The konva editor is its own chunk, fetched only here and only once the page runs JavaScript.
const CanvasEditor = lazy(() => import('#app/components/canvas/editor/index.tsx'))

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations, providers } = context.services
	const found = await generations.finishedImage(user, params.id ?? '')
	if ('refused' in found) throw notFound('That image does not exist, is not finished, or is not yours.')
	const outputs = await generations.withUrls(found)
	const selected = Math.max(0, Math.min(outputs.length - 1, Number(readQuery(request).image ?? 0) || 0))
	const output = outputs[selected]
	if (!output) throw notFound('That image does not exist.')
	const models = providers
		.list()
		.filter(m => m.available && m.capabilities.includes('imageEdit'))
		.sort((a, b) => Number(a.provider === 'offline') - Number(b.provider === 'offline'))
		.map(m => ({ id: m.id, name: m.displayName }))
	return {
		id: found.id,
		prompt: found.prompt,
		selected,
		image: { url: output.url, width: output.width ?? null, height: output.height ?? null },
		models,
	}
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readChatForm(request, {
		fileFields: ['mask', 'image'],
		maxFiles: 1,
		maxFileBytes: EDIT_FILE_MAX_BYTES,
	})
	if (!form.ok) {
		const intent = form.field === 'image' ? 'save' : 'inpaint'
		return data(
			{ form: intent, fields: { [form.field]: [form.message] }, message: form.message },
			{ status: form.status },
		)
	}
	const parsed = parseWith(EditFormSchema, nonBlank(form.fields))
	const intent = form.fields.intent ?? ''
	if (!parsed.ok) return data({ form: intent, fields: parsed.fields, message: '' }, { status: 400 })
	const { generations } = context.services
	const id = params.id ?? ''
	const file = form.files[0]?.data
	const input = parsed.value
	const made =
		input.intent === 'inpaint'
			? await generations.inpaint(user, id, { ...input, ...(file ? { mask: file } : {}) })
			: input.intent === 'crop'
				? await generations.crop(user, id, input)
				: await generations.saveAsNew(user, id, { output: input.output, ...(file ? { image: file } : {}) })
	if ('refused' in made) {
		return data(
			{ form: input.intent, fields: made.fields ?? {}, message: made.message },
			{ status: made.status, headers: made.headers ?? {} },
		)
	}
	return redirect(`/generations/${made.generation.id}`, 303)
}

const INPAINT_LABELS = { prompt: 'What to paint there', mask: 'Mask image', model: 'Model', sourceId: 'Image' }
const CROP_LABELS = { aspect: 'Shape', x: 'Left', y: 'Top', width: 'Width', height: 'Height' }

export default function EditImage() {
	const page = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST'
	// The editor needs the browser's canvas: it is fetched after hydration, and the forms below stay either way.
	const [scripted, setScripted] = useState(false)
	useEffect(() => setScripted(true), [])
	const { width, height } = page.image
	const refusedIn = (form: string) => (refused?.form === form ? refused : null)
	return (
		<div className="mx-auto max-w-7xl space-y-6" data-edit-source={page.id}>
			<header className="flex flex-wrap items-end justify-between gap-3">
				<div className="min-w-0">
					<p className="text-sm text-fg-muted">
						<Link
							to={`/generations/${page.id}?image=${page.selected}`}
							className="inline-flex min-h-10 items-center gap-1"
						>
							<ArrowLeft size={14} aria-hidden /> Back to the image
						</Link>
					</p>
					<h1 className="mt-1 text-2xl font-semibold tracking-tight">Edit image</h1>
					<p className="mt-1 line-clamp-1 text-sm text-fg-muted">{page.prompt}</p>
				</div>
				<p className="text-xs text-fg-muted">
					{width && height ? `${width} × ${height} px · ` : ''}Every edit is saved as a new image; the original stays as
					it is.
				</p>
			</header>
			{refused?.message ? (
				<p role="alert" className="callout-danger" data-edit-refusal>
					{refused.message}
				</p>
			) : null}
			{scripted ? (
				<Suspense fallback={<EditorPlaceholder url={page.image.url} />}>
					<CanvasEditor
						image={page.image}
						output={page.selected}
						models={page.models}
						busy={busy}
						errors={refusedIn('inpaint')?.fields ?? null}
					/>
				</Suspense>
			) : (
				<EditorPlaceholder url={page.image.url} />
			)}
			<section aria-labelledby="forms-title" className="space-y-3">
				<h2 id="forms-title" className="text-lg font-semibold">
					{scripted ? 'Or use the forms' : 'Edit with forms'}
				</h2>
				<div className="grid gap-6 lg:grid-cols-2">
					<Form method="post" encType="multipart/form-data" className="card space-y-4" aria-labelledby="inpaint-title">
						<h3 id="inpaint-title" className="flex items-center gap-2 font-semibold">
							<WandSparkles size={16} aria-hidden /> Inpaint with a mask
						</h3>
						<p className="text-sm text-fg-muted">
							Upload a black-and-white mask: <strong>white is repainted</strong>, black is kept. A mask of another size
							is stretched to the image.
						</p>
						<FieldScope prefix="inpaint" errors={refusedIn('inpaint')?.fields}>
							<ErrorSummary labels={INPAINT_LABELS} />
							<input type="hidden" name="intent" value="inpaint" />
							<input type="hidden" name="output" value={page.selected} />
							<FileField name="mask" label="Mask image" accept="image/png,image/jpeg,image/webp" required />
							<TextareaField name="prompt" label="What to paint there" rows={2} required maxLength={4000} />
							{page.models.length > 0 ? (
								<SelectField
									name="model"
									label="Model"
									options={page.models.map(m => ({ value: m.id, label: m.name }))}
								/>
							) : (
								<p className="text-sm text-danger">No model that edits images is available on this server.</p>
							)}
							<button type="submit" className="btn min-h-10" disabled={busy}>
								Inpaint
							</button>
						</FieldScope>
					</Form>
					<Form method="post" className="card space-y-4" aria-labelledby="crop-title">
						<h3 id="crop-title" className="flex items-center gap-2 font-semibold">
							<Crop size={16} aria-hidden /> Crop
						</h3>
						<p className="text-sm text-fg-muted">
							Pick a shape (the largest centred part of the image is kept), or give a rectangle in pixels
							{width && height ? ` (the image is ${width} × ${height})` : ''}.
						</p>
						<FieldScope prefix="crop" errors={refusedIn('crop')?.fields}>
							<ErrorSummary labels={CROP_LABELS} />
							<input type="hidden" name="intent" value="crop" />
							<input type="hidden" name="output" value={page.selected} />
							<SelectField
								name="aspect"
								label="Shape"
								options={[
									{ value: '', label: 'A rectangle (below)' },
									...CROP_ASPECTS.map(a => ({ value: a, label: a })),
								]}
							/>
							<div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
								<TextField name="x" label="Left" inputMode="numeric" defaultValue="0" />
								<TextField name="y" label="Top" inputMode="numeric" defaultValue="0" />
								<TextField name="width" label="Width" inputMode="numeric" />
								<TextField name="height" label="Height" inputMode="numeric" />
							</div>
							<button type="submit" className="btn-secondary min-h-10" disabled={busy}>
								Crop as a new image
							</button>
						</FieldScope>
					</Form>
				</div>
			</section>
		</div>
	)
}

function EditorPlaceholder({ url }: { url: string }) {
	return (
		<div className="flex min-h-[24rem] items-center justify-center rounded-xl border border-line bg-raised/40 p-4">
			<img src={url} alt="Being edited" className="max-h-[70vh] w-auto rounded-md object-contain" />
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Edit image · Generation Studio' }]

export const ErrorBoundary = RouteErrorBoundary
