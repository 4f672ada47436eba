import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { json, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { GenerationOutputView } from '#app/components/generation-output.tsx'
import { IMAGE_SIZES, IdempotencyKeySchema, ImageGenerationSchema } from '#app/schemas/generation.ts'
import { requireUser } from '#app/utils/auth.ts'
import { formToObject, parseWith } from '#app/utils/validation.ts'

export const handle = { rateLimit: { action: 'generation' } }

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations, providers } = context.services
	const recent = await generations.list(user, { kind: 'image', limit: 12 })
	const items = await Promise.all(recent.map(async g => ({ ...g, outputs: await generations.withUrls(g) })))
	const models = providers
		.list()
		.filter(m => m.available && m.capabilities.includes('image'))
		.map(m => ({ id: m.id, name: m.displayName }))
	// A fresh key per rendered form: submitting the same form twice (a double click, a resent POST) creates one generation.
	return json({ recent: items, models, defaultModel: providers.defaultModel('image').id, idempotencyKey: crypto.randomUUID() })
}

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = formToObject(await request.formData())
	const parsed = parseWith(ImageGenerationSchema, { ...form, kind: 'image' })
	const key = parseWith(IdempotencyKeySchema, form.idempotencyKey ?? '')
	if (!parsed.ok) {
		return json({ fields: parsed.fields, message: 'Check the highlighted fields.', values: form }, { status: 400 })
	}
	const result = await context.services.generations.create(user, parsed.value, { idempotencyKey: key.ok ? key.value : null })
	if ('refused' in result) {
		return json(
			{ fields: result.fields ?? {}, message: result.message, values: form },
			{ status: result.status, headers: result.headers ?? {} },
		)
	}
	return redirect(`/generations/${result.generation.id}`, 303)
}

export default function Images() {
	const { recent, models, defaultModel, idempotencyKey } = useLoaderData<typeof loader>()
	const actionData = useActionData<typeof action>()
	const busy = useNavigation().state === 'submitting'
	const values: Record<string, string | undefined> = actionData?.values ?? {}
	const error = (name: string) => actionData?.fields[name]?.[0]
	return (
		<div className="grid gap-8 lg:grid-cols-[minmax(0,22rem)_1fr]">
			<section aria-labelledby="new-image">
				<h1 id="new-image" className="text-2xl font-bold">
					Images
				</h1>
				<Form method="post" className="mt-4 space-y-4" aria-describedby={actionData ? 'form-message' : undefined}>
					<input type="hidden" name="idempotencyKey" value={values.idempotencyKey ?? idempotencyKey} />
					{actionData?.message ? (
						<p id="form-message" role="alert" className="rounded-md border border-red-800 bg-red-950/50 p-3 text-sm text-red-200">
							{actionData.message}
						</p>
					) : null}
					<div>
						<label htmlFor="prompt" className="block text-sm font-medium">
							Prompt
						</label>
						<textarea
							id="prompt"
							name="prompt"
							rows={4}
							required
							maxLength={4000}
							defaultValue={values.prompt ?? ''}
							className="field mt-1"
							placeholder="A lighthouse on a cliff at dawn, watercolour"
							aria-invalid={error('prompt') ? true : undefined}
							aria-describedby={error('prompt') ? 'prompt-error' : undefined}
						/>
						{error('prompt') ? (
							<p id="prompt-error" className="mt-1 text-sm text-red-300">
								{error('prompt')}
							</p>
						) : null}
					</div>
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
						<div>
							<label htmlFor="n" className="block text-sm font-medium">
								Images
							</label>
							<input
								id="n"
								name="n"
								type="number"
								min={1}
								max={4}
								defaultValue={values.n ?? '1'}
								className="field mt-1"
								aria-invalid={error('n') ? true : undefined}
								aria-describedby={error('n') ? 'n-error' : undefined}
							/>
							{error('n') ? (
								<p id="n-error" className="mt-1 text-sm text-red-300">
									{error('n')}
								</p>
							) : null}
						</div>
					</div>
					<div>
						<label htmlFor="model" className="block text-sm font-medium">
							Model
						</label>
						<select
							id="model"
							name="model"
							defaultValue={values.model ?? defaultModel}
							className="field mt-1"
							aria-invalid={error('model') ? true : undefined}
						>
							{models.map(m => (
								<option key={m.id} value={m.id}>
									{m.name}
								</option>
							))}
						</select>
						{error('model') ? <p className="mt-1 text-sm text-red-300">{error('model')}</p> : null}
					</div>
					<button type="submit" className="btn w-full" disabled={busy}>
						{busy ? 'Starting…' : 'Generate'}
					</button>
				</Form>
			</section>
			<section aria-labelledby="recent-images">
				<h2 id="recent-images" className="text-lg font-semibold">
					Recent
				</h2>
				{recent.length === 0 ? (
					<p className="mt-2 text-sm text-zinc-400">Nothing yet. Your images will appear here.</p>
				) : (
					<ul className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3">
						{recent.map(g => (
							<li key={g.id} className="card p-2">
								<Link to={`/generations/${g.id}`} className="block text-zinc-200 no-underline hover:no-underline">
									{g.outputs[0] ? (
										<GenerationOutputView output={g.outputs[0]} label={g.prompt} />
									) : (
										<span className="flex aspect-square items-center justify-center rounded-md bg-zinc-900 text-sm text-zinc-400">
											{g.status}
										</span>
									)}
									<span className="mt-2 line-clamp-2 block text-xs text-zinc-400">{g.prompt}</span>
								</Link>
							</li>
						))}
					</ul>
				)}
			</section>
		</div>
	)
}

export const meta: MetaFunction = () => [{ title: 'Images · Generation Studio' }]
