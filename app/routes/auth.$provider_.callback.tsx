import type { LoaderFunctionArgs } from '@remix-run/node'
import * as v from 'valibot'
import { notFound } from '#app/utils/http.server.ts'
import { ProviderSchema } from '#app/schemas/auth.ts'
import { clientIp } from '#app/utils/auth.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Each callback exchanges a code with the provider: a sign-in attempt, counted like one.
export const handle: RouteHandle = { rateLimit: { loader: 'signin' } }

/** `GET /auth/github|google/callback`: state and code checked, then a redirect into the studio (or back with a message). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
	const provider = v.safeParse(ProviderSchema, params.provider)
	// A provider this deployment is not configured for is not there either.
	if (!provider.success || !context.services.auth.providers.includes(provider.output)) throw notFound()
	return await context.services.auth.finishProviderSignIn(request, provider.output, { ip: clientIp(context) })
}
