/**
 * Sign-in with GitHub and Google: the real remix-auth strategies in the built server, against the stub
 * providers of tests/fixtures/oauth-stub.ts. Covers account creation, linking by verified e-mail only, a
 * forged `state`, a fresh session id at sign-in, connecting a provider from settings, and the CSP.
 */
import { randomInt } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthStub, type OAuthStub } from '#tests/fixtures/oauth-stub.ts'
import { testDrivers } from '#tests/support/database.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import { client, location, MANY_SIGNUPS, serverDatabase, signUp, type Client, type ServerDatabase } from './helpers.ts'
import { uniqueEmail } from '#tests/support/http-auth.ts'

type Provider = 'github' | 'google'

describe.each(testDrivers())('provider sign-in on %s', driver => {
	let stub: OAuthStub
	let database: ServerDatabase
	let server: RunningServer
	let base: string

	beforeAll(async () => {
		stub = await startOAuthStub()
		database = await serverDatabase(driver)
		server = await startServer({
			...database.env,
			...MANY_SIGNUPS,
			GITHUB_CLIENT_ID: stub.clientId,
			GITHUB_CLIENT_SECRET: stub.clientSecret,
			GITHUB_OAUTH_BASE_URL: stub.github.baseUrl,
			GOOGLE_CLIENT_ID: stub.clientId,
			GOOGLE_CLIENT_SECRET: stub.clientSecret,
			GOOGLE_OAUTH_BASE_URL: stub.google.baseUrl,
			PROVIDER_TIMEOUT_SECONDS: '2',
		})
		base = server.url
	})
	afterAll(async () => {
		await server?.stop()
		await database?.dispose()
		await stub?.close()
	})

	function githubAccount(email: string, verified = true) {
		stub.github.account = {
			id: randomInt(1, 2 ** 31),
			login: `octo${randomInt(1000)}`,
			name: 'Octo Person',
			emails: [
				{ email: `secondary-${email}`, verified: true, primary: false },
				{ email, verified, primary: true },
			],
		}
	}

	/** Start at the studio, approve at the provider, and return the callback URL the provider sends back to. */
	async function toCallback(c: Client, provider: Provider, form: Record<string, string> = {}) {
		const start = await c.post(`/auth/${provider}`, form)
		expect(start.status).toBe(302)
		const authorize = new URL(location(start))
		expect(authorize.origin).toBe(stub.url)
		const consent = await fetch(authorize, { redirect: 'manual' })
		expect(consent.status).toBe(302)
		return { authorize, callback: location(consent) }
	}

	async function providerSignIn(c: Client, provider: Provider, form: Record<string, string> = {}) {
		const { callback, authorize } = await toCallback(c, provider, form)
		return { done: await c.get(callback), authorize }
	}

	async function whoAmI(c: Client) {
		const response = await c.get('/settings/export')
		expect(response.status).toBe(200)
		return (await response.json()) as {
			user: { id: string; email: string; name: string }
			tables: { identities: Array<{ provider: string; email: string | null }> }
		}
	}

	it('creates an account from GitHub with its verified primary e-mail, using PKCE', async () => {
		const email = uniqueEmail('gh')
		githubAccount(email)
		const c = client(base)
		const { done, authorize } = await providerSignIn(c, 'github', { redirectTo: '/settings/tokens' })
		expect(authorize.pathname).toBe('/github/login/oauth/authorize')
		expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
		expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/auth/github/callback`)
		expect(done.status).toBe(302)
		expect(location(done)).toBe('/settings/tokens')
		expect(c.jar.get('gs_session')).toBeTruthy()
		// The short-lived flow cookie is gone once the sign-in is done.
		expect(c.jar.get('gs_flow')).toBeUndefined()

		const me = await whoAmI(c)
		expect(me.user.email).toBe(email)
		expect(me.user.name).toBe('Octo Person')
		expect(me.tables.identities).toEqual([expect.objectContaining({ provider: 'github', email })])
		expect(stub.requests.some(r => r.path === '/github/user/emails')).toBe(true)
	})

	it('refuses a callback whose state does not match, without signing anyone in', async () => {
		githubAccount(uniqueEmail('forged'))
		const c = client(base)
		const { callback } = await toCallback(c, 'github')
		const forged = new URL(callback)
		forged.searchParams.set('state', 'forged-state-value')
		const refused = await c.get(forged.toString())
		expect(refused.status).toBe(302)
		expect(location(refused)).toBe('/login')
		expect(c.jar.get('gs_session')).toBeUndefined()
		expect((await c.get('/settings')).status).toBe(302)
		const login = await (await c.get('/login')).text()
		expect(login).toContain('Signing in with GitHub did not work. Please try again.')
		// The message is shown once.
		expect(await (await c.get('/login')).text()).not.toContain('did not work')
	})

	it('gives up on a provider that does not answer, with a message, instead of hanging', async () => {
		githubAccount(uniqueEmail('hang'))
		const c = client(base)
		const { callback } = await toCallback(c, 'github')
		stub.hangTokens = true
		try {
			const started = Date.now()
			const refused = await c.get(callback)
			expect(Date.now() - started).toBeLessThan(10_000)
			expect(refused.status).toBe(302)
			expect(location(refused)).toBe('/login')
			expect(c.jar.get('gs_session')).toBeUndefined()
			expect(await (await c.get('/login')).text()).toContain('Signing in with GitHub did not work. Please try again.')
		} finally {
			stub.hangTokens = false
		}
	})

	it('refuses a callback in a browser that did not start the sign-in', async () => {
		githubAccount(uniqueEmail('elsewhere'))
		const { callback } = await toCallback(client(base), 'github')
		const stranger = client(base)
		const refused = await stranger.get(callback)
		expect(location(refused)).toBe('/login')
		expect(stranger.jar.get('gs_session')).toBeUndefined()
	})

	it('links a verified matching e-mail to the existing account, with a new session id', async () => {
		const c = client(base)
		const { email } = await signUp(c)
		const before = c.jar.get('gs_session')
		const oldSession = c.jar.copy()
		const { user } = await whoAmI(c)

		githubAccount(email)
		const { done } = await providerSignIn(c, 'github')
		expect(location(done)).toBe('/')
		const after = c.jar.get('gs_session')
		expect(after).toBeTruthy()
		expect(after).not.toBe(before)
		expect((await client(base, oldSession).get('/settings')).status).toBe(302)

		const me = await whoAmI(c)
		expect(me.user.id).toBe(user.id)
		expect(me.tables.identities.map(i => i.provider)).toEqual(['github'])
	})

	it('never links or creates an account from an unverified e-mail', async () => {
		const { email } = await signUp(client(base))
		githubAccount(email, false)
		// Only unverified addresses: the strategy reports none.
		stub.github.account = { ...stub.github.account, emails: [{ email, verified: false, primary: true }] }
		const c = client(base)
		const { done } = await providerSignIn(c, 'github')
		expect(location(done)).toBe('/login')
		expect(c.jar.get('gs_session')).toBeUndefined()
		expect(await (await c.get('/login')).text()).toContain('no verified e-mail address')
	})

	it('signs in with Google when its e-mail is verified, and refuses it when not', async () => {
		const email = uniqueEmail('goo')
		stub.google.account = { sub: String(randomInt(1, 2 ** 31)), name: 'Goo Person', email, emailVerified: true }
		const c = client(base)
		const { done, authorize } = await providerSignIn(c, 'google')
		expect(authorize.pathname).toBe('/google/o/oauth2/v2/auth')
		expect(location(done)).toBe('/')
		expect((await whoAmI(c)).user).toMatchObject({ email, name: 'Goo Person' })

		const { email: taken } = await signUp(client(base))
		stub.google.account = { sub: String(randomInt(1, 2 ** 31)), name: 'Impostor', email: taken, emailVerified: false }
		const other = client(base)
		const { done: refused } = await providerSignIn(other, 'google')
		expect(location(refused)).toBe('/login')
		expect(other.jar.get('gs_session')).toBeUndefined()
	})

	it('connects a provider from settings to the signed-in account, whatever its e-mail', async () => {
		const c = client(base)
		await signUp(c)
		const { user } = await whoAmI(c)
		const session = c.jar.get('gs_session')
		githubAccount(uniqueEmail('work'))

		const { done } = await providerSignIn(c, 'github', { intent: 'link' })
		expect(location(done)).toBe('/settings')
		// Connecting is not signing in: the session stays.
		expect(c.jar.get('gs_session')).toBe(session)
		const settings = await (await c.get('/settings')).text()
		expect(settings).toContain('GitHub is now connected to your account.')
		expect(settings).toContain('Disconnect')

		// The same GitHub account now signs in to this account.
		const fresh = client(base)
		await providerSignIn(fresh, 'github')
		expect((await whoAmI(fresh)).user.id).toBe(user.id)

		// It cannot be connected to a second account.
		const someoneElse = client(base)
		await signUp(someoneElse)
		const { done: taken } = await providerSignIn(someoneElse, 'github', { intent: 'link' })
		expect(location(taken)).toBe('/settings')
		expect(await (await someoneElse.get('/settings')).text()).toContain('already connected to another account')

		// Disconnecting works while a password remains.
		const unlinked = await c.post('/settings?index', { intent: 'unlink', provider: 'github' })
		expect(unlinked.status).toBe(200)
		expect((await whoAmI(c)).tables.identities).toEqual([])
	})

	it('keeps the last way to sign in', async () => {
		githubAccount(uniqueEmail('only'))
		const c = client(base)
		await providerSignIn(c, 'github')
		const refused = await c.post('/settings?index', { intent: 'unlink', provider: 'github' })
		expect(refused.status).toBe(400)
		expect(await refused.text()).toContain('GitHub is your only way to sign in')
	})

	it('starts only with a POST, only for configured providers, and lets the provider be a form target', async () => {
		const get = await client(base).get('/auth/github')
		expect(get.status).toBe(302)
		expect(location(get)).toBe('/login')
		expect((await client(base).post('/auth/facebook', {})).status).toBe(404)
		const login = await fetch(`${base}/login`)
		const csp = login.headers.get('content-security-policy') ?? ''
		expect(csp).toMatch(new RegExp(`form-action 'self' ${stub.url.replace(/[.]/g, '\\.')}`))
		const html = await login.text()
		expect(html).toContain('Continue with GitHub')
		expect(html).toContain('Continue with Google')
	})
})
