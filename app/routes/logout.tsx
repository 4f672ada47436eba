import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import type { RouteHandle } from '#server/route-protection.ts'

export const handle: RouteHandle = { rateLimit: 'write' }

// Signing out changes state, so it is a POST (a link or a prefetch must not sign anyone out).
export async function loader() {
	return redirect('/')
}

export async function action({ request, context }: ActionFunctionArgs) {
	const headers = await context.services.auth.signOut(request)
	return redirect('/', { status: 303, headers })
}
