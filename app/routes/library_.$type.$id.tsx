import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ArrowLeft, Download } from '#app/components/icons/index.tsx'
import { SoundCreditLine } from '#app/components/audio/sound-credit.tsx'
import { shortTime } from '#app/components/generation-output.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import { parseRef } from '#server/domain/library/schema.ts'

export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const ref = parseRef(`${params.type ?? ''}:${params.id ?? ''}`)
	if (!ref) throw notFound('That item does not exist, or it is not yours.')
	const found = await context.services.library.detail(user, ref)
	if ('refused' in found) throw notFound('That item does not exist, or it is not yours.')
	return found
}

const OPEN_HREF = { generation: '/generations/', transcript: '/audio/transcripts/' } as const

export default function LibraryItemPage() {
	const { item, lineage, files } = useLoaderData<typeof loader>()
	const own = item.type === 'attachment' ? null : `${OPEN_HREF[item.type]}${item.id}`
	const made = lineage.parent || lineage.workflowRun || lineage.project || lineage.message
	return (
		<section className="mx-auto max-w-3xl space-y-6" data-library-detail={`${item.type}:${item.id}`}>
			<Link to="/library" className="inline-flex items-center gap-1 text-sm">
				<ArrowLeft aria-hidden="true" size={16} />
				Library
			</Link>
			<header className="space-y-1">
				<h1 className="text-2xl font-semibold tracking-tight">{item.title || 'Untitled'}</h1>
				<p className="text-sm text-fg-muted">
					{item.kind} · {item.source} ·{' '}
					<time dateTime={new Date(item.createdAt).toISOString()}>{shortTime(item.createdAt)}</time>
					{item.model ? ` · ${item.model}` : ''}
				</p>
			</header>
			{item.thumbnailUrl ? (
				<img src={item.thumbnailUrl} alt={item.title} className="max-h-[60vh] rounded-xl border border-line" />
			) : null}
			{item.credit ? <SoundCreditLine credit={item.credit} className="text-sm" /> : null}
			{item.excerpt ? (
				<p className="whitespace-pre-wrap rounded-xl border border-line bg-surface p-4 text-sm leading-relaxed">
					{item.excerpt}
					{item.excerpt.length >= 280 ? '…' : ''}
				</p>
			) : null}
			<div className="flex flex-wrap gap-2">
				{own ? (
					<Link to={own} className="btn">
						Open
					</Link>
				) : null}
				{files.map((url, i) => (
					<a key={url} href={url} className="btn-secondary" download>
						<Download aria-hidden="true" size={16} />
						{files.length > 1 ? `File ${i + 1}` : 'Download'}
					</a>
				))}
			</div>
			<section aria-labelledby="made-from" className="space-y-2 rounded-xl border border-line bg-surface p-4">
				<h2 id="made-from" className="font-semibold">
					Made from
				</h2>
				{made ? (
					<ul className="space-y-1 text-sm" data-lineage="parents">
						{lineage.parent ? (
							<li>
								{lineage.parent.kind}:{' '}
								<Link to={`/library/${lineage.parent.type}/${lineage.parent.id}`}>
									{lineage.parent.title || 'Untitled'}
								</Link>
							</li>
						) : null}
						{lineage.workflowRun ? (
							<li>
								Workflow{' '}
								<Link to={`/workflows/${lineage.workflowRun.workflowId}`}>{lineage.workflowRun.workflowName}</Link>,
								node <code>{lineage.workflowRun.nodeId}</code> of{' '}
								<Link to={`/workflows/${lineage.workflowRun.workflowId}/runs/${lineage.workflowRun.runId}`}>
									run {lineage.workflowRun.runId.slice(0, 8)}
								</Link>
							</li>
						) : null}
						{lineage.project ? (
							<li>
								Mixdown of the audio project{' '}
								<Link to={`/audio/projects/${lineage.project.id}`}>{lineage.project.name}</Link>
							</li>
						) : null}
						{lineage.message ? (
							<li>
								Attached in{' '}
								<Link to={`/chat/${lineage.message.conversationId}`}>{lineage.message.conversationTitle}</Link>
								{lineage.message.excerpt ? <q className="ml-1 text-fg-muted">{lineage.message.excerpt}</q> : null}
							</li>
						) : null}
					</ul>
				) : (
					<p className="text-sm text-fg-muted">Made from a prompt or an upload, not from another item.</p>
				)}
				<h2 className="pt-2 font-semibold">Made from it</h2>
				{lineage.children.length > 0 ? (
					<ul className="space-y-1 text-sm" data-lineage="children">
						{lineage.children.map(c => (
							<li key={c.id}>
								{c.kind}: <Link to={`/library/${c.type}/${c.id}`}>{c.title || 'Untitled'}</Link>
							</li>
						))}
					</ul>
				) : (
					<p className="text-sm text-fg-muted">Nothing yet.</p>
				)}
			</section>
		</section>
	)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
	{ title: `${data?.item.title || 'Item'} · Library · Generation Studio` },
]

export const ErrorBoundary = RouteErrorBoundary
