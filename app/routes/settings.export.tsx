import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// An export reads every row the user owns: limited like the other account operations.
export const handle: RouteHandle = { rateLimit: { loader: 'account' } }

/** `GET /settings/export`: every row the user owns, as one JSON download. */
export async function loader({ request, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const archive = await context.services.auth.exportData(user)
	const day = archive.exportedAt.slice(0, 10)
	return new Response(JSON.stringify(archive, null, 2), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="generation-studio-export-${day}.json"`,
			'Cache-Control': 'no-store',
		},
	})
}
