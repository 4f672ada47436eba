import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import * as v from 'valibot'
import { CARD_GRID, GenerationCard } from '#app/components/generation-output.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { inputRefusal, readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'

const PAGE_SIZE = 24

/** Pages go back in time from `before`; a year the database cannot store (0000) is bad input, not a 500. */
const BEFORE_MESSAGE = 'before must be a date and time such as 2026-01-31T12:00:00Z, between the years 1970 and 9999.'

const LibraryQuerySchema = v.object({
	kind: v.optional(v.picklist(['image', 'video', 'audio'], 'Show image, video or audio.')),
	before: v.optional(
		v.pipe(
			v.string(),
			v.isoTimestamp(BEFORE_MESSAGE),
			v.check(value => {
				const year = new Date(value).getUTCFullYear()
				return year >= 1970 && year <= 9999
			}, BEFORE_MESSAGE),
		),
	),
})

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const query = parseWith(LibraryQuerySchema, readQuery(request))
	if (!query.ok) {
		const message = Object.values(query.fields)[0]?.[0] ?? query.formErrors[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, query.fields)
	}
	const { kind, before } = query.value
	const { generations } = context.services
	const page = await generations.list(user, {
		kind,
		limit: PAGE_SIZE + 1,
		...(before ? { before: new Date(before) } : {}),
	})
	const items = await Promise.all(
		page.slice(0, PAGE_SIZE).map(async g => ({ ...g, outputs: await generations.withUrls(g) })),
	)
	const last = items.at(-1)
	return {
		items,
		kind: kind ?? '',
		next: page.length > PAGE_SIZE && last ? new Date(last.createdAt).toISOString() : null,
	}
}

const KINDS = [
	{ value: '', label: 'Everything' },
	{ value: 'image', label: 'Images' },
	{ value: 'video', label: 'Video' },
	{ value: 'audio', label: 'Audio' },
] as const

export default function Library() {
	const { items, kind, next } = useLoaderData<typeof loader>()
	return (
		<section className="space-y-5">
			<div className="flex flex-wrap items-end justify-between gap-3">
				<div>
					<h1 className="text-2xl font-semibold tracking-tight">Library</h1>
					<p className="mt-1 text-sm text-fg-muted">Everything you have generated, newest first.</p>
				</div>
				{/* Plain links: filtering needs no form and no script. */}
				<nav aria-label="Filter by kind" className="flex gap-1 rounded-lg border border-line bg-surface p-1 text-sm">
					{KINDS.map(k => (
						<Link
							key={k.value}
							to={k.value ? `?kind=${k.value}` : '.'}
							aria-current={kind === k.value ? 'page' : undefined}
							className={`rounded-md px-3 py-1 no-underline hover:no-underline ${
								kind === k.value ? 'bg-raised font-semibold text-fg' : 'text-fg-muted hover:text-fg'
							}`}
						>
							{k.label}
						</Link>
					))}
				</nav>
			</div>
			{items.length === 0 ? (
				<div className="rounded-xl border border-dashed border-line-strong p-8 text-center text-fg-muted">
					Nothing here yet. Start in <Link to="/images">Images</Link>, <Link to="/video">Video</Link> or{' '}
					<Link to="/audio">Audio</Link>.
				</div>
			) : (
				<ul className={CARD_GRID}>
					{items.map(g => (
						<GenerationCard key={g.id} generation={g} />
					))}
				</ul>
			)}
			{next ? (
				<p>
					<Link to={`?${new URLSearchParams({ ...(kind ? { kind } : {}), before: next })}`} className="btn-secondary">
						Older
					</Link>
				</p>
			) : null}
		</section>
	)
}

export const meta: MetaFunction = () => [{ title: 'Library · Generation Studio' }]

// An error here keeps the shell (and, in chat, the conversation list) around the message.
export const ErrorBoundary = RouteErrorBoundary
