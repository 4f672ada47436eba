import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Await, Form, Link, useActionData, useLoaderData, useRevalidator } from '@remix-run/react'
import { Suspense, useEffect } from 'react'
import { GenerationOutputView, PendingState } from '#app/components/generation-output.tsx'
import { ImageDetail } from '#app/components/images/image-detail.tsx'
import { ShareForm } from '#app/components/share/share-form.tsx'
import { imageDetailData } from '#app/utils/image-studio.server.ts'
import { GenerationActionSchema, IdempotencyKeySchema, PENDING_STATUSES } from '#server/domain/generations/schema.ts'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash, undoWith } from '#app/utils/flash.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { readForm, readQuery } from '#app/utils/input.server.ts'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { creditOf } from '#server/domain/sounds/schema.ts'

// Cancel and delete are writes; a retry starts provider work and counts against `generation` in the domain.
export const handle = { rateLimit: { action: 'write' } }

/** How long the page waits, streaming, for a pending generation to move on before it renders as is. */
const WAIT_MS = 2500

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const { generations } = context.services
	const found = await generations.get(user, params.id ?? '')
	if ('refused' in found) throw notFound('That generation does not exist, or it is not yours.')
	const image = found.kind === 'image'
	const download = image || found.kind === 'video'
	const view = async (g: typeof found) => ({ ...g, outputs: await generations.withUrls(g, { download }) })
	const pending = PENDING_STATUSES.includes(found.status)
	// What is known now renders at once; with JavaScript the next state streams into the same page (a promise in
	// the loader's data is streamed by single fetch, as `defer` did).
	const next = pending
		? generations.waitForChange(found.id, WAIT_MS, request.signal).then(async () => {
				const latest = await generations.get(user, found.id)
				return 'refused' in latest ? null : view(latest)
			})
		: null
	// Images also show their lineage, neighbours and actions (the image studio's detail page).
	const selected = Math.max(0, Math.min(3, Number(readQuery(request).image ?? 0) || 0))
	const studio = image ? { ...(await imageDetailData(context.services, user, found)), selected } : null
	return { generation: await view(found), next, studio }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const parsed = parseWith(GenerationActionSchema, await readForm(request))
	if (!parsed.ok) return data({ message: 'Unknown action.' }, { status: 400 })
	const { generations } = context.services
	const id = params.id ?? ''
	if (parsed.value.intent === 'delete') {
		const result = await generations.remove(user, id)
		if (result !== true) return data({ message: result.message }, { status: result.status })
		return redirectWithFlash(context, '/library', {
			kind: 'success',
			message: 'Generation deleted.',
			undo: undoWith(`/generations/${id}`, { intent: 'restore' }),
		})
	}
	if (parsed.value.intent === 'restore') {
		const result = await generations.restore(user, id)
		if (result !== true) return redirectWithFlash(context, '/library', { kind: 'error', message: result.message })
		return redirectWithFlash(context, `/generations/${id}`, { kind: 'success', message: 'Generation restored.' })
	}
	if (parsed.value.intent === 'vary' || parsed.value.intent === 'upscale') {
		const form = await readForm(request)
		const key = parseWith(IdempotencyKeySchema, form.idempotencyKey ?? '')
		const idempotencyKey = key.ok ? key.value : null
		const { output, model, scale } = parsed.value
		const made =
			parsed.value.intent === 'vary'
				? await generations.vary(user, id, { idempotencyKey })
				: await generations.upscale(user, id, { output, model, scale, idempotencyKey })
		if ('refused' in made) return data({ message: made.message }, { status: made.status, headers: made.headers ?? {} })
		return redirect(`/generations/${made.generation.id}`, 303)
	}
	const result =
		parsed.value.intent === 'cancel' ? await generations.cancel(user, id) : await generations.retry(user, id)
	if ('refused' in result)
		return data({ message: result.message }, { status: result.status, headers: result.headers ?? {} })
	return redirect(`/generations/${'generation' in result ? result.generation.id : id}`, 303)
}

type View = Awaited<ReturnType<typeof useLoaderData<typeof loader>>>['generation']

const STUDIOS: Record<View['kind'], { to: string; label: string }> = {
	image: { to: '/images', label: 'Images' },
	video: { to: '/video', label: 'Video' },
	audio: { to: '/audio', label: 'Audio' },
	text: { to: '/library', label: 'Library' },
}

const STATUS_TEXT: Record<GenerationStatus, string> = {
	queued: 'Waiting for a worker…',
	running: 'Generating…',
	processing: 'The provider is working on it…',
	succeeded: 'Done',
	failed: 'Failed',
	canceled: 'Canceled',
}

export default function GenerationPage() {
	const { generation, next } = useLoaderData<typeof loader>()
	return (
		<Suspense fallback={<GenerationView generation={generation} />}>
			<Await resolve={next} errorElement={<GenerationView generation={generation} />}>
				{latest => <GenerationView generation={latest ?? generation} />}
			</Await>
		</Suspense>
	)
}

function GenerationView({ generation }: { generation: View }) {
	const { studio } = useLoaderData<typeof loader>()
	const refused = useActionData<typeof action>()
	if (studio) {
		return (
			<>
				{PENDING_STATUSES.includes(generation.status) ? (
					<RefreshWhilePending>
						<LiveUpdates id={generation.id} status={generation.status} />
					</RefreshWhilePending>
				) : null}
				<ImageDetail {...studio} generation={generation} refusal={refused?.message ?? null} />
			</>
		)
	}
	return <OtherGenerationView generation={generation} />
}

function OtherGenerationView({ generation }: { generation: View }) {
	const credit = creditOf(generation.params)
	const pending = PENDING_STATUSES.includes(generation.status)
	// Cancel, run again or delete that was refused (already finished, over the limit…) says why.
	const refused = useActionData<typeof action>()
	return (
		<article className="mx-auto max-w-3xl space-y-6" data-generation-status={generation.status}>
			{pending ? (
				<RefreshWhilePending>
					<LiveUpdates id={generation.id} status={generation.status} />
				</RefreshWhilePending>
			) : null}
			<header>
				<p className="text-sm text-fg-muted">
					<Link to={STUDIOS[generation.kind].to}>← {STUDIOS[generation.kind].label}</Link>
				</p>
				<h1 className="mt-1 text-xl font-semibold">{generation.prompt}</h1>
				<p className="mt-2 text-sm text-fg-muted">
					{generation.model} · <span role="status">{STATUS_TEXT[generation.status]}</span>
				</p>
				{generation.parentId ? (
					<p className="mt-1 text-sm text-fg-muted" data-parent={generation.parentId}>
						Made from <Link to={`/generations/${generation.parentId}`}>an image</Link>
					</p>
				) : null}
				{credit ? <SoundCreditLine credit={credit} className="mt-1 text-sm" /> : null}
				{typeof generation.params.projectId === 'string' ? (
					<p className="mt-1 text-sm text-fg-muted" data-source-project={generation.params.projectId}>
						Mixed down from the project{' '}
						<Link to={`/audio/projects/${generation.params.projectId}`}>
							{typeof generation.params.projectName === 'string' ? generation.params.projectName : 'this came from'}
						</Link>
					</p>
				) : null}
			</header>
			{generation.status === 'failed' && generation.error ? (
				<p role="alert" className="rounded-md border border-danger-line bg-danger-soft p-3 text-danger">
					{generation.error}
				</p>
			) : null}
			{pending ? (
				// Progress and the time so far, on the page itself: it ticks with JavaScript, and moves on with each
				// refresh without it.
				<PendingState
					status={generation.status}
					since={generation.startedAt ?? generation.createdAt}
					className="aspect-video rounded-xl border border-dashed border-line-strong"
				/>
			) : null}
			{generation.outputs.length > 0 ? (
				<ul className="grid gap-4 sm:grid-cols-2">
					{generation.outputs.map(output => (
						<li key={output.key}>
							<GenerationOutputView output={output} label={generation.prompt} />
							<a href={output.downloadUrl ?? output.url} download className="mt-1 inline-block text-sm">
								Download
							</a>
						</li>
					))}
				</ul>
			) : null}
			{typeof generation.params.text === 'string' ? (
				// A text result (a chat or workflow node's answer) is kept in the row itself; React escapes it.
				<div
					className="whitespace-pre-wrap rounded-xl border border-line bg-surface p-4 text-sm leading-relaxed"
					data-text-output
				>
					{generation.params.text}
				</div>
			) : null}
			{refused?.message ? (
				<p role="alert" className="callout-danger">
					{refused.message}
				</p>
			) : null}
			<Form method="post" className="flex flex-wrap gap-2">
				{pending ? (
					<button type="submit" name="intent" value="cancel" className="btn-secondary">
						Cancel
					</button>
				) : (
					<button type="submit" name="intent" value="retry" className="btn-secondary">
						Run again
					</button>
				)}
				<button type="submit" name="intent" value="delete" className="btn-secondary">
					Delete
				</button>
			</Form>
			{generation.status === 'succeeded' ? (
				<ShareForm kind="generation" targetId={generation.id} returnTo={`/generations/${generation.id}`} />
			) : null}
		</article>
	)
}

/** With JavaScript: follow the generation's status over an EventSource and refresh the data on each change. */
function LiveUpdates({ id, status }: { id: string; status: GenerationStatus }) {
	const { revalidate } = useRevalidator()
	useEffect(() => {
		const source = new EventSource(`/api/generations/${id}/events`)
		source.addEventListener('status', event => {
			if ((event as MessageEvent<string>).data !== status) revalidate()
		})
		return () => source.close()
	}, [id, status, revalidate])
	return null
}

export const meta: MetaFunction = () => [{ title: 'Generation · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
