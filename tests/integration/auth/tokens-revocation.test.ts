/**
 * API tokens and the two "lock everything" actions: a password change revokes every token unless the person
 * keeps them, and so does signing out everywhere; either way the page says what became of the tokens.
 */
import { describe, expect, it } from 'vitest'
import { useTestServer } from '#tests/support/suite-services.ts'
import { client, createToken, location, MANY_SIGNUPS, PASSWORD, signUp, type Client } from './helpers.ts'

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000'

describe('API tokens when the password changes or every session ends', () => {
	const t = useTestServer({ env: { RATE_LIMITS: `${MANY_SIGNUPS.RATE_LIMITS},account=1000/900,api_token=1000/3600` } })

	const newToken = (c: Client) => createToken(c)

	/** 404 for a live token (the generation does not exist), 401 for a revoked one. */
	async function tokenStatus(token: string): Promise<number> {
		const response = await fetch(`${t.server.url}/api/generations/${SAMPLE_ID}`, {
			headers: { Authorization: `Bearer ${token}` },
		})
		await response.body?.cancel()
		return response.status
	}

	async function signedIn(): Promise<{ c: Client; email: string }> {
		const c = client(t.server.url)
		const { email } = await signUp(c)
		return { c, email }
	}

	it('a password change revokes the tokens by default, and says so', async () => {
		const { c } = await signedIn()
		const token = await newToken(c)
		expect(await tokenStatus(token)).toBe(404)
		const changed = await c.post('/settings?index', {
			intent: 'password',
			currentPassword: PASSWORD,
			newPassword: `${PASSWORD}!`,
		})
		expect(changed.status).toBe(200)
		expect(await changed.text()).toContain('Your API token was revoked.')
		expect(await tokenStatus(token)).toBe(401)
	})

	it('keeps the tokens working when asked to, and says so', async () => {
		const { c } = await signedIn()
		const token = await newToken(c)
		const changed = await c.post('/settings?index', {
			intent: 'password',
			currentPassword: PASSWORD,
			newPassword: `${PASSWORD}!`,
			keepTokens: 'yes',
		})
		expect(await changed.text()).toContain('Your API tokens still work.')
		expect(await tokenStatus(token)).toBe(404)
	})

	it('signing out everywhere revokes the tokens by default; the sign-in page says so', async () => {
		const { c } = await signedIn()
		const first = await newToken(c)
		const second = await newToken(c)
		const out = await c.post('/settings/sessions', { intent: 'revoke-all' })
		expect(out.status).toBe(303)
		expect(location(out)).toBe('/login')
		const login = await (await c.get('/login')).text()
		expect(login).toContain('You are signed out everywhere. Your 2 API tokens were revoked.')
		expect(await tokenStatus(first)).toBe(401)
		expect(await tokenStatus(second)).toBe(401)
	})

	it('signing out everywhere can keep the tokens', async () => {
		const { c } = await signedIn()
		const token = await newToken(c)
		await c.post('/settings/sessions', { intent: 'revoke-all', keepTokens: 'yes' })
		expect(await (await c.get('/login')).text()).toContain('You are signed out everywhere. Your API tokens still work.')
		expect(await tokenStatus(token)).toBe(404)
		expect((await c.get('/settings')).status).toBe(302)
	})

	it('offers both choices on the pages, revoking unless the box is ticked', async () => {
		const { c } = await signedIn()
		for (const address of ['/settings', '/settings/sessions']) {
			const page = await (await c.get(address)).text()
			expect(page, address).toContain('Keep my API tokens working')
			expect(page, address).toMatch(
				/<input[^>]*type="checkbox"[^>]*name="keepTokens"|<input[^>]*name="keepTokens"[^>]*type="checkbox"/,
			)
			expect(page, address).not.toMatch(/name="keepTokens"[^>]*checked/)
		}
	})
})
