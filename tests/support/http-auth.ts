/**
 * Signing up over HTTP against a running server, the way a browser without JavaScript does it: the one sign-up
 * form the HTTP tests, the auth tests and the browser tests all post.
 */
import { randomUUID } from 'node:crypto'

export type SignedIn = { cookie: string; email: string; password: string }

/** The password every test account uses. */
export const PASSWORD = 'correct horse battery staple'

export function uniqueEmail(label = 'user'): string {
	return `${label}-${randomUUID().slice(0, 8)}@example.test`
}

export type NewAccount = { name: string; email: string; password: string }

/** The fields of the sign-up form for a new account (the honeypot `website` empty, as a person leaves it). */
export function signUpForm(overrides: Partial<NewAccount> = {}): NewAccount & { website: string } {
	return {
		name: overrides.name ?? 'Test User',
		email: overrides.email ?? uniqueEmail(),
		password: overrides.password ?? PASSWORD,
		website: '',
	}
}

export async function signUp(baseUrl: string, overrides: Partial<NewAccount> = {}): Promise<SignedIn> {
	const form = signUpForm(overrides)
	const { email, password } = form
	const response = await fetch(`${baseUrl}/signup`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseUrl },
		body: new URLSearchParams(form),
	})
	if (response.status !== 303 && response.status !== 302) {
		throw new Error(`sign-up answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
	}
	const cookie = response.headers
		.getSetCookie()
		.map(c => c.split(';')[0])
		.join('; ')
	if (!cookie) throw new Error('sign-up set no cookie')
	return { cookie, email, password }
}

/** Headers for a signed-in, same-origin request. */
export function as(user: SignedIn, baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
	return { Cookie: user.cookie, Origin: baseUrl, ...extra }
}
