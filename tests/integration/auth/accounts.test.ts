/**
 * The auth service on a real database (PGlite always, Postgres when DATABASE_URL is set): the first account is
 * the administrator even when two sign up at once, sessions end when idle or old, API tokens record their use,
 * provider identities link by verified e-mail only, deleting an account disables it at once, can be undone for
 * the undo window, and its purge leaves no row in any table and no stored file; a recently seen session is
 * served from memory yet revoked at once by every way of ending it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuth, type Auth } from '#server/auth/index.ts'
import { resolveProviderUser } from '#server/auth/accounts.ts'
import { SESSION_CACHE_TTL_MS, SessionCache } from '#server/auth/session-cache.ts'
import { createJobs, type Jobs } from '#server/jobs/index.ts'
import { createLimits, type Limits } from '#server/limits/index.ts'
import { createStorage } from '#server/storage/index.ts'
import { OWNED_TABLES, publicTables, seedGraph, SHARED_TABLES } from '#tests/integration/db/graph.ts'
import { createTestDb, testDrivers, type TestDb } from '#tests/support/database.ts'
import { png } from '#tests/support/samples.ts'
import { PASSWORD } from '#tests/support/http-auth.ts'
import { sessionCookie, signUpThrough } from '#tests/support/auth-service.ts'

const BASE = 'http://studio.test'
let counter = 0
const email = (label: string) => `${label}-${++counter}-${Date.now()}@example.test`

const cookieOf = sessionCookie

const page = (path: string, cookie: string, extra: Record<string, string> = {}) =>
	new Request(`${BASE}${path}`, { headers: { Cookie: cookie, ...extra } })

describe.each(testDrivers())('the auth service on %s', driver => {
	let t: TestDb
	let auth: Auth
	let limits: Limits
	let jobs: Jobs
	const storage = () => createStorage(t.config)

	/** Moves a deletion back past the undo window, as if its time were up. */
	async function expireUndoWindow(userId: string) {
		await t.db.privileged(tx =>
			tx.query("update users set deleted_at = now() - interval '31 seconds' where id = $1", [userId]),
		)
	}

	async function newToken(user: { id: string; email: string; name: string; role: 'admin' | 'user' }, name: string) {
		const created = await auth.createApiToken(user, { name, ip: '192.0.2.1' })
		if (!created.ok) throw new Error(created.message)
		return created
	}

	const signUp = (label: string, through: Auth = auth) => signUpThrough(through, { name: label, email: email(label) })

	beforeAll(async () => {
		t = await createTestDb(driver)
		// Many accounts from one test address: only the sign-up limit is raised (its accounting has its own test).
		limits = await createLimits({ redisUrl: null, overrides: { signup: { points: 1000, durationSeconds: 3600 } } })
		jobs = await createJobs(t.db)
		await jobs.start()
		// Most tests here change rows behind the service's back, so this one reads the database every time; the
		// session cache has its own test below.
		auth = await createAuth({
			config: t.config,
			db: t.db,
			jobs,
			limits,
			storage: storage(),
			sessionCache: new SessionCache(0),
		})
	})
	afterAll(async () => {
		await jobs?.stop()
		await limits?.close()
		await t?.dispose()
	})

	it('makes exactly one administrator when the first two accounts sign up at once', async () => {
		const results = await Promise.all(
			['first', 'second', 'third'].map(label =>
				auth.signUp(new Request(`${BASE}/signup`), {
					name: label,
					email: email(label),
					password: PASSWORD,
					ip: '192.0.2.1',
				}),
			),
		)
		const roles = results.map(r => (r.ok ? r.user.role : 'refused'))
		expect(roles.filter(r => r === 'admin')).toHaveLength(1)
		expect(roles.filter(r => r === 'user')).toHaveLength(2)
	})

	it('lets only administrators past requireAdmin, with 403 for the others', async () => {
		const admin = await signUp('promoted')
		await t.db.privileged(tx => tx.query("update users set role = 'admin' where id = $1", [admin.user.id]))
		expect(await auth.requireAdmin(page('/api/admin', admin.cookie))).toMatchObject({ role: 'admin' })
		const { cookie } = await signUp('plain')
		const refused: unknown = await auth.requireAdmin(page('/api/admin', cookie)).catch((e: unknown) => e)
		expect(refused).toBeInstanceOf(Response)
		expect((refused as Response).status).toBe(403)
		expect(await (refused as Response).json()).toMatchObject({ error: { code: 'forbidden' } })
		const anonymous: unknown = await auth.requireAdmin(page('/admin', '')).catch((e: unknown) => e)
		expect((anonymous as Response).status).toBe(302)
	})

	it('stores a scrypt hash, never the password', async () => {
		const { user } = await signUp('hashed')
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ password_hash: string }>('select password_hash from users where id = $1', [user.id]),
		)
		expect(rows[0]?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
		expect(rows[0]?.password_hash).not.toContain(PASSWORD)
	})

	it('ends a session after the idle limit and after the absolute limit, and keeps an active one alive', async () => {
		const { user, cookie } = await signUp('expiry')
		expect(await auth.getUser(page('/', cookie))).toMatchObject({ id: user.id })
		const sessionId = (await auth.listSessions(page('/', cookie), user))[0]?.id
		const set = (sql: string) => t.db.privileged(tx => tx.query(sql, [sessionId]))

		// Seen 10 minutes ago: still valid, and the visit moves last_seen_at forward.
		await set("update sessions set last_seen_at = now() - interval '10 minutes' where id = $1")
		expect(await auth.getUser(page('/', cookie))).not.toBeNull()
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ idle: boolean }>(
				"select last_seen_at > now() - interval '1 minute' as idle from sessions where id = $1",
				[sessionId],
			),
		)
		expect(rows[0]?.idle).toBe(true)

		await set(
			`update sessions set last_seen_at = now() - interval '${t.config.session.idleDays} days 1 minute' where id = $1`,
		)
		expect(await auth.getUser(page('/', cookie))).toBeNull()

		const second = await auth.signIn(new Request(`${BASE}/login`), {
			email: user.email,
			password: PASSWORD,
			ip: '192.0.2.1',
		})
		if (!second.ok) throw new Error('sign-in refused')
		const fresh = cookieOf(second.headers)
		expect(await auth.getUser(page('/', fresh))).not.toBeNull()
		await t.db.privileged(tx =>
			tx.query("update sessions set expires_at = now() - interval '1 second' where user_id = $1", [user.id]),
		)
		expect(await auth.getUser(page('/', fresh))).toBeNull()
	})

	it('accepts a bearer token on /api/ paths only, records its last use, and forgets it when revoked', async () => {
		const { user } = await signUp('tokens')
		const { token, info } = await newToken(user, 'cli')
		expect(info.lastUsedAt).toBeNull()
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ token_hash: string }>('select token_hash from api_tokens where id = $1', [info.id]),
		)
		expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/)
		expect(rows[0]?.token_hash).not.toContain(token)

		const api = new Request(`${BASE}/api/anything`, { headers: { Authorization: `Bearer ${token}` } })
		expect(await auth.getUser(api)).toMatchObject({ id: user.id })
		expect(
			await auth.getUser(new Request(`${BASE}/settings`, { headers: { Authorization: `Bearer ${token}` } })),
		).toBeNull()
		expect((await auth.listApiTokens(user))[0]?.lastUsedAt).not.toBeNull()

		expect(await auth.revokeApiToken(user, info.id)).toBe('cli')
		expect(await auth.getUser(api)).toBeNull()
		await expect(auth.requireUser(api)).rejects.toMatchObject({ status: 401 })
	})

	it('refuses the eleventh token in an hour, saying how long to wait', async () => {
		const { user } = await signUp('many-tokens')
		for (let i = 0; i < 10; i++) await auth.createApiToken(user, { name: `t${i}`, ip: '192.0.2.1' })
		const refused = await auth.createApiToken(user, { name: 'one too many', ip: '192.0.2.1' })
		if (refused.ok) throw new Error('the eleventh token was created')
		expect(refused.message).toMatch(/^Too many API tokens created\. Please try again in about \d+ (minute|hour)s?\.$/)
		expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(0)
		expect((await auth.listApiTokens(user)).length).toBe(10)
	})

	it('links provider identities by verified e-mail only, and one identity to one account', async () => {
		const { user } = await signUp('owner')
		const profile = { provider: 'github' as const, providerUserId: `gh-${counter}`, name: 'Owner' }
		expect(await resolveProviderUser(t.db, { ...profile, verifiedEmail: null }, null)).toMatchObject({ ok: false })
		expect(
			await resolveProviderUser(t.db, { ...profile, verifiedEmail: user.email.toUpperCase() }, null),
		).toMatchObject({
			ok: true,
			created: false,
			user: { id: user.id },
		})
		// Known identity: the same account, whatever e-mail the provider reports now.
		expect(await resolveProviderUser(t.db, { ...profile, verifiedEmail: 'changed@example.test' }, null)).toMatchObject({
			ok: true,
			user: { id: user.id },
		})
		const { user: other } = await signUp('other')
		expect(await resolveProviderUser(t.db, { ...profile, verifiedEmail: null }, other)).toMatchObject({ ok: false })
		const created = await resolveProviderUser(
			t.db,
			{ provider: 'google', providerUserId: `g-${counter}`, name: 'New', verifiedEmail: email('new') },
			null,
		)
		expect(created).toMatchObject({ ok: true, created: true, user: { role: 'user' } })
	})

	it('deletes an account with every row it owns, in every table, and every stored file', async () => {
		const tables = await publicTables(t.db)
		// The graph covers every user-data table; a new table must be added there (the db suite enforces it too).
		expect(
			tables.filter(n => !SHARED_TABLES.includes(n as (typeof SHARED_TABLES)[number]) && !OWNED_TABLES[n]),
		).toEqual([])

		const { user, cookie } = await signUp('doomed')
		const { user: bystander } = await signUp('bystander')
		await seedGraph(t.db, user.id)
		await seedGraph(t.db, bystander.id)
		await auth.createApiToken(user, { name: 'cli', ip: '192.0.2.1' })
		const files = storage()
		const stored = await files.put({ bucket: 'media', userId: user.id, data: png(), contentType: 'image/png' })
		const kept = await files.put({ bucket: 'media', userId: bystander.id, data: png(), contentType: 'image/png' })

		const before = await auth.exportData(user)
		for (const table of Object.keys(OWNED_TABLES).filter(n => n !== 'users')) {
			expect(before.tables[table]?.length, table).toBeGreaterThan(0)
		}

		const refused = await auth.deleteAccount(page('/settings/account', cookie), user, {
			confirmEmail: 'wrong@example.test',
		})
		expect(refused.ok).toBe(false)
		const done = await auth.deleteAccount(page('/settings/account', cookie), user, { confirmEmail: user.email })
		expect(done.ok).toBe(true)
		// Disabled at once: signed out everywhere, and no sign-in until an undo.
		expect(await auth.getUser(page('/', cookie))).toBeNull()
		expect(
			await auth.signIn(new Request(`${BASE}/login`), { email: user.email, password: PASSWORD, ip: '192.0.2.1' }),
		).toMatchObject({ ok: false })
		// Its purge is queued for when the undo window closes.
		const { rows: queued } = await t.db.privileged(tx =>
			tx.query<{ seconds: number }>(
				`select extract(epoch from start_after - created_on)::int as seconds from pgboss.job
				where name = 'purge.deleted' and data->>'kind' = 'account' and data->>'id' = $1`,
				[user.id],
			),
		)
		expect(queued.map(r => r.seconds)).toEqual([30])
		// Too early, the purge leaves everything as it is.
		await auth.purgeAccount(user.id)
		expect((await auth.exportData(user)).tables.conversations?.length).toBeGreaterThan(0)
		await expireUndoWindow(user.id)
		await auth.purgeAccount(user.id)

		for (const table of tables) {
			const owner = OWNED_TABLES[table]?.owner
			if (!owner) continue
			const { rows } = await t.db.privileged(tx =>
				tx.query<{ n: number }>(`select count(*)::int as n from public.${table} where ${owner} = $1`, [user.id]),
			)
			expect(rows[0]?.n, `${table} rows left for the deleted user`).toBe(0)
		}
		await expect(files.get('media', stored.key)).rejects.toThrow()
		expect((await files.get('media', kept.key)).size).toBe(kept.size)
		expect((await auth.exportData(bystander)).tables.conversations?.length).toBeGreaterThan(0)
		expect(await auth.getUser(page('/', cookie))).toBeNull()
	})

	it('serves a recently seen session from memory for a bounded time, and forgets it at once when it ends here', async () => {
		let now = Date.now()
		const cached = await createAuth({
			config: t.config,
			db: t.db,
			jobs,
			limits,
			storage: storage(),
			sessionCache: new SessionCache(SESSION_CACHE_TTL_MS, () => now),
		})
		const signUpHere = (label: string) => signUp(label, cached)
		const signInHere = async (address: string) => {
			const result = await cached.signIn(new Request(`${BASE}/login`), {
				email: address,
				password: PASSWORD,
				ip: '192.0.2.1',
			})
			if (!result.ok) throw new Error('sign-in refused')
			return cookieOf(result.headers)
		}
		const seen = (cookie: string) => cached.getUser(page('/', cookie))

		// Another process revokes the row: this one answers from memory until the entry's lifetime is over.
		const { user, cookie } = await signUpHere('cached')
		expect(await seen(cookie)).toMatchObject({ id: user.id })
		await t.db.privileged(tx => tx.query('delete from sessions where user_id = $1', [user.id]))
		now += SESSION_CACHE_TTL_MS - 1
		expect(await seen(cookie)).toMatchObject({ id: user.id })
		now += 1
		expect(await seen(cookie)).toBeNull()

		// Every way of ending or changing a session in this process takes effect on the next request.
		const a = await signInHere(user.email)
		const b = await signInHere(user.email)
		expect(await seen(a)).not.toBeNull()
		expect(await seen(b)).not.toBeNull()
		const [sessionB] = (await cached.listSessions(page('/', a), user)).filter(s => !s.current)
		await cached.revokeSession(page('/settings/sessions', a), user, sessionB?.id ?? '')
		expect(await seen(b)).toBeNull()
		expect(await seen(a)).not.toBeNull()

		const c = await signInHere(user.email)
		expect(await seen(c)).not.toBeNull()
		await cached.changePassword(page('/settings/account', a), user, {
			currentPassword: PASSWORD,
			newPassword: `${PASSWORD}!`,
		})
		expect(await seen(c)).toBeNull()
		expect(await seen(a)).not.toBeNull()

		await cached.updateProfile(page('/settings', a), user, { name: 'Renamed' })
		expect(await seen(a)).toMatchObject({ name: 'Renamed' })

		await cached.signOut(page('/logout', a))
		expect(await seen(a)).toBeNull()

		const d = await signInHere(user.email).catch(() => null)
		expect(d).toBeNull() // the password changed
		const e = await cached.signIn(new Request(`${BASE}/login`), {
			email: user.email,
			password: `${PASSWORD}!`,
			ip: '192.0.2.1',
		})
		if (!e.ok) throw new Error('sign-in refused')
		const f = cookieOf(e.headers)
		expect(await seen(f)).not.toBeNull()
		await cached.signOutEverywhere(page('/settings/sessions', f), user, { keepTokens: true })
		expect(await seen(f)).toBeNull()
	})

	it('undoes an account deletion within the window with its credential, and only then', async () => {
		const { user, cookie } = await signUp('regretful')
		await seedGraph(t.db, user.id)
		const done = await auth.deleteAccount(page('/settings/account', cookie), user, { confirmEmail: user.email })
		if (!done.ok) throw new Error('deletion refused')
		expect(await auth.restoreAccount(page('/', ''), { restoreToken: 'gs_wrong', ip: '192.0.2.1' })).toEqual({
			ok: false,
		})
		const restored = await auth.restoreAccount(page('/', ''), { restoreToken: done.restoreToken, ip: '192.0.2.1' })
		if (!restored.ok) throw new Error('restore refused')
		expect(restored.user.id).toBe(user.id)
		// Signed in again on this browser, with everything still there; the purge that was queued changes nothing.
		expect(await auth.getUser(page('/', cookieOf(restored.headers)))).toMatchObject({ id: user.id })
		await auth.purgeAccount(user.id)
		expect((await auth.exportData(user)).tables.conversations?.length).toBeGreaterThan(0)
		// The credential works once.
		expect(await auth.restoreAccount(page('/', ''), { restoreToken: done.restoreToken, ip: '192.0.2.1' })).toEqual({
			ok: false,
		})

		// After the window, the same credential no longer restores, and the purge goes ahead.
		const again = await auth.deleteAccount(page('/', cookieOf(restored.headers)), user, { confirmEmail: user.email })
		if (!again.ok) throw new Error('second deletion refused')
		await expireUndoWindow(user.id)
		expect(await auth.restoreAccount(page('/', ''), { restoreToken: again.restoreToken, ip: '192.0.2.1' })).toEqual({
			ok: false,
		})
		await auth.purgeAccount(user.id)
		const left = await t.db.privileged(tx => tx.query('select 1 from users where id = $1', [user.id]))
		expect(left.rowCount).toBe(0)
		// The address is free again, for a new account with a new id.
		const reused = await auth.signUp(new Request(`${BASE}/signup`), {
			name: 'again',
			email: user.email,
			password: PASSWORD,
			ip: '192.0.2.1',
		})
		expect(reused.ok && reused.user.id !== user.id).toBe(true)
	})

	it('counts only accounts created against the sign-up limit: a taken e-mail gives its point back', async () => {
		const strict = await createLimits({ redisUrl: null, overrides: { signup: { points: 2, durationSeconds: 3600 } } })
		try {
			const strictAuth = await createAuth({ config: t.config, db: t.db, jobs, limits: strict, storage: storage() })
			const attempt = (address: string) =>
				strictAuth.signUp(new Request(`${BASE}/signup`), {
					name: 'Counted',
					email: address,
					password: PASSWORD,
					ip: '198.51.100.20',
				})
			const taken = email('taken')
			expect((await attempt(taken)).ok).toBe(true)
			for (let i = 0; i < 3; i++) {
				expect(await attempt(taken)).toMatchObject({ ok: false, fields: { email: [expect.any(String)] } })
			}
			expect((await attempt(email('second'))).ok).toBe(true)
			const refused = await attempt(email('third'))
			expect(refused).toMatchObject({ ok: false, fields: {} })
			if (refused.ok) throw new Error('a third account was created')
			expect(refused.formErrors[0]).toMatch(/^Too many accounts created from this network\. Please try again in about/)
			expect(refused.retryAfterSeconds).toBeGreaterThan(0)
		} finally {
			await strict.close()
		}
	})

	it('revokes an API token at once, undoably, and purges it after the window', async () => {
		const { user } = await signUp('token-undo')
		const { token, info } = await newToken(user, 'cli')
		const api = new Request(`${BASE}/api/models`, { headers: { Authorization: `Bearer ${token}` } })
		expect(await auth.revokeApiToken(user, info.id)).toBe('cli')
		expect(await auth.getUser(api.clone())).toBeNull()
		expect((await auth.listApiTokens(user)).map(x => x.id)).not.toContain(info.id)
		expect(await auth.restoreApiToken(user, info.id)).toBe(true)
		expect(await auth.getUser(api.clone())).toMatchObject({ id: user.id })

		expect(await auth.revokeApiToken(user, info.id)).toBe('cli')
		await auth.purgeApiToken(info.id)
		const kept = await t.db.privileged(tx => tx.query('select 1 from api_tokens where id = $1', [info.id]))
		expect(kept.rowCount, 'purged before its window was over').toBe(1)
		await t.db.privileged(tx =>
			tx.query("update api_tokens set revoked_at = now() - interval '31 seconds' where id = $1", [info.id]),
		)
		expect(await auth.restoreApiToken(user, info.id)).toBe(false)
		await auth.purgeApiToken(info.id)
		const gone = await t.db.privileged(tx => tx.query('select 1 from api_tokens where id = $1', [info.id]))
		expect(gone.rowCount).toBe(0)
	})
})
