/** The Lineage panel of an image's page: what it was made from, and what was made from it. */
import { Link } from '@remix-run/react'
import { TitledSection } from '#app/components/titled-section.tsx'
import { RELATION_WORDS } from '#server/domain/generations/schema.ts'
import { PENDING } from '../generation-output.tsx'
import { Thumb } from './thumb.tsx'
import type { GalleryItem } from './types.ts'

export function Lineage({ parent, items }: { parent: GalleryItem | null; items: GalleryItem[] }) {
	if (!parent && items.length === 0) return null
	return (
		<TitledSection id="lineage-title" title="Lineage" className="space-y-3" headingClassName="text-sm font-semibold">
			{parent ? (
				<div>
					<p className="mb-1.5 text-xs text-fg-muted">Made from</p>
					<LineageCard item={parent} />
				</div>
			) : null}
			{items.length > 0 ? (
				<div>
					<p className="mb-1.5 text-xs text-fg-muted">Made from this ({items.length})</p>
					<ul className="grid grid-cols-3 gap-2" aria-label="Made from this">
						{items.map(item => (
							<li key={item.id}>
								<LineageCard item={item} compact />
							</li>
						))}
					</ul>
				</div>
			) : null}
		</TitledSection>
	)
}

function LineageCard({ item, compact = false }: { item: GalleryItem; compact?: boolean }) {
	const output = item.outputs[0]
	return (
		<Link
			to={`/generations/${item.id}`}
			className={`group flex gap-2 rounded-lg border border-line bg-surface p-1.5 text-xs text-fg no-underline hover:border-line-strong hover:no-underline ${compact ? 'flex-col' : 'items-center'}`}
			data-lineage={item.id}
			data-generation-status={item.status}
		>
			<span
				className={`block shrink-0 overflow-hidden rounded-md bg-raised ${compact ? 'aspect-square w-full' : 'h-14 w-14'}`}
			>
				{output ? (
					<Thumb output={output} alt="" sizes="120px" className="h-full w-full object-cover" />
				) : (
					<span className="flex h-full items-center justify-center text-fg-muted">
						{PENDING.includes(item.status) ? '…' : '—'}
					</span>
				)}
			</span>
			<span className="min-w-0">
				<span className="block font-medium">{item.relation ? RELATION_WORDS[item.relation] : 'Original'}</span>
				{!compact ? <span className="line-clamp-2 text-fg-muted">{item.prompt}</span> : null}
			</span>
		</Link>
	)
}
