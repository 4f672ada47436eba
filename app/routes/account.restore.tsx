/**
 * The Undo of an account deletion (docs/decisions/015-undo-and-soft-delete.md). The deleted account is signed
 * out everywhere, so this is public: the one-time credential in the form is the proof, valid for the undo window.
 */
import type { ActionFunctionArgs } from '@remix-run/node'
import { RestoreAccountSchema } from '#app/schemas/settings.ts'
import { clientIp } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Per address (nobody is signed in): guessing a credential is hopeless, and this keeps it so.
export const handle: RouteHandle = { rateLimit: 'account' }

export async function action({ request, context }: ActionFunctionArgs) {
	const parsed = parseWith(RestoreAccountSchema, await readForm(request))
	const restored = parsed.ok
		? await context.services.auth.restoreAccount(request, {
				restoreToken: parsed.value.restoreToken,
				ip: clientIp(context),
			})
		: { ok: false as const }
	if (!restored.ok) {
		return redirectWithFlash(context, '/', {
			kind: 'error',
			message: 'It is too late to undo: the account has been deleted for good.',
		})
	}
	return redirectWithFlash(
		context,
		'/settings',
		{ kind: 'success', message: 'Welcome back: your account is restored, with everything in it.' },
		{ headers: restored.headers },
	)
}
