/**
 * Signing up through the auth service itself (no server), for the tests of the service and of the route wrapper:
 * the account, and the session cookie its answer set.
 */
import type { Auth } from '#server/auth/index.ts'
import { PASSWORD } from './http-auth.ts'

export const TEST_ORIGIN = 'http://studio.test'

/** The `gs_session=…` pair from an answer's Set-Cookie headers ('' when it set none). */
export function sessionCookie(headers: Headers): string {
	return (headers.getSetCookie().find(c => c.startsWith('gs_session=')) ?? '').split(';')[0] ?? ''
}

export async function signUpThrough(
	auth: Auth,
	account: { name: string; email: string; password?: string; ip?: string },
) {
	const result = await auth.signUp(new Request(`${TEST_ORIGIN}/signup`), {
		name: account.name,
		email: account.email,
		password: account.password ?? PASSWORD,
		ip: account.ip ?? '192.0.2.1',
	})
	if (!result.ok) throw new Error(`sign-up refused: ${JSON.stringify(result)}`)
	return { user: result.user, cookie: sessionCookie(result.headers) }
}
