import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { LibraryView } from '#app/components/library/library-view.tsx'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash, undoWith } from '#app/utils/flash.server.ts'
import { inputRefusal, readForm, readQuery } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { RouteErrorBoundary } from '#app/components/route-error.tsx'
import type { RouteHandle } from '#server/route-protection.ts'
import {
	FavoriteSchema,
	LibraryQuerySchema,
	parseRef,
	RestoreSchema,
	selectedRefs,
} from '#server/domain/library/schema.ts'

// Favourites, bulk delete and its undo are writes; reading the list counts against nothing but the global limit.
export const handle: RouteHandle = { rateLimit: { action: 'write' } }

const PAGE_SIZE = 48

export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const query = parseWith(LibraryQuerySchema, readQuery(request))
	if (!query.ok) {
		const message = Object.values(query.fields)[0]?.[0] ?? query.formErrors[0] ?? 'Check the address.'
		throw inputRefusal(400, 'invalid_query', message, query.fields)
	}
	const { library } = context.services
	// The page, its count and the model choices, read in one transaction.
	const page = await library.list(user, query.value, PAGE_SIZE)
	return { ...page, query: query.value }
}

/** Back to the list the form was posted from, filters and page kept. */
const back = (request: Request) => `/library${new URL(request.url).search}`

export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const { library } = context.services
	// A star is a button of the bulk form (forms cannot nest): its value is `<type>:<uuid>:<1|0>`.
	if (form.favorite) {
		const parsed = parseWith(FavoriteSchema, form)
		const ref = parsed.ok ? parseRef(parsed.value.favorite.slice(0, -2)) : null
		if (!parsed.ok || !ref) return data({ message: 'Unknown item.' }, { status: 400 })
		const on = parsed.value.favorite.endsWith(':1')
		const result = await library.setFavorite(user, ref, on)
		if (result !== true) return data({ message: result.message }, { status: result.status })
		// With JavaScript the star flips in place (a fetcher), without it the page comes back as it was.
		return redirectWithFlash(context, back(request), {
			kind: 'success',
			message: on ? 'Added to favourites.' : 'Removed from favourites.',
		})
	}
	if (form.intent === 'restore') {
		const parsed = parseWith(RestoreSchema, form)
		if (!parsed.ok) return data({ message: 'Nothing to restore.' }, { status: 400 })
		const restored = await library.restore(user, parsed.value.ids)
		if (typeof restored !== 'number')
			return redirectWithFlash(context, back(request), { kind: 'error', message: restored.message })
		return redirectWithFlash(context, back(request), {
			kind: 'success',
			message: restored === 1 ? 'Restored 1 item.' : `Restored ${restored} items.`,
		})
	}
	if (form.intent === 'delete') {
		const result = await library.remove(user, selectedRefs(form))
		if ('refused' in result)
			return redirectWithFlash(context, back(request), { kind: 'error', message: result.message })
		const words = result.deleted === 1 ? '1 item deleted.' : `${result.deleted} items deleted.`
		return redirectWithFlash(context, back(request), {
			kind: 'success',
			message:
				result.undoable.length < result.deleted ? `${words} Transcripts and chat files cannot be undone.` : words,
			...(result.undoable.length > 0
				? { undo: undoWith(back(request), { intent: 'restore', ids: result.undoable.join(',') }) }
				: {}),
		})
	}
	return data({ message: 'Unknown action.' }, { status: 400 })
}

export default function Library() {
	const loaded = useLoaderData<typeof loader>()
	return <LibraryView {...loaded} />
}

export const meta: MetaFunction = () => [{ title: 'Library · Generation Studio' }]

// An error here keeps the shell around the message.
export const ErrorBoundary = RouteErrorBoundary
