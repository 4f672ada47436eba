/**
 * Accounts through the built server, as a browser without JavaScript uses them: sign-up, sign-in, sign-out,
 * sessions, API tokens, the export and account deletion. On the embedded database always, and on Postgres
 * when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDrivers } from '#tests/support/database.ts'
import { startServer, type RunningServer } from '#tests/support/server.ts'
import {
	client,
	createToken,
	location,
	MANY_SIGNUPS,
	serverDatabase,
	signUp,
	type Client,
	type ServerDatabase,
} from './helpers.ts'
import { PASSWORD, uniqueEmail } from '#tests/support/http-auth.ts'
import { waitFor } from '#tests/support/wait.ts'

const SOME_API_PATH = '/api/generations/00000000-0000-4000-8000-000000000000'

async function exportOf(
	c: Client,
): Promise<{ user: { id: string; role: string; email: string }; tables: Record<string, unknown[]> }> {
	const response = await c.get('/settings/export')
	expect(response.status).toBe(200)
	return (await response.json()) as {
		user: { id: string; role: string; email: string }
		tables: Record<string, unknown[]>
	}
}

/** The id of the session the page was rendered for (its row says "This device"). */
function currentSessionId(html: string): string {
	const row = html.split('<li').find(chunk => chunk.includes('This device')) ?? ''
	return /name="sessionId" value="([0-9a-f-]{36})"/.exec(row)?.[1] ?? ''
}

describe.each(testDrivers())('accounts over HTTP on %s', driver => {
	let database: ServerDatabase
	let server: RunningServer
	let base: string

	beforeAll(async () => {
		database = await serverDatabase(driver)
		server = await startServer({ ...database.env, ...MANY_SIGNUPS })
		base = server.url
	})
	afterAll(async () => {
		await server?.stop()
		await database?.dispose()
	})

	it('signs up the first account as administrator, the next ones as users, and signs them in', async () => {
		const first = client(base)
		const response = await first.post('/signup', {
			name: 'Ada',
			email: uniqueEmail('ada'),
			password: PASSWORD,
			redirectTo: '/settings',
		})
		expect(response.status).toBe(303)
		expect(location(response)).toBe('/settings')
		expect((await exportOf(first)).user.role).toBe('admin')

		const page = await (await first.get('/')).text()
		expect(page).toContain('Ada')
		expect(page).toMatch(/<form[^>]*method="post"[^>]*action="\/logout"/)

		const second = client(base)
		await signUp(second)
		expect((await exportOf(second)).user.role).toBe('user')
	})

	it('shows field errors beside their fields, keeps the typed values and never the password', async () => {
		const c = client(base)
		const response = await c.post('/signup', { name: 'Bo', email: 'not-an-email', password: 'short' })
		expect(response.status).toBe(400)
		expect(c.jar.get('gs_session')).toBeUndefined()
		const html = await response.text()
		const input = (name: string) => new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0] ?? ''
		expect(input('email')).toContain('aria-invalid="true"')
		expect(input('email')).toContain('aria-describedby="field-email-error"')
		expect(input('email')).toContain('value="not-an-email"')
		expect(html).toContain('id="field-email-error"')
		expect(input('password')).toContain('aria-invalid="true"')
		expect(input('password')).not.toContain('value="short"')
		expect(html).toContain('Use at least 10 characters.')
		expect(input('name')).toContain('value="Bo"')
		expect(input('name')).not.toContain('aria-invalid')
	})

	it('refuses a filled honeypot without creating an account', async () => {
		const c = client(base)
		const email = uniqueEmail('bot')
		const response = await c.post('/signup', { name: 'Bot', email, password: PASSWORD, website: 'http://spam.example' })
		expect(response.status).toBe(400)
		expect(c.jar.get('gs_session')).toBeUndefined()
		// The address is still free.
		await signUp(client(base), { email })
	})

	it('refuses a taken e-mail, whatever its case', async () => {
		const email = uniqueEmail('taken')
		await signUp(client(base), { email })
		const response = await client(base).post('/signup', {
			name: 'Again',
			email: email.toUpperCase(),
			password: PASSWORD,
		})
		expect(response.status).toBe(400)
		expect(await response.text()).toContain('An account with this e-mail already exists')
	})

	it('signs in with the right password only, keeping the e-mail on a failure', async () => {
		const { email } = await signUp(client(base))
		const c = client(base)
		const wrong = await c.post('/login', { email, password: 'not the password at all' })
		expect(wrong.status).toBe(400)
		const html = await wrong.text()
		expect(html).toContain('That e-mail and password do not match an account.')
		expect(html).toContain(`value="${email}"`)
		expect(html).not.toContain('not the password at all')
		expect(c.jar.get('gs_session')).toBeUndefined()

		const unknown = await c.post('/login', { email: uniqueEmail('nobody'), password: PASSWORD })
		expect(unknown.status).toBe(400)

		const right = await c.post('/login', { email: email.toUpperCase(), password: PASSWORD })
		expect(right.status).toBe(303)
		expect(location(right)).toBe('/')
		expect((await c.get('/settings')).status).toBe(200)
	})

	it('sends the signed-out to /login with where they were going, and back there after signing in', async () => {
		const { email } = await signUp(client(base))
		const c = client(base)
		const refused = await c.get('/settings/tokens?x=1')
		expect(refused.status).toBe(302)
		expect(location(refused)).toBe('/login?redirectTo=%2Fsettings%2Ftokens%3Fx%3D1')
		const page = await (await c.get(location(refused))).text()
		expect(page).toContain('name="redirectTo" value="/settings/tokens?x=1"')
		const signedIn = await c.post('/login', { email, password: PASSWORD, redirectTo: '/settings/tokens?x=1' })
		expect(location(signedIn)).toBe('/settings/tokens?x=1')
	})

	it.each([
		'//evil.example/x',
		'/\\evil.example',
		'https://evil.example/',
		'/%0d%0aLocation:evil',
		['javascript', 'alert(1)'].join(':'),
	])('never redirects off the site (redirectTo=%s)', async redirectTo => {
		const { email } = await signUp(client(base))
		const response = await client(base).post('/login', { email, password: PASSWORD, redirectTo })
		expect(response.status).toBe(303)
		const target = location(response)
		expect(target.startsWith('/')).toBe(true)
		expect(target.startsWith('//')).toBe(false)
		expect(target).not.toMatch(/[\\\r\n]/)
		expect(new URL(target, base).origin).toBe(base)
	})

	it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and a new session id at every sign-in', async () => {
		const { email } = await signUp(client(base))
		const c = client(base)
		const first = await c.post('/login', { email, password: PASSWORD })
		const header = first.headers.getSetCookie().find(h => h.startsWith('gs_session=')) ?? ''
		expect(header).toMatch(/; HttpOnly/i)
		expect(header).toMatch(/; SameSite=Lax/i)
		expect(header).toMatch(/; Path=\//i)
		const before = c.jar.get('gs_session')
		const old = c.jar.copy()

		await c.post('/login', { email, password: PASSWORD })
		const after = c.jar.get('gs_session')
		expect(after).toBeTruthy()
		expect(after).not.toBe(before)
		// Signing in again from the same browser retires the session it had.
		expect((await client(base, old).get('/settings')).status).toBe(302)
		expect((await c.get('/settings')).status).toBe(200)
	})

	it('refuses a tampered cookie', async () => {
		await signUp(client(base))
		const c = client(base)
		c.jar.set('gs_session', 'ImFhYWFhYWFhLWFhYWEtNGFhYS04YWFhLWFhYWFhYWFhYWFhYSI%3D.forged')
		expect((await c.get('/settings')).status).toBe(302)
	})

	it('signs out for real: the old cookie is refused afterwards', async () => {
		const c = client(base)
		await signUp(c)
		const copied = c.jar.copy()
		expect((await c.get('/settings')).status).toBe(200)
		const out = await c.post('/logout', {})
		expect(out.status).toBe(303)
		expect(c.jar.get('gs_session')).toBeUndefined()
		const replayed = await client(base, copied).get('/settings')
		expect(replayed.status).toBe(302)
		expect(location(replayed)).toMatch(/^\/login/)
	})

	it('signs out everywhere, and one session at a time', async () => {
		const { email } = await signUp(client(base))
		const laptop = client(base)
		const phone = client(base)
		const tablet = client(base)
		for (const device of [laptop, phone, tablet]) await device.post('/login', { email, password: PASSWORD })

		const list = await (await laptop.get('/settings/sessions')).text()
		const ids = [...list.matchAll(/name="sessionId" value="([0-9a-f-]{36})"/g)].map(m => m[1])
		expect(ids.length).toBeGreaterThanOrEqual(3)
		expect(list).toContain('This device')

		// Sign the phone out from the laptop.
		const phoneId = currentSessionId(await (await phone.get('/settings/sessions')).text())
		expect(ids).toContain(phoneId)
		expect(currentSessionId(list)).not.toBe(phoneId)
		await laptop.post('/settings/sessions', { intent: 'revoke', sessionId: phoneId })
		expect((await phone.get('/settings')).status).toBe(302)
		expect((await laptop.get('/settings')).status).toBe(200)

		const everywhere = await laptop.post('/settings/sessions', { intent: 'revoke-all' })
		expect(everywhere.status).toBe(303)
		expect(location(everywhere)).toBe('/login')
		for (const device of [laptop, tablet]) expect((await device.get('/settings')).status).toBe(302)
	})

	it('changes the password with the current one, signing out the other sessions', async () => {
		const { email } = await signUp(client(base))
		const here = client(base)
		const elsewhere = client(base)
		await here.post('/login', { email, password: PASSWORD })
		await elsewhere.post('/login', { email, password: PASSWORD })

		const wrong = await here.post('/settings?index', {
			intent: 'password',
			currentPassword: 'nope nope nope',
			newPassword: 'a brand new passphrase',
		})
		expect(wrong.status).toBe(400)
		expect(await wrong.text()).toContain('That is not your current password.')

		const ok = await here.post('/settings?index', {
			intent: 'password',
			currentPassword: PASSWORD,
			newPassword: 'a brand new passphrase',
		})
		expect(ok.status).toBe(200)
		expect((await here.get('/settings')).status).toBe(200)
		expect((await elsewhere.get('/settings')).status).toBe(302)
		expect((await client(base).post('/login', { email, password: PASSWORD })).status).toBe(400)
		expect((await client(base).post('/login', { email, password: 'a brand new passphrase' })).status).toBe(303)
	})

	it('renames the profile and shows the new name at once', async () => {
		const c = client(base)
		await signUp(c, { name: 'Old Name' })
		const response = await c.post('/settings?index', { intent: 'profile', name: 'New Name' })
		expect(response.status).toBe(200)
		const html = await response.text()
		expect(html).toContain('Your name is saved.')
		// The header (root loader, run after the action) shows the new name too.
		expect(html).not.toContain('>Old Name<')
		expect(html).toContain('New Name')
	})

	it('accepts a personal API token on /api/ paths until it is revoked, and never on pages', async () => {
		const c = client(base)
		await signUp(c)
		const token = await createToken(c)
		const bearer = { Authorization: `Bearer ${token}` }

		const allowed = await fetch(`${base}${SOME_API_PATH}`, { headers: bearer })
		expect(allowed.status).not.toBe(401)
		const page = await fetch(`${base}/settings`, { headers: bearer, redirect: 'manual' })
		expect(page.status).toBe(302)

		const listed = await (await c.get('/settings/tokens')).text()
		expect(listed).toContain('last used')
		expect(listed).not.toContain(token)
		const tokenId = /name="tokenId" value="([0-9a-f-]{36})"/.exec(listed)?.[1] ?? ''
		expect((await c.post('/settings/tokens', { intent: 'revoke', tokenId })).status).toBe(303)

		const refused = await fetch(`${base}${SOME_API_PATH}`, { headers: bearer })
		expect(refused.status).toBe(401)
		expect(refused.headers.get('www-authenticate')).toBe('Bearer')
		const body = (await refused.json()) as { error: { code: string; requestId: string } }
		expect(body.error.code).toBe('unauthorized')
		expect(body.error.requestId).toBe(refused.headers.get('x-request-id'))

		const garbage = await fetch(`${base}${SOME_API_PATH}`, { headers: { Authorization: 'Bearer gs_nonsense' } })
		expect(garbage.status).toBe(401)
	})

	it('exports every row the user owns as a JSON download without secrets', async () => {
		const c = client(base)
		const { email } = await signUp(c)
		await createToken(c, 'exported')
		const response = await c.get('/settings/export')
		expect(response.headers.get('content-disposition')).toMatch(
			/^attachment; filename="generation-studio-export-\d{4}-\d{2}-\d{2}\.json"$/,
		)
		const text = await response.text()
		const archive = JSON.parse(text) as {
			user: { email: string }
			tables: Record<string, Array<Record<string, unknown>>>
		}
		expect(archive.user.email).toBe(email)
		expect(archive.tables.api_tokens?.[0]?.name).toBe('exported')
		expect(archive.tables.sessions?.length).toBeGreaterThan(0)
		expect(text).not.toContain('password_hash')
		expect(text).not.toContain('token_hash')
		expect(text).not.toContain('scrypt$')
	})

	it('shows a new token once, from the message after the redirect: a reload creates and shows nothing', async () => {
		const c = client(base)
		await signUp(c)
		const token = await createToken(c, 'once')
		const reload = await (await c.get('/settings/tokens')).text()
		expect(reload).not.toContain(token)
		expect(reload).not.toContain('created. Copy it now')
		expect(reload.match(/name="tokenId"/g)?.length).toBe(1)
	})

	it('revokes a token with an Undo that brings it back, and says so', async () => {
		const c = client(base)
		await signUp(c)
		const token = await createToken(c, 'undoable')
		const bearer = { Authorization: `Bearer ${token}` }
		const listed = await (await c.get('/settings/tokens')).text()
		const tokenId = /name="tokenId" value="([0-9a-f-]{36})"/.exec(listed)?.[1] ?? ''
		await c.post('/settings/tokens', { intent: 'revoke', tokenId })
		const after = await (await c.get('/settings/tokens')).text()
		expect(after).toContain('Token “undoable” revoked.')
		expect(after).toMatch(/<form[^>]*action="\/settings\/tokens"[^>]*data-undo-form/)
		expect((await fetch(`${base}${SOME_API_PATH}`, { headers: bearer })).status).toBe(401)
		const undone = await c.post('/settings/tokens', { intent: 'restore', tokenId })
		expect(location(undone)).toBe('/settings/tokens')
		expect(await (await c.get('/settings/tokens')).text()).toContain('Token restored')
		expect((await fetch(`${base}${SOME_API_PATH}`, { headers: bearer })).status).not.toBe(401)
	})

	it('deletes an account with a goodbye whose Undo restores it and signs this browser back in', async () => {
		const c = client(base)
		const { email } = await signUp(c)
		const { user } = await exportOf(c)
		const deleted = await c.post('/settings/account', { intent: 'delete', confirmEmail: email })
		expect(location(deleted)).toBe('/')
		const goodbye = await (await c.get('/')).text()
		expect(goodbye).toContain('Account deleted — goodbye.')
		const restoreToken = /name="restoreToken" value="(gs_[\w-]{43})"/.exec(goodbye)?.[1] ?? ''
		expect(restoreToken).not.toBe('')
		// The message is shown once.
		expect(await (await c.get('/')).text()).not.toContain('Account deleted')
		expect((await c.get('/settings')).status).toBe(302)

		const undone = await c.post('/account/restore', { restoreToken })
		expect(location(undone)).toBe('/settings')
		expect(await (await c.get('/settings')).text()).toContain('your account is restored')
		expect((await exportOf(c)).user.id).toBe(user.id)
		// Once only.
		const again = await client(base).post('/account/restore', { restoreToken })
		expect(location(again)).toBe('/')
	})

	it('deletes the account only when the e-mail is typed, and disables it at once', async () => {
		const c = client(base)
		const { email } = await signUp(c)
		const token = await createToken(c)

		const wrong = await c.post('/settings/account', { intent: 'delete', confirmEmail: 'someone@else.test' })
		expect(wrong.status).toBe(400)
		expect(await wrong.text()).toContain('Type the e-mail address of this account to confirm.')
		expect((await c.get('/settings')).status).toBe(200)

		const copied = c.jar.copy()
		const deleted = await c.post('/settings/account', { intent: 'delete', confirmEmail: ` ${email.toUpperCase()} ` })
		expect(deleted.status).toBe(303)
		expect(location(deleted)).toBe('/')
		expect((await client(base, copied).get('/settings')).status).toBe(302)
		expect((await fetch(`${base}${SOME_API_PATH}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401)
		expect((await client(base).post('/login', { email, password: PASSWORD })).status).toBe(400)
		// The rows go when the undo window is over (the purge: tests/integration/auth/accounts.test.ts).
	})

	it('puts the user id on the access log line of a signed-in request', async () => {
		const c = client(base)
		await signUp(c)
		const { user } = await exportOf(c)
		await c.get('/settings')
		// The access log line is written when the response finishes, which may be just after the client has it.
		const line = await waitFor('the access log line', () =>
			server
				.output()
				.split('\n')
				.find(l => l.includes('path=/settings ') && l.includes(user.id)),
		)
		expect(line).toContain(`user_id=${user.id}`)
	})
})
