/** Signing up over HTTP against a running server, the way a browser without JavaScript does it. */
import { randomUUID } from 'node:crypto'

export type SignedIn = { cookie: string; email: string; password: string }

export async function signUp(
	baseUrl: string,
	overrides: Partial<{ email: string; password: string; name: string }> = {},
): Promise<SignedIn> {
	const email = overrides.email ?? `user-${randomUUID().slice(0, 8)}@example.test`
	const password = overrides.password ?? 'correct horse battery staple'
	const response = await fetch(`${baseUrl}/signup`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: baseUrl },
		body: new URLSearchParams({ name: overrides.name ?? 'Test User', email, password, website: '' }),
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
