/**
 * POST-redirect-GET with a message for the next page (server/flash.ts): "Chat deleted" with its Undo, "Token
 * created" with the token. The root loader shows it once.
 */
import { redirect } from '@remix-run/node'
import type { AppLoadContext } from '@remix-run/node'
import { undoDeadline } from '#server/domain/undo/index.ts'
import type { FlashMessage } from '#server/flash.ts'

export type { FlashMessage }

export async function redirectWithFlash(
	context: AppLoadContext,
	to: string,
	message: FlashMessage,
	init: { headers?: Headers } = {},
): Promise<Response> {
	const headers = new Headers(init.headers)
	headers.append('Set-Cookie', await context.services.flash.put(message))
	return redirect(to, { status: 303, headers })
}

/** The Undo part of a message: a form posting `fields` to `action`, offered for the undo window. */
export function undoWith(action: string, fields: Record<string, string>): NonNullable<FlashMessage['undo']> {
	return { action, fields, expiresAt: undoDeadline() }
}
