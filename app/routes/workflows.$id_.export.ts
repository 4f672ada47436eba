import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// A read that builds a file: counted as the workflow's other requests are.
export const handle: RouteHandle = { rateLimit: { loader: 'write' } }

/** The workflow as a JSON file (format, name, definition) that the import on /workflows reads back. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const file = await context.services.workflows.library.exportFile(user, params.id ?? '')
	if ('refused' in file) throw notFound(file.message)
	const name =
		file.name
			.replace(/[^\w .-]+/g, '')
			.trim()
			.slice(0, 80) || 'workflow'
	return new Response(`${JSON.stringify(file, null, 2)}\n`, {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="${name}.json"`,
			'Cache-Control': 'private, no-store',
		},
	})
}
