/**
 * The frame of a studio page (images, video, audio, transcription): the form in a card on the left, sticky on wide
 * screens, under the studio's title and a line of what it makes; the results on the right.
 */
import type { ReactNode } from 'react'

export function StudioPage({
	title,
	titleId = 'studio-title',
	intro,
	columns = 'lg:grid-cols-[22rem_minmax(0,1fr)]',
	form,
	children,
}: {
	title: string
	/** The heading's id, for the section's (and the form's) `aria-labelledby`. */
	titleId?: string
	intro: ReactNode
	/** The grid's columns on wide screens (the image form is a little narrower). */
	columns?: string
	form: ReactNode
	/** The results side. */
	children: ReactNode
}) {
	return (
		<div className={`grid items-start gap-8 ${columns}`}>
			<section aria-labelledby={titleId} className="lg:sticky lg:top-8">
				<h1 id={titleId} className="text-2xl font-semibold tracking-tight">
					{title}
				</h1>
				<p className="mb-5 mt-1 text-sm text-fg-muted">{intro}</p>
				<div className="card shadow-sm">{form}</div>
			</section>
			{children}
		</div>
	)
}

/**
 * What a studio form starts from: what was sent when the action refused it (keyed by those values, so the form
 * re-renders with them), or the page's own values and a fresh idempotency key.
 */
export function studioFormState<V, R, F, M>(
	studio: { idempotencyKey: string; values: V },
	refused: { values: R; fields?: F; message?: M } | undefined,
) {
	return {
		key: refused ? JSON.stringify(refused.values) : studio.idempotencyKey,
		props: {
			values: refused?.values ?? studio.values,
			idempotencyKey: studio.idempotencyKey,
			errors: refused?.fields,
			message: refused?.message,
		},
	}
}
