import type { LoaderFunctionArgs } from '@remix-run/node'
import { apiError } from '#app/utils/http.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Public, like the page: counted per address.
export const handle: RouteHandle = { rateLimit: { loader: 'share_view' } }

/** `GET /api/share/:slug`: what the public page shows, as JSON (not counted as a view); 404 once revoked or expired. */
export async function loader({ params, context }: LoaderFunctionArgs) {
	const content = await context.services.sharing.view(params.slug ?? '', null)
	if (!content) {
		return apiError(
			{ status: 404, code: 'not_found', message: 'There is no share at this address, or it has ended.' },
			context.requestId,
		)
	}
	return Response.json({ share: content }, { headers: { 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' } })
}
