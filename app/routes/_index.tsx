import type { MetaFunction } from '@remix-run/node'
import { AREAS } from '#app/components/areas.ts'

export default function Landing() {
	return (
		<div className="space-y-10">
			<section className="py-6">
				<h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Generation Studio</h1>
				<p className="mt-3 max-w-2xl text-lg text-fg-soft">
					Chat, images, video, audio and workflows in one self-hosted studio. It runs on your own machine with nothing
					to configure, and works on any device — with or without JavaScript.
				</p>
			</section>
			<section aria-labelledby="areas-heading">
				<h2 id="areas-heading" className="sr-only">
					Areas
				</h2>
				<ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
					{AREAS.map(area => (
						<li key={area.to}>
							<a
								href={area.to}
								className="card block h-full text-fg no-underline hover:border-accent hover:no-underline"
							>
								<span className="font-semibold">{area.label}</span>
								<span className="mt-1 block text-sm text-fg-muted">{area.blurb}</span>
							</a>
						</li>
					))}
				</ul>
			</section>
		</div>
	)
}

export const meta: MetaFunction = () => [
	{ title: 'Generation Studio' },
	{ name: 'description', content: 'A self-hosted studio for AI chat, images, video, audio and workflows.' },
]
