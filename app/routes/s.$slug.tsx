import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { CopyPlus, Eye, Clock, Sparkles } from '#app/components/icons/index.tsx'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { SharedBody } from '#app/components/share/shared-view.tsx'
import { getUser, requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { absoluteUrl, appOrigin } from '#app/utils/origin.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Public: every view is counted per address (`share_view`); "Make a copy" is a signed-in write.
export const handle: RouteHandle = { rateLimit: { loader: 'share_view', action: 'write' } }

const GONE = 'This link does not exist, or its owner has revoked it, or it has expired.'

/** `GET /s/:slug`: the shared item, read as `anon`; 404 for an unknown, revoked or expired link alike. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const { sharing } = context.services
	const content = await sharing.view(params.slug ?? '', {
		ip: context.clientIp,
		userAgent: request.headers.get('user-agent') ?? '',
	})
	if (!content) throw notFound(GONE)
	const user = await getUser(request, context)
	const origin = appOrigin(request, context)
	const preview = content.preview ? absoluteUrl(origin, content.preview.previewUrl ?? content.preview.url) : null
	return {
		content,
		url: `${origin}/s/${content.slug}`,
		preview,
		signedIn: user !== null,
	}
}

/** "Make a copy": a shared conversation or workflow into the visitor's own account. */
export async function action({ request, params, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const copied = await context.services.sharing.copy(user, params.slug ?? '')
	if ('refused' in copied) {
		if (copied.status === 404) throw notFound(GONE)
		return redirectWithFlash(context, `/s/${params.slug ?? ''}`, { kind: 'error', message: copied.message })
	}
	if (copied.kind === 'conversation') {
		return redirectWithFlash(context, `/chat/${copied.id}`, {
			kind: 'success',
			message: 'A copy of this conversation is now yours: carry on from here.',
		})
	}
	return redirectWithFlash(context, `/workflows/${copied.id}`, {
		kind: 'success',
		message: 'A copy of this workflow is now in your workflows.',
	})
}

export const headers: HeadersFunction = ({ loaderHeaders }) => {
	const out = new Headers(loaderHeaders)
	// Always asked again: a revoked link must stop at once, in every browser and proxy. The content behind a live
	// link is kept briefly on the server instead (server/domain/sharing/public.ts).
	out.set('Cache-Control', 'no-cache')
	out.set('X-Robots-Tag', 'noindex, nofollow')
	// The slug is the capability: it must not leak to the sites a shared message links to. (`same-origin`, not
	// `no-referrer`: with that, a form's POST carries `Origin: null` and the same-origin check refuses "Make a copy".)
	out.set('Referrer-Policy', 'same-origin')
	return out
}

const KIND_LABEL = {
	conversation: 'Shared conversation',
	generation: 'Shared generation',
	workflow: 'Shared workflow',
	audio_project: 'Shared audio project',
} as const

function dateText(iso: string | Date): string {
	return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
}

export default function SharePage() {
	const { content, signedIn } = useLoaderData<typeof loader>()
	const copyable = content.kind === 'conversation' || content.kind === 'workflow'
	return (
		<article className="mx-auto w-full max-w-3xl space-y-8 pb-16" data-share-kind={content.kind}>
			<header className="space-y-4 border-b border-line pb-6">
				<p className="inline-flex items-center gap-1.5 rounded-full bg-accent-soft px-3 py-1 text-xs font-semibold text-accent">
					<Sparkles aria-hidden="true" size={14} />
					{KIND_LABEL[content.kind]}
				</p>
				<h1 className="text-balance text-2xl font-bold leading-tight sm:text-3xl">{content.title}</h1>
				<p className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-fg-muted">
					<span>Shared {dateText(content.createdAt)}</span>
					<span className="inline-flex items-center gap-1" data-share-views={content.views}>
						<Eye aria-hidden="true" size={14} />
						{content.views} {content.views === 1 ? 'view' : 'views'}
					</span>
					{content.expiresAt ? (
						<span className="inline-flex items-center gap-1">
							<Clock aria-hidden="true" size={14} />
							Until {dateText(content.expiresAt)}
						</span>
					) : null}
				</p>
				{copyable ? (
					signedIn ? (
						<Form method="post">
							<button type="submit" name="intent" value="copy" className="btn">
								<CopyPlus aria-hidden="true" size={16} />
								Make a copy
							</button>
						</Form>
					) : (
						<p className="text-sm text-fg-muted">
							<Link to="/login">Sign in</Link> or <Link to="/signup">create an account</Link> to make your own copy.
						</p>
					)
				) : null}
			</header>
			<SharedBody content={content} />
			<footer className="rounded-2xl border border-line bg-surface p-6 text-center">
				<p className="font-semibold">Made with Generation Studio</p>
				<p className="mt-1 text-sm text-fg-muted">
					Chat, images, video, audio and workflows in one studio you can host yourself.
				</p>
				{signedIn ? null : (
					<Link to="/signup" className="btn mt-4">
						Try it yourself
					</Link>
				)}
			</footer>
		</article>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
	if (!data) return [{ title: 'Not found · Generation Studio' }, { name: 'robots', content: 'noindex' }]
	const { content, url, preview } = data
	const tags = [
		{ title: `${content.title} · Generation Studio` },
		{ name: 'description', content: content.description },
		{ name: 'robots', content: 'noindex, nofollow' },
		{ property: 'og:type', content: 'article' },
		{ property: 'og:site_name', content: 'Generation Studio' },
		{ property: 'og:title', content: content.title },
		{ property: 'og:description', content: content.description },
		{ property: 'og:url', content: url },
		{ name: 'twitter:card', content: preview ? 'summary_large_image' : 'summary' },
		{ name: 'twitter:title', content: content.title },
		{ name: 'twitter:description', content: content.description },
	]
	if (preview) {
		tags.push({ property: 'og:image', content: preview }, { name: 'twitter:image', content: preview })
		tags.push({ property: 'og:image:alt', content: content.title })
	}
	return tags
}

export const ErrorBoundary = RouteErrorBoundary
