import type { ActionFunctionArgs } from '@remix-run/node'
import { Readable } from 'node:stream'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'
import { selectedRefs } from '#server/domain/library/schema.ts'

// Each zip reads up to a hundred files from storage: its own policy.
export const handle: RouteHandle = { rateLimit: { action: 'archive' } }

/** The library's bulk form, "Download zip": the chosen items as one zip, streamed while it is made. */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const refs = selectedRefs(await readForm(request))
	const made = await context.services.library.archive(user, refs)
	const referer = request.headers.get('referer')
	const back = referer && new URL(referer).pathname === '/library' ? `/library${new URL(referer).search}` : '/library'
	if ('refused' in made) return redirectWithFlash(context, back, { kind: 'error', message: made.message })
	const stamp = new Date().toISOString().slice(0, 10)
	return new Response(Readable.toWeb(made.stream) as ReadableStream<Uint8Array>, {
		headers: {
			'Content-Type': 'application/zip',
			'Content-Disposition': `attachment; filename="library-${stamp}.zip"`,
			'Cache-Control': 'no-store',
		},
	})
}
