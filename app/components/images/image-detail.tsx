/**
 * An image generation's page: the picture as large as the window allows (the others of the same run as a strip
 * under it, arrows to the next newer and older image), and beside it the prompt, every parameter, the cost and
 * time, the lineage both ways, and the actions: Vary, Upscale, Use these settings, Use as source, Edit (the canvas editor), Make a video, Download,
 * Delete. Every action is a link or a form; nothing needs JavaScript.
 *
 * Its panels are their own files: `image-actions.tsx`, `image-parameters.tsx`, `image-lineage.tsx`.
 */
import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { ArrowLeft, ChevronLeft, ChevronRight } from '#app/components/icons/index.tsx'
import { RELATION_WORDS } from '#server/domain/generations/schema.ts'
import type { Relation } from '#server/domain/generations/schema.ts'
import { PENDING, PendingState, StatusBadge } from '../generation-output.tsx'
import { Actions, Housekeeping } from './image-actions.tsx'
import { Lineage } from './image-lineage.tsx'
import { Parameters, param } from './image-parameters.tsx'
import { Thumb, aspectOf } from './thumb.tsx'
import type { ImageDetailProps } from './types.ts'

export type { ImageDetailProps }

export function ImageDetail(props: ImageDetailProps) {
	const { generation: g, selected, neighbours } = props
	const pending = PENDING.includes(g.status)
	const output = g.outputs[selected] ?? g.outputs[0]
	const size = param(g.params, 'size')
	const aspect = output ? aspectOf(output) : size ? Number(size.split('x')[0]) / Number(size.split('x')[1]) : 1
	return (
		<article className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]" data-generation-status={g.status}>
			<div className="min-w-0 space-y-3">
				<nav aria-label="Browse images" className="flex items-center justify-between gap-2 text-sm">
					<Link to="/images" className="inline-flex min-h-10 items-center gap-1">
						<ArrowLeft aria-hidden="true" size={16} />
						Images
					</Link>
					<span className="flex gap-1">
						<NeighbourLink
							id={neighbours.newer}
							label="Newer image"
							icon={<ChevronLeft size={18} aria-hidden="true" />}
						/>
						<NeighbourLink
							id={neighbours.older}
							label="Older image"
							icon={<ChevronRight size={18} aria-hidden="true" />}
						/>
					</span>
				</nav>
				<figure className="flex min-h-64 items-center justify-center overflow-hidden rounded-xl border border-line bg-[repeating-conic-gradient(rgb(var(--raised))_0%_25%,rgb(var(--surface))_0%_50%)] bg-[length:24px_24px]">
					{output ? (
						<a href={output.url} className="block" title="Open the original">
							<img
								src={output.url}
								alt={g.prompt}
								width={output.width}
								height={output.height}
								className="max-h-[calc(100vh-10rem)] w-auto max-w-full object-contain"
								data-original=""
							/>
						</a>
					) : pending ? (
						<div className="w-full max-w-xl" style={{ aspectRatio: aspect }}>
							<PendingState status={g.status} since={g.startedAt ?? g.createdAt} className="h-full" />
						</div>
					) : (
						<div className="max-w-md p-8 text-center">
							<p role="alert" className="callout-danger">
								{g.status === 'failed' ? (g.error ?? 'This generation failed.') : 'This generation was canceled.'}
							</p>
						</div>
					)}
				</figure>
				{g.outputs.length > 1 ? (
					<ul aria-label="Images of this run" className="flex flex-wrap gap-2">
						{g.outputs.map((o, i) => (
							<li key={o.url}>
								<Link
									to={i === 0 ? '?' : `?image=${i}`}
									aria-current={i === selected ? 'true' : undefined}
									aria-label={`Image ${i + 1}`}
									className={`block overflow-hidden rounded-md border-2 ${i === selected ? 'border-accent' : 'border-transparent hover:border-line-strong'}`}
								>
									<Thumb output={o} alt="" sizes="80px" eager className="h-16 w-16 object-cover" />
								</Link>
							</li>
						))}
					</ul>
				) : null}
			</div>
			<aside
				className="space-y-5 [&_.btn-danger]:min-h-10 [&_.btn-secondary]:min-h-10 [&_.btn]:min-h-10"
				aria-label="Details and actions"
			>
				<header className="space-y-2">
					<div className="flex flex-wrap items-center gap-2">
						<span role="status">
							<StatusBadge status={g.status} />
						</span>
						{typeof g.params.relation === 'string' && g.params.relation in RELATION_WORDS ? (
							<span className="rounded-full border border-line px-2 py-0.5 text-xs text-fg-muted">
								{RELATION_WORDS[g.params.relation as Relation]}
							</span>
						) : null}
					</div>
					<h1 className="text-lg font-semibold leading-snug">{g.prompt}</h1>
					{param(g.params, 'negativePrompt') ? (
						<p className="text-sm text-fg-muted">
							<span className="font-medium text-fg-soft">Not:</span> {param(g.params, 'negativePrompt')}
						</p>
					) : null}
				</header>
				{props.refusal ? (
					<p role="alert" className="callout-danger">
						{props.refusal}
					</p>
				) : null}
				<Actions {...props} output={output} />
				{/* While it runs, Cancel is the one thing to do: it comes first; afterwards, last. */}
				{pending ? <Housekeeping status={g.status} /> : null}
				<Parameters {...props} />
				<Lineage parent={props.parent} items={props.children} />
				{pending ? null : <Housekeeping status={g.status} />}
			</aside>
		</article>
	)
}

function NeighbourLink({ id, label, icon }: { id: string | null; label: string; icon: ReactNode }) {
	return id ? (
		<Link to={`/generations/${id}`} className="icon-btn h-10 w-10" aria-label={label} title={label}>
			{icon}
		</Link>
	) : (
		<span className="icon-btn h-10 w-10 opacity-40" aria-hidden="true">
			{icon}
		</span>
	)
}
