/**
 * The sign-in limit cannot be sidestepped: the limiter and the password check read the same single `email`
 * (a repeated one is refused), and one address trying many accounts meets a limit of its own (credential
 * stuffing), beside the per-account one.
 */
import { describe, expect, it } from 'vitest'
import { useTestServer } from '#tests/support/suite-services.ts'
import { PASSWORD, uniqueEmail } from '#tests/support/http-auth.ts'
import { client, signUp } from './helpers.ts'

const WRONG = 'definitely not the password'

function post(base: string, body: string) {
	return fetch(`${base}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' },
		body,
	})
}

const form = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString()

/** A sign-in with the wrong password for `email`, the form sent as a browser sends it. */
const wrongPassword = (base: string, email: string) =>
	post(
		base,
		form([
			['email', email],
			['password', WRONG],
		]),
	)

describe('one e-mail per sign-in', () => {
	const t = useTestServer({ env: { RATE_LIMITS: 'signup=1000/3600,signin_ip=1000/900' } })

	it('refuses a repeated e-mail, so a blocked account cannot be signed in with a decoy in front', async () => {
		const { email } = await signUp(client(t.server.url))
		for (let i = 1; i <= 10; i++) {
			expect((await wrongPassword(t.server.url, email)).status, `attempt ${i}`).toBe(400)
		}
		expect((await wrongPassword(t.server.url, email)).status).toBe(429)

		// The limiter once counted the first e-mail and the password check used the last.
		const decoy = form([
			['email', uniqueEmail('decoy')],
			['email', email],
			['password', PASSWORD],
		])
		const sidestep = await post(t.server.url, decoy)
		expect(sidestep.status).toBe(400)
		expect(sidestep.headers.getSetCookie().join(';')).not.toContain('gs_session=')
		expect(await sidestep.text()).toMatch(/field [^a-z]{1,12}email[^a-z]{1,12} was sent more than once/)
	})

	it('refuses a repeated password too', async () => {
		const { email } = await signUp(client(t.server.url))
		const twice = form([
			['email', email],
			['password', WRONG],
			['password', PASSWORD],
		])
		expect((await post(t.server.url, twice)).status).toBe(400)
	})
})

describe('sign-in attempts from one address across accounts', () => {
	const t = useTestServer({ env: { RATE_LIMITS: 'signup=1000/3600,signin_ip=5/900' } })

	it('refuses the sixth attempt from the address whatever the account, with Retry-After', async () => {
		for (let i = 1; i <= 5; i++) {
			const attempt = await wrongPassword(t.server.url, uniqueEmail(`stuffed${i}`))
			expect(attempt.status, `attempt ${i}`).toBe(400)
		}
		const sixth = await wrongPassword(t.server.url, uniqueEmail('stuffed6'))
		expect(sixth.status).toBe(429)
		expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0)
		expect(await sixth.text()).toContain('Too many sign-in attempts from your network')
	})
})
