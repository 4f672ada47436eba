import type { ActionFunctionArgs } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import * as v from 'valibot'
import { safeRedirect } from '#app/schemas/auth.ts'
import { ThemeSchema, themeCookieHeader } from '#app/utils/theme.server.ts'
import { readForm } from '#app/utils/input.server.ts'
import { parseWith } from '#app/utils/validation.server.ts'
import type { RouteHandle } from '#server/route-protection.ts'

/** Choosing a theme writes a cookie only; counted like any other small write. */
export const handle: RouteHandle = { rateLimit: 'write' }

const ThemeFormSchema = v.object({ theme: ThemeSchema, redirectTo: v.optional(v.string()) })

export async function loader() {
	return redirect('/')
}

/** The theme form (a POST, so it works without JavaScript): set the cookie, go back to the page it came from. */
export async function action({ request }: ActionFunctionArgs) {
	const form = await readForm(request)
	const parsed = parseWith(ThemeFormSchema, form)
	if (!parsed.ok) return data({ message: parsed.fields.theme?.[0] ?? 'Choose light, dark or system.' }, { status: 400 })
	const headers = { 'Set-Cookie': await themeCookieHeader(parsed.value.theme) }
	return redirect(safeRedirect(parsed.value.redirectTo), { status: 303, headers })
}
