/**
 * The library's filters: a GET form (so every view is a link) with the search, and the kind chips above it.
 */
import { Link } from '@remix-run/react'
import { SearchInput } from '#app/components/forms.tsx'
import type { LibraryQuery } from '#server/domain/library/schema.ts'

const KINDS = [
	{ value: '', label: 'Everything' },
	{ value: 'image', label: 'Images' },
	{ value: 'video', label: 'Video' },
	{ value: 'audio', label: 'Audio' },
	{ value: 'transcript', label: 'Transcripts' },
	{ value: 'file', label: 'Files' },
] as const

/** The current filters as a query string, with some changed (an empty value removes it), the cursor dropped. */
export function withParams(query: LibraryQuery, change: Record<string, string | undefined>): string {
	const params = new URLSearchParams()
	const all = { ...query, cursor: undefined, ...change }
	for (const [key, value] of Object.entries(all)) {
		if (value === undefined || value === '' || (key === 'sort' && value === 'newest')) continue
		params.set(key, String(value))
	}
	const text = params.toString()
	return text ? `?${text}` : '/library'
}

/** Whether any filter narrows the list. */
export const isFiltered = (query: LibraryQuery) =>
	Boolean(
		query.kind || query.status || query.model || query.source || query.favorites || query.from || query.to || query.q,
	)

export function KindChips({ query }: { query: LibraryQuery }) {
	return (
		<nav aria-label="Filter by kind" className="-mx-1 flex gap-1 overflow-x-auto px-1 text-sm">
			{KINDS.map(k => {
				const current = (query.kind ?? '') === k.value
				return (
					<Link
						key={k.value}
						to={withParams(query, { kind: k.value })}
						aria-current={current ? 'page' : undefined}
						className={`whitespace-nowrap rounded-full border px-3 py-1 no-underline hover:no-underline ${
							current
								? 'border-accent bg-accent-soft font-semibold text-fg'
								: 'border-line text-fg-muted hover:border-line-strong hover:text-fg'
						}`}
					>
						{k.label}
					</Link>
				)
			})}
		</nav>
	)
}

function Choice({
	name,
	label,
	value,
	options,
}: {
	name: string
	label: string
	value: string | undefined
	options: ReadonlyArray<readonly [string, string]>
}) {
	return (
		<label className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
			{label}
			<select name={name} defaultValue={value ?? ''} className="field py-1.5 text-sm">
				{options.map(([v, l]) => (
					<option key={v} value={v}>
						{l}
					</option>
				))}
			</select>
		</label>
	)
}

const STATUSES = [
	['', 'Any'],
	['succeeded', 'Done'],
	['queued', 'Queued'],
	['running', 'Generating'],
	['failed', 'Failed'],
	['canceled', 'Canceled'],
] as const

const SOURCES = [
	['', 'Anywhere'],
	['studio', 'Studios'],
	['chat', 'Chat'],
	['workflow', 'Workflows'],
] as const

const SORTS = [
	['newest', 'Newest first'],
	['oldest', 'Oldest first'],
] as const

function DateField({ name, label, value }: { name: string; label: string; value: string | undefined }) {
	return (
		<label className="flex flex-col gap-1 text-xs font-medium text-fg-muted">
			{label}
			<input type="date" name={name} defaultValue={value ?? ''} className="field py-1.5 text-sm" />
		</label>
	)
}

export function FilterForm({ query, models }: { query: LibraryQuery; models: string[] }) {
	const more = Boolean(
		query.status || query.model || query.source || query.from || query.to || query.favorites || query.sort === 'oldest',
	)
	return (
		<form
			method="get"
			action="/library"
			role="search"
			className="space-y-3 rounded-xl border border-line bg-surface p-3"
		>
			{query.kind ? <input type="hidden" name="kind" value={query.kind} /> : null}
			<div className="flex gap-2">
				<label className="relative flex-1">
					<span className="sr-only">Search prompts and names</span>
					<SearchInput defaultValue={query.q ?? ''} placeholder="Search prompts and file names" />
				</label>
				<button type="submit" className="btn">
					Apply
				</button>
			</div>
			<details open={more}>
				<summary className="cursor-pointer text-sm text-fg-muted">More filters</summary>
				<div className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
					<Choice name="status" label="Status" value={query.status} options={STATUSES} />
					<Choice
						name="model"
						label="Model"
						value={query.model}
						options={[['', 'Any'], ...models.map((m): [string, string] => [m, m])]}
					/>
					<Choice name="source" label="Made in" value={query.source} options={SOURCES} />
					<DateField name="from" label="From" value={query.from} />
					<DateField name="to" label="To" value={query.to} />
					<Choice name="sort" label="Sort" value={query.sort} options={SORTS} />
				</div>
				<div className="mt-3 flex flex-wrap items-center gap-4">
					<label className="flex items-center gap-2 text-sm">
						<input type="checkbox" name="favorites" value="1" defaultChecked={query.favorites === '1'} />
						Favourites only
					</label>
					{isFiltered(query) ? (
						<Link to="/library" className="text-sm">
							Clear filters
						</Link>
					) : null}
				</div>
			</details>
		</form>
	)
}
