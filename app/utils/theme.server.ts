/**
 * The colour theme a person chose: `light`, `dark`, or none (follow the system's `prefers-color-scheme`). Kept
 * in a plain cookie, not the session, so visitors can choose too; the server writes it on <html data-theme>, so
 * the right colours come with the first byte and no script is needed.
 */
import { createCookie } from '@remix-run/node'
import * as v from 'valibot'

export const ThemeSchema = v.picklist(['light', 'dark', 'system'], 'Choose light, dark or system.')
export type ThemeChoice = v.InferOutput<typeof ThemeSchema>

// Not a secret and not signed: a tampered value is ignored like a missing one.
const themeCookie = createCookie('theme', { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 60 * 60 * 24 * 365 })

export async function readTheme(request: Request): Promise<ThemeChoice> {
	const value: unknown = await themeCookie.parse(request.headers.get('Cookie'))
	const parsed = v.safeParse(ThemeSchema, value)
	return parsed.success ? parsed.output : 'system'
}

export function themeCookieHeader(theme: ThemeChoice): Promise<string> {
	return theme === 'system' ? themeCookie.serialize('', { maxAge: 0 }) : themeCookie.serialize(theme)
}
