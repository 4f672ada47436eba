import { AREAS } from './areas.ts'

/** Shown by areas that are not built yet, so navigation works end to end. */
export function AreaPlaceholder({ to }: { to: (typeof AREAS)[number]['to'] }) {
	const area = AREAS.find(a => a.to === to)
	return (
		<section>
			<h1 className="text-2xl font-bold">{area?.label}</h1>
			<p className="mt-2 text-fg-soft">{area?.blurb}</p>
			<p className="mt-6 text-sm text-fg-muted">This area is being built.</p>
		</section>
	)
}
