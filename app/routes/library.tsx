import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { json } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import * as v from 'valibot'
import { GenerationTile } from '#app/components/generation-output.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { parseWith } from '#app/utils/validation.ts'

const PAGE_SIZE = 24

const LibraryQuerySchema = v.object({
	kind: v.optional(v.picklist(['image', 'video', 'audio'])),
	before: v.optional(v.pipe(v.string(), v.isoTimestamp())),
})

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, value]) => value !== ''))
	const query = parseWith(LibraryQuerySchema, params)
	const { kind, before } = query.ok ? query.value : {}
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
	return json({
		items,
		kind: kind ?? '',
		next: page.length > PAGE_SIZE && last ? new Date(last.createdAt).toISOString() : null,
	})
}

export default function Library() {
	const { items, kind, next } = useLoaderData<typeof loader>()
	return (
		<section className="space-y-4">
			<div className="flex flex-wrap items-end justify-between gap-3">
				<h1 className="text-2xl font-bold">Library</h1>
				<Form method="get" className="flex items-end gap-2">
					<label className="text-sm">
						<span className="block font-medium">Show</span>
						<select name="kind" defaultValue={kind} className="field mt-1">
							<option value="">Everything</option>
							<option value="image">Images</option>
							<option value="video">Video</option>
							<option value="audio">Audio</option>
						</select>
					</label>
					<button type="submit" className="btn-secondary">
						Filter
					</button>
				</Form>
			</div>
			{items.length === 0 ? (
				<p className="text-zinc-400">
					Nothing here yet. Start in <Link to="/images">Images</Link>, <Link to="/video">Video</Link> or{' '}
					<Link to="/audio">Audio</Link>.
				</p>
			) : (
				<ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4">
					{items.map(g => (
						<GenerationTile key={g.id} generation={g} />
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
