/**
 * What routes call for the signed-in user: thin wrappers over `context.services.auth` (built once in
 * server/services.ts). Every protected loader and action starts with `requireUser` — the central protection
 * (server/route-protection.ts) has already refused the anonymous, and the lookup is shared within a request.
 */
import type { AppLoadContext } from '@remix-run/node'
import { data } from '@remix-run/node'
import type { SessionUser } from '#server/auth/index.ts'
import { HONEYPOT_FIELD } from '#app/schemas/auth-fields.ts'

export type { SessionUser }

/** The signed-in user (session cookie, or a bearer API token on /api/ paths), or null. */
export function getUser(request: Request, context: AppLoadContext): Promise<SessionUser | null> {
	return context.services.auth.getUser(request)
}

/** The signed-in user; otherwise throws a redirect to /login (pages) or a 401 JSON response (/api/). */
export function requireUser(request: Request, context: AppLoadContext): Promise<SessionUser> {
	return context.services.auth.requireUser(request)
}

/** As requireUser, then a 403 for anyone who is not an administrator. */
export function requireAdmin(request: Request, context: AppLoadContext): Promise<SessionUser> {
	return context.services.auth.requireAdmin(request)
}

/** The client address (X-Forwarded-For only when TRUST_PROXY says so), for rate limits and session lists. */
export function clientIp(context: AppLoadContext): string {
	return context.clientIp
}

/**
 * The 400 of a public form (sign-in, sign-up) whose fields were refused. A filled-in honeypot gets no field
 * errors, only a vague message: a bot learns nothing. The typed values come back (never the password).
 */
export function refusePublicForm<V>(parsed: { fields: Record<string, string[]>; formErrors: string[] }, values: V) {
	const bot = Boolean(parsed.fields[HONEYPOT_FIELD])
	return data(
		{
			fields: bot ? {} : parsed.fields,
			formErrors: bot ? ['The form could not be sent. Please try again.'] : parsed.formErrors,
			values,
		},
		{ status: 400 },
	)
}
