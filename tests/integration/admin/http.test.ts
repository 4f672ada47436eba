/**
 * Administration through the built server, on both drivers, the way a browser without JavaScript uses it: every
 * admin page and action refused (403) to a signed-in user who is not an administrator; an administrator's
 * changes as form posts that redirect; a disabled account's cookie and API token refused at once and its sign-in
 * told why; the last administrator kept; a model switched off gone from a studio form and refused by the API.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { testDrivers } from '#tests/support/database.ts'
import {
	client,
	createToken,
	location,
	MANY_SIGNUPS,
	PASSWORD,
	signUp,
	type Client,
	useServerOn,
} from '../auth/helpers.ts'

const PAGES = ['/admin', '/admin/users', '/admin/models', '/admin/status', '/admin/audit']
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000'

describe.each(testDrivers())('administration over HTTP (%s)', driver => {
	const t = useServerOn(driver, {
		RATE_LIMITS: `${MANY_SIGNUPS.RATE_LIMITS},api_token=1000/3600,admin=1000/60,admin_read=1000/60`,
	})
	let admin: Client
	let adminEmail: string

	beforeAll(async () => {
		admin = client(t.server.url)
		adminEmail = (await signUp(admin)).email // the first account is the administrator
	})

	async function person(): Promise<{ c: Client; email: string; id: string }> {
		const c = client(t.server.url)
		const { email } = await signUp(c)
		const page = await (await admin.get(`/admin/users?q=${encodeURIComponent(email)}`)).text()
		const id = /data-user-id="([0-9a-f-]{36})"/.exec(page)?.[1]
		if (!id) throw new Error(`${email} is not in the user list`)
		return { c, email, id }
	}

	it('answers 403 to a user who is not an administrator, on every page and action', async () => {
		const { c, id } = await person()
		for (const path of PAGES) expect((await c.get(path)).status, path).toBe(403)
		const posts: Array<[string, Record<string, string>]> = [
			['/admin/users', { intent: 'role', userId: id, role: 'admin' }],
			['/admin/users', { intent: 'disable', userId: id }],
			['/admin/models', { intent: 'disable', modelId: 'offline:image' }],
			['/admin/models', { intent: 'sync' }],
			['/admin/status', { intent: 'retry', queue: 'chat.title', jobId: SAMPLE_ID }],
		]
		for (const [path, form] of posts) expect((await c.post(path, form)).status, path).toBe(403)
		// Nothing changed: still a user, the model still offered.
		expect(await (await admin.get(`/admin/users?status=admins`)).text()).not.toContain(`data-user-id="${id}"`)
		const { models } = (await (await fetch(`${t.server.url}/api/models`)).json()) as { models: Array<{ id: string }> }
		expect(models.map(m => m.id)).toContain('offline:image')
	})

	it('shows an administrator every section', async () => {
		expect(location(await admin.get('/admin'))).toBe('/admin/users')
		const expectations: Record<string, string> = {
			'/admin/users': adminEmail,
			'/admin/models': 'offline:image',
			'/admin/status': 'chat.title',
			'/admin/audit': 'Audit log',
		}
		for (const [path, text] of Object.entries(expectations)) {
			const response = await admin.get(path)
			expect(response.status, path).toBe(200)
			expect(await response.text(), path).toContain(text)
		}
	})

	it('disables an account: its session and its API token are refused at once, and signing in says why', async () => {
		const { c, email, id } = await person()
		const token = await createToken(c)
		const api = () =>
			fetch(`${t.server.url}/api/generations/${SAMPLE_ID}`, { headers: { Authorization: `Bearer ${token}` } })
		expect((await api()).status).toBe(404)
		expect((await c.get('/chat')).status).toBe(200)

		const disabled = await admin.post('/admin/users', { intent: 'disable', userId: id })
		expect(disabled.status).toBe(303)
		expect(await (await admin.get(location(disabled))).text()).toContain(`${email} is disabled`)

		expect(location(await c.get('/chat'))).toMatch(/^\/login/)
		const refused = await api()
		expect(refused.status).toBe(403)
		expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
			code: 'account_disabled',
			message: expect.stringContaining('disabled by an administrator'),
		})
		const again = client(t.server.url)
		const signIn = await again.post('/login', { email, password: PASSWORD })
		expect(signIn.status).toBe(400)
		expect(await signIn.text()).toContain('disabled by an administrator')

		expect((await admin.post('/admin/users', { intent: 'enable', userId: id })).status).toBe(303)
		expect((await api()).status).toBe(404)
		expect((await again.post('/login', { email, password: PASSWORD })).status).toBe(303)
	})

	it('sets a budget and a role by form, and refuses a bad budget beside its field', async () => {
		const { id } = await person()
		const bad = await admin.post('/admin/users', { intent: 'budget', userId: id, budget: 'lots' })
		expect(bad.status).toBe(400)
		expect(await bad.text()).toContain('Enter an amount in dollars')
		expect((await admin.post('/admin/users', { intent: 'budget', userId: id, budget: '7.25' })).status).toBe(303)
		expect((await admin.post('/admin/users', { intent: 'role', userId: id, role: 'admin' })).status).toBe(303)
		expect(await (await admin.get('/admin/users?status=admins')).text()).toContain(`data-user-id="${id}"`)
		expect((await admin.post('/admin/users', { intent: 'role', userId: id, role: 'user' })).status).toBe(303)
		const audit = await (await admin.get('/admin/audit')).text()
		expect(audit).toContain('monthlyBudgetUsd: — → 7.25')
		expect(audit).toContain('role: user → admin')
	})

	it('keeps the last administrator: demoting or disabling them is a 409 with a clear message', async () => {
		const page = await (await admin.get('/admin/users?status=admins')).text()
		const me = /data-user-id="([0-9a-f-]{36})"/.exec(page)?.[1] ?? ''
		const demote = await admin.post('/admin/users', { intent: 'role', userId: me, role: 'user' })
		expect(demote.status).toBe(409)
		expect(await demote.text()).toContain('is the last administrator')
		expect((await admin.post('/admin/users', { intent: 'disable', userId: me })).status).toBe(409)
		expect((await admin.get('/admin/users')).status).toBe(200)
	})

	it('switches a model off: gone from the studio form and /api/models, refused by the API; back on again', async () => {
		const { c } = await person()
		const token = await createToken(c)
		const generate = () =>
			fetch(`${t.server.url}/api/generate/image`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ prompt: 'a lighthouse', model: 'offline:image' }),
			})
		expect(await (await c.get('/images')).text()).toContain('value="offline:image"')

		const off = await admin.post('/admin/models', { intent: 'disable', modelId: 'offline:image' })
		expect(off.status).toBe(303)
		expect(await (await c.get('/images')).text()).not.toContain('value="offline:image"')
		const { models } = (await (await fetch(`${t.server.url}/api/models`)).json()) as { models: Array<{ id: string }> }
		expect(models.map(m => m.id)).not.toContain('offline:image')
		const refused = await generate()
		expect(refused.status).toBe(400)
		expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('model_disabled')

		expect((await admin.post('/admin/models', { intent: 'enable', modelId: 'offline:image' })).status).toBe(303)
		expect((await generate()).status).toBe(202)
		const audit = await (await admin.get('/admin/audit')).text()
		expect(audit).toContain('switched off')
		expect(audit).toContain('switched on')
	})
})
