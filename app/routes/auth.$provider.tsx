import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import * as v from 'valibot'
import { notFound } from '#app/utils/http.server.ts'
import { ProviderSchema, ProviderStartSchema } from '#app/schemas/auth.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

// Starting a provider sign-in counts as a sign-in attempt from this address.
export const handle: RouteHandle = { rateLimit: 'signin' }

// Provider sign-in starts with a POST from the login page (or settings, to connect an account).
export async function loader() {
	return redirect('/login')
}

/** `POST /auth/github|google`: a redirect to the provider, with the flow cookie holding the state. */
export async function action({ request, params, context }: ActionFunctionArgs) {
	const provider = v.safeParse(ProviderSchema, params.provider)
	// A provider this deployment is not configured for is not there either.
	if (!provider.success || !context.services.auth.providers.includes(provider.output)) throw notFound()
	const form = parseWith(ProviderStartSchema, await readForm(request))
	const { redirectTo, intent } = form.ok ? form.value : { redirectTo: '/', intent: 'signin' as const }
	return await context.services.auth.startProviderSignIn(request, provider.output, {
		redirectTo: intent === 'link' ? '/settings' : redirectTo,
		mode: intent,
	})
}
