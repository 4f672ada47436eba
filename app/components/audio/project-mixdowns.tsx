/**
 * A project's mixdowns, newest first: status, a player and download per rendered file, and for one that failed
 * its reason and a "Try again" form (works without JavaScript: the page's action queues it and redirects back).
 */
import { Link } from '@remix-run/react'
import { IntentForm } from '#app/components/forms.tsx'
import { ItemList } from '#app/components/item-list.tsx'
import { WaveformPreview } from '#app/components/audio/waveform-preview.tsx'
import { StatusBadge } from '#app/components/generation-output.tsx'
import type { GenerationStatus } from '#server/domain/generations/schema.ts'
import { RefreshWhilePending } from '#app/components/refresh-while-pending.tsx'

type Mixdown = {
	id: string
	status: GenerationStatus
	error: string | null
	createdAt: string | Date
	outputs: Array<{
		key: string
		url: string
		downloadUrl?: string | null
		contentType: string
		duration?: number | null
		waveform?: { preview: number[] } | null
	}>
}

export function ProjectMixdowns({ mixdowns, pending }: { mixdowns: Mixdown[]; pending: boolean }) {
	return (
		<section id="mixdowns" aria-labelledby="mixdowns-title" className="space-y-3">
			<h2 id="mixdowns-title" className="text-lg font-medium text-fg">
				Mixdowns
			</h2>
			<ItemList
				items={mixdowns}
				empty="No mixdowns yet. “Mix down” renders the project to WAV and MP3."
				className="space-y-2"
			>
				{m => (
					<li
						key={m.id}
						data-generation-status={m.status}
						data-generation-id={m.id}
						className="space-y-2 rounded-xl border border-line bg-surface p-3"
					>
						<div className="flex flex-wrap items-center gap-2 text-sm">
							<StatusBadge status={m.status} />
							<Link to={`/generations/${m.id}`}>
								Mixdown of {new Date(m.createdAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
							</Link>
						</div>
						{m.status === 'failed' || m.status === 'canceled' ? (
							<div
								role="alert"
								className="flex flex-wrap items-center gap-3 rounded-lg border border-danger-line bg-danger-soft p-2 text-sm"
							>
								<p className="mr-auto text-danger">{m.error ?? 'This mixdown was canceled.'}</p>
								<IntentForm
									intent="retry-mixdown"
									fields={{ redirectTo: '1', generationId: m.id }}
									buttonClassName="btn-secondary px-3 py-1"
								>
									Try again
								</IntentForm>
							</div>
						) : null}
						{m.outputs.map(o => (
							<div key={o.key} className="flex flex-wrap items-center gap-2">
								{o.waveform ? (
									<WaveformPreview peaks={o.waveform.preview} duration={o.duration ?? undefined} className="w-40" />
								) : null}
								<audio src={o.url} controls preload="none" aria-label={`Mixdown (${o.contentType})`} />
								<a href={o.downloadUrl ?? o.url}>Download {o.contentType === 'audio/mpeg' ? 'MP3' : 'WAV'}</a>
							</div>
						))}
					</li>
				)}
			</ItemList>
			{pending ? <RefreshWhilePending /> : null}
		</section>
	)
}
