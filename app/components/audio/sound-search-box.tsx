import { SearchForm } from '../forms.tsx'

/** The search box, also on the studio's page: a GET form, so it works without JavaScript. */
export function SoundSearchBox({ q = '' }: { q?: string }) {
	return (
		<SearchForm
			id="sound-search"
			label="Search sounds"
			placeholder="Rain, a door, “welcome”…"
			q={q}
			action="/audio/sounds"
			className="mt-4 flex gap-2"
		/>
	)
}
