import type { LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { requireAdmin } from '#app/utils/auth.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: { loader: 'admin_read' } }

/** `/admin` opens on its first section. */
export async function loader({ request, context }: LoaderFunctionArgs) {
	await requireAdmin(request, context)
	return redirect('/admin/users')
}
