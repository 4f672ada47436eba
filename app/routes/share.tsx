import type { ActionFunctionArgs } from '@remix-run/node'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { appOrigin } from '#app/utils/origin.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import { CreateShareSchema } from '#server/domain/sharing/schema.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Every "Share" form posts here; making links counts against `publish`.
export const handle: RouteHandle = { rateLimit: 'publish' }

/** `POST /share`: makes a link, then shows it (copyable) on the "My shares" page. */
export async function action({ request, context }: ActionFunctionArgs) {
	const user = await requireUser(request, context)
	const form = await readForm(request)
	const parsed = parseWith(CreateShareSchema, form)
	const back = typeof form.returnTo === 'string' && /^\/[^/\\]/.test(form.returnTo) ? form.returnTo : '/settings/shares'
	if (!parsed.ok) {
		const message = Object.values(parsed.fields).flat()[0] ?? parsed.formErrors[0] ?? 'That share form is not valid.'
		return redirectWithFlash(context, back, { kind: 'error', message })
	}
	const made = await context.services.sharing.create(user, parsed.value)
	if ('refused' in made) return redirectWithFlash(context, back, { kind: 'error', message: made.message })
	return redirectWithFlash(context, '/settings/shares', {
		kind: 'success',
		message: `Link made for “${made.title}”. Anyone with it can see what you shared${made.expiresAt ? ' until it expires' : ''}.`,
		secret: { label: 'Share link', value: `${appOrigin(request, context)}/s/${made.slug}` },
	})
}
