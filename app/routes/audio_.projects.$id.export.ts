import type { LoaderFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { notFound } from '#app/utils/http.server.ts'

// A read, but one that builds a file: counted like the project's other requests.
export const handle = { rateLimit: { loader: 'audio_project' } }

/** The project as a JSON file: its name and document, library sounds referred to by id. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const user = await requireUser(request, context)
	const file = await context.services.audioProjects.exportFile(user, params.id ?? '')
	if ('refused' in file) throw notFound(file.message)
	const name =
		file.name
			.replace(/[^\w .-]+/g, '')
			.trim()
			.slice(0, 80) || 'project'
	return new Response(`${JSON.stringify(file, null, 2)}\n`, {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="${name}.json"`,
			'Cache-Control': 'private, no-store',
		},
	})
}
