/**
 * What a stranger sees behind a share link: the shared thing itself, large and calm, with nothing private (no
 * e-mail, no costs, no other branches). Server-rendered; media use URLs signed for no longer than the link lives.
 */
import { MessageBody } from '#app/components/chat/message-body.tsx'
import type { SharedContent, SharedGeneration, SharedMedia } from '#server/domain/sharing/index.ts'

export function SharedMediaView({ media, label }: { media: SharedMedia; label: string }) {
	if (media.kind === 'image') {
		return (
			<a href={media.url} className="block overflow-hidden rounded-xl border border-line bg-raised no-underline">
				<img
					src={media.previewUrl ?? media.url}
					alt={label}
					width={media.width ?? undefined}
					height={media.height ?? undefined}
					className="h-auto w-full object-contain"
					loading="lazy"
				/>
			</a>
		)
	}
	if (media.kind === 'video') {
		return (
			<video controls preload="metadata" className="w-full rounded-xl border border-line bg-black" src={media.url}>
				<a href={media.url}>Download the video</a>
			</video>
		)
	}
	if (media.kind === 'audio') {
		return (
			<div className="space-y-2 rounded-xl border border-line bg-raised p-3">
				{media.peaks && media.peaks.length > 0 ? <Peaks peaks={media.peaks} /> : null}
				<audio controls preload="none" className="w-full" src={media.url}>
					<a href={media.url}>Download the sound</a>
				</audio>
			</div>
		)
	}
	return (
		<a href={media.url} className="text-sm">
			{label}
		</a>
	)
}

/** A waveform preview as an SVG of bars (no JavaScript). */
function Peaks({ peaks }: { peaks: readonly number[] }) {
	const bars = peaks.slice(0, 160)
	return (
		<svg
			viewBox={`0 0 ${bars.length * 3} 40`}
			preserveAspectRatio="none"
			className="h-10 w-full text-accent"
			aria-hidden="true"
		>
			{bars.map((p, i) => {
				const h = Math.max(1, Math.min(1, p) * 38)
				return <rect key={i} x={i * 3} y={20 - h / 2} width={2} height={h} rx={1} fill="currentColor" />
			})}
		</svg>
	)
}

function GenerationBlock({ generation }: { generation: SharedGeneration }) {
	return (
		<div className="space-y-4">
			<div className={`grid gap-4 ${generation.media.length > 1 ? 'sm:grid-cols-2' : ''}`}>
				{generation.media.map((m, i) => (
					<SharedMediaView key={i} media={m} label={generation.prompt || `Output ${i + 1}`} />
				))}
			</div>
			{generation.prompt ? (
				<figure className="rounded-xl border border-line bg-surface p-4">
					<figcaption className="text-xs font-semibold uppercase tracking-wide text-fg-muted">Prompt</figcaption>
					<p className="mt-1 whitespace-pre-wrap break-words leading-relaxed">{generation.prompt}</p>
				</figure>
			) : null}
			<p className="text-sm text-fg-muted">
				Made with <span className="font-medium text-fg-soft">{generation.model}</span>
			</p>
		</div>
	)
}

export function SharedBody({ content }: { content: SharedContent }) {
	if (content.conversation) {
		const { messages } = content.conversation
		return (
			<ol className="space-y-6" aria-label="Messages">
				{messages.map(m => (
					<li
						key={m.id}
						data-role={m.role}
						data-message-id={m.id}
						className={m.role === 'user' ? 'flex flex-col items-end' : ''}
					>
						{m.role === 'user' ? (
							<div className="max-w-[88%] rounded-2xl rounded-br-md bg-accent-soft px-4 py-2.5 sm:max-w-[80%]">
								<p className="sr-only">They asked:</p>
								<p className="whitespace-pre-wrap break-words">{m.text}</p>
							</div>
						) : (
							<div className="min-w-0">
								<p className="mb-1.5 text-xs font-medium text-fg-muted">{m.model ?? 'Assistant'}</p>
								{m.html ? <MessageBody html={m.html} /> : <p className="whitespace-pre-wrap">{m.text}</p>}
							</div>
						)}
						{m.attachments.length > 0 ? (
							<ul className="mt-2 grid max-w-sm gap-2">
								{m.attachments.map((a, i) => (
									<li key={i}>
										<SharedMediaView media={a.media} label={a.name} />
									</li>
								))}
							</ul>
						) : null}
					</li>
				))}
			</ol>
		)
	}
	if (content.generation) return <GenerationBlock generation={content.generation} />
	if (content.workflow) {
		const { workflow } = content
		return (
			<div className="space-y-6">
				<section aria-labelledby="steps-heading" className="space-y-3">
					<h2 id="steps-heading" className="text-lg font-semibold">
						{workflow.nodes.length} steps · {workflow.edges} connections
					</h2>
					<ol className="grid gap-2 sm:grid-cols-2">
						{workflow.nodes.map((n, i) => (
							<li key={n.id} className="flex items-start gap-3 rounded-xl border border-line bg-surface p-3">
								<span className="mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded-full bg-accent-soft text-xs font-semibold text-accent">
									{i + 1}
								</span>
								<span className="min-w-0">
									<span className="block font-medium">{n.name}</span>
									<span className="block truncate text-xs text-fg-muted">
										{n.kind}
										{n.model ? ` · ${n.model}` : ''}
									</span>
								</span>
							</li>
						))}
					</ol>
				</section>
				{workflow.run ? (
					<section aria-labelledby="run-heading" className="space-y-3">
						<h2 id="run-heading" className="text-lg font-semibold">
							Outputs of a run
						</h2>
						<ul className="space-y-4">
							{workflow.run.outputs
								.filter(o => o.text || o.media.length > 0)
								.map(o => (
									<li
										key={o.nodeId}
										data-node-status={o.status}
										className="space-y-2 rounded-xl border border-line bg-surface p-4"
									>
										<p className="text-sm font-medium">{o.name}</p>
										{o.text ? (
											<p className="whitespace-pre-wrap break-words text-sm leading-relaxed">{o.text}</p>
										) : null}
										{o.media.map((m, i) => (
											<SharedMediaView key={i} media={m} label={o.name} />
										))}
									</li>
								))}
						</ul>
					</section>
				) : null}
			</div>
		)
	}
	if (content.audioProject) {
		const project = content.audioProject
		return (
			<div className="space-y-6">
				{project.mixdown ? (
					<section aria-labelledby="mix-heading" className="space-y-2">
						<h2 id="mix-heading" className="text-lg font-semibold">
							Mixdown
						</h2>
						{project.mixdown.media.map((m, i) => (
							<SharedMediaView key={i} media={m} label="Mixdown" />
						))}
					</section>
				) : null}
				<section aria-labelledby="tracks-heading" className="space-y-2">
					<h2 id="tracks-heading" className="text-lg font-semibold">
						{project.tracks.length} tracks · {formatSeconds(project.durationSeconds)}
					</h2>
					<ul className="divide-y divide-line rounded-xl border border-line bg-surface">
						{project.tracks.map((t, i) => (
							<li key={i} className="flex items-center justify-between px-4 py-2 text-sm">
								<span className="font-medium">{t.name}</span>
								<span className="text-fg-muted">
									{t.clips} {t.clips === 1 ? 'clip' : 'clips'}
								</span>
							</li>
						))}
					</ul>
				</section>
				{project.sounds.length > 0 ? (
					<section aria-labelledby="sounds-heading" className="space-y-2">
						<h2 id="sounds-heading" className="text-lg font-semibold">
							Sounds
						</h2>
						<ul className="space-y-3">
							{project.sounds.map(s => (
								<li key={s.id} className="space-y-1">
									<p className="truncate text-sm text-fg-soft">{s.prompt || s.model}</p>
									{s.media.map((m, i) => (
										<SharedMediaView key={i} media={m} label={s.prompt || 'Sound'} />
									))}
								</li>
							))}
						</ul>
					</section>
				) : null}
			</div>
		)
	}
	return null
}

export function formatSeconds(seconds: number): string {
	const s = Math.round(seconds)
	return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}
