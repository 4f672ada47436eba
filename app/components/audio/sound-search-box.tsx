import { Form } from '@remix-run/react'
import { Search } from '../icons/index.tsx'

/** The search box, also on the studio's page: a GET form, so it works without JavaScript. */
export function SoundSearchBox({ q = '' }: { q?: string }) {
	return (
		<Form method="get" action="/audio/sounds" role="search" className="mt-4 flex gap-2">
			<label htmlFor="sound-search" className="sr-only">
				Search sounds
			</label>
			<input
				id="sound-search"
				type="search"
				name="q"
				defaultValue={q}
				placeholder="Rain, a door, “welcome”…"
				className="field flex-1"
			/>
			<button type="submit" className="btn-secondary">
				<Search aria-hidden="true" size={16} />
				Search
			</button>
		</Form>
	)
}
