/**
 * The guards every protected loader and action starts with. Thin wrappers over `context.services.auth`
 * (server/auth), so routes read `const user = await requireUser(request, context)`.
 */
import type { AppLoadContext } from '@remix-run/node'

export function getUser(request: Request, context: AppLoadContext) {
	return context.services.auth.getUser(request)
}

export function requireUser(request: Request, context: AppLoadContext) {
	return context.services.auth.requireUser(request)
}

export function requireAdmin(request: Request, context: AppLoadContext) {
	return context.services.auth.requireAdmin(request)
}
