/**
 * Administration on both drivers, through the real services: every change (role, budget, disable, enable, model
 * switch, job retry and discard) with its audit entry, each refused for someone who is not an administrator; the
 * last-administrator guard, also when two administrators demote each other at once; and the audit log's
 * immutability under row-level security (an administrator's own transaction cannot update or delete an entry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbErrorCode } from '#server/db/index.ts'
import { resolveModel } from '#server/domain/models/resolve.ts'
import type { Services } from '#server/services.ts'
import { createUser, testDrivers, type TestUser } from '#tests/support/database.ts'
import { startTestServices, type TestServices } from '#tests/support/services.ts'

const actorOf = (u: TestUser) => ({ id: u.id, email: u.email })

describe.each(testDrivers())('administration on %s', driver => {
	let t: TestServices
	let s: Services
	let admin: TestUser
	let user: TestUser

	beforeAll(async () => {
		t = await startTestServices(driver, {}, { workers: false })
		s = t.services
		admin = await createUser(s.db, { role: 'admin' })
		user = await createUser(s.db, { email: `person-${Date.now()}@example.test`, name: 'Pat Person' })
	})
	afterAll(async () => {
		await t?.dispose()
	})

	async function auditOf(targetId: string) {
		const { entries } = await s.admin.audit(admin)
		return entries.filter(e => e.targetId === targetId)
	}

	async function sessionsOf(userId: string): Promise<number> {
		const { rows } = await s.db.privileged(tx =>
			tx.query<{ n: number }>('select count(*)::int as n from sessions where user_id = $1', [userId]),
		)
		return Number(rows[0]?.n ?? 0)
	}

	it('lists accounts with search, status and this month’s spend against the budget', async () => {
		await s.db.privileged(tx =>
			tx.query(
				`insert into api_usage (user_id, provider, model, capability, cost_micros)
				values ($1, 'offline', 'offline:chat', 'chat', 1250000)`,
				[user.id],
			),
		)
		const found = await s.admin.listUsers({ q: 'pat person', status: 'all', page: 1 })
		expect(found.users.map(u => u.id)).toEqual([user.id])
		expect(found.users[0]).toMatchObject({ role: 'user', monthSpentMicros: 1_250_000, budgetUsd: null })
		expect(found.users[0]?.budgetMicros).toBe(s.config.monthlyBudgetUsd * 1_000_000)
		// `%` is searched for, not a wildcard.
		expect((await s.admin.listUsers({ q: '%', status: 'all', page: 1 })).total).toBe(0)
		expect((await s.admin.listUsers({ q: '', status: 'admins', page: 1 })).users.map(u => u.id)).toContain(admin.id)
	})

	it('sets a budget and changes a role, each with its audit entry (who, what, before, after)', async () => {
		expect(await s.admin.changeUser(actorOf(admin), { intent: 'budget', userId: user.id, budget: 12.5 })).toMatchObject(
			{
				message: expect.stringContaining('$12.50'),
			},
		)
		expect(
			await s.admin.changeUser(actorOf(admin), { intent: 'role', userId: user.id, role: 'admin' }),
		).not.toHaveProperty('refused')
		expect(
			await s.admin.changeUser(actorOf(admin), { intent: 'role', userId: user.id, role: 'user' }),
		).not.toHaveProperty('refused')
		const entries = await auditOf(user.id)
		expect(entries.map(e => e.action)).toEqual(['user.role', 'user.role', 'user.budget'])
		expect(entries[2]).toMatchObject({
			actorId: admin.id,
			actorEmail: admin.email,
			targetType: 'user',
			targetLabel: user.email,
			before: { monthlyBudgetUsd: null },
			after: { monthlyBudgetUsd: 12.5 },
		})
		expect(entries[1]).toMatchObject({ before: { role: 'user' }, after: { role: 'admin' } })
		const { rows } = await s.db.privileged(tx =>
			tx.query<{ role: string; budget: string }>('select role, monthly_budget_usd as budget from users where id = $1', [
				user.id,
			]),
		)
		expect(rows[0]).toMatchObject({ role: 'user' })
		expect(Number(rows[0]?.budget)).toBe(12.5)
	})

	it('disabling signs the account out everywhere and refuses its token and a new session; enabling undoes it', async () => {
		const request = (path: string, headers: Record<string, string> = {}) =>
			new Request(`http://studio.test${path}`, { headers })
		const email = `victim-${Date.now()}@example.test`
		const password = 'correct horse battery staple'
		// A session and an API token, made the way sign-up and settings make them.
		const signedUp = await s.auth.signUp(request('/signup'), { name: 'Victim', email, password, ip: '192.0.2.7' })
		if (!signedUp.ok) throw new Error('sign-up refused')
		const victim = signedUp.user
		expect(await sessionsOf(victim.id)).toBe(1)
		const token = await s.auth.createApiToken(victim, { name: 'cli', ip: '192.0.2.7' })
		if (!token.ok) throw new Error('no token')
		const cookie = (signedUp.headers.get('Set-Cookie') ?? '').split(';')[0] ?? ''
		expect((await s.auth.getUser(request('/chat', { Cookie: cookie })))?.id).toBe(victim.id)

		const disabled = await s.admin.changeUser(actorOf(admin), { intent: 'disable', userId: victim.id })
		expect(disabled).toMatchObject({ message: expect.stringContaining('signed out of 1 session') })
		expect(await sessionsOf(victim.id)).toBe(0)
		expect(await s.auth.getUser(request('/chat', { Cookie: cookie }))).toBeNull()
		expect(await s.auth.getUser(request('/api/models', { Authorization: `Bearer ${token.token}` }))).toBeNull()
		// The right password, and a clear answer instead of a session.
		expect(await s.auth.signIn(request('/login'), { email, password, ip: '192.0.2.7' })).toMatchObject({
			ok: false,
			formErrors: [expect.stringContaining('disabled by an administrator')],
		})
		expect(await sessionsOf(victim.id)).toBe(0)
		expect((await s.admin.listUsers({ q: victim.email, status: 'disabled', page: 1 })).total).toBe(1)

		expect(await s.admin.changeUser(actorOf(admin), { intent: 'enable', userId: victim.id })).not.toHaveProperty(
			'refused',
		)
		expect((await s.auth.getUser(request('/api/models', { Authorization: `Bearer ${token.token}` })))?.id).toBe(
			victim.id,
		)
		expect(await s.auth.signIn(request('/login'), { email, password, ip: '192.0.2.7' })).toMatchObject({ ok: true })
		const entries = await auditOf(victim.id)
		expect(entries.map(e => [e.action, e.before?.disabled, e.after?.disabled])).toEqual([
			['user.enable', true, false],
			['user.disable', false, true],
		])
	})

	it('refuses every change to someone who is not an administrator, and writes no audit entry', async () => {
		const other = await createUser(s.db)
		const before = (await s.admin.audit(admin)).entries.length
		for (const action of [
			{ intent: 'role', userId: other.id, role: 'admin' },
			{ intent: 'budget', userId: other.id, budget: 1 },
			{ intent: 'disable', userId: other.id },
			{ intent: 'enable', userId: other.id },
		] as const) {
			expect(await s.admin.changeUser(actorOf(user), action)).toMatchObject({ refused: true, status: 403 })
		}
		expect(await s.admin.setModelEnabled(actorOf(user), 'offline:image', false)).toMatchObject({ status: 403 })
		expect(
			await s.admin.jobAction(actorOf(user), {
				intent: 'discard',
				queue: 'chat.title',
				jobId: '00000000-0000-4000-8000-000000000000',
			}),
		).toMatchObject({ status: 403 })
		// The log reads nothing for a non-administrator (row-level security), and gained nothing.
		expect((await s.admin.audit(user)).entries).toEqual([])
		expect((await s.admin.audit(admin)).entries.length).toBe(before)
	})

	it('never leaves the deployment without an enabled administrator', async () => {
		const lone = await startTestServices(driver, {}, { workers: false })
		try {
			const a = lone.services.admin
			const only = await createUser(lone.services.db, { role: 'admin' })
			const second = await createUser(lone.services.db, { role: 'admin' })
			// Two administrators: either may be demoted or disabled, not both.
			expect(await a.changeUser(actorOf(only), { intent: 'disable', userId: second.id })).not.toHaveProperty('refused')
			expect(await a.changeUser(actorOf(only), { intent: 'role', userId: only.id, role: 'user' })).toMatchObject({
				status: 409,
				code: 'last_admin',
				message: expect.stringContaining('last administrator'),
			})
			expect(await a.changeUser(actorOf(only), { intent: 'disable', userId: only.id })).toMatchObject({ status: 409 })
			// A disabled administrator does not count, and cannot act.
			expect(await a.changeUser(actorOf(second), { intent: 'enable', userId: second.id })).toMatchObject({
				status: 403,
			})
			expect(await a.changeUser(actorOf(only), { intent: 'enable', userId: second.id })).not.toHaveProperty('refused')

			// Both demote each other at once: one wins, the other finds it is no longer an administrator.
			const results = await Promise.all([
				a.changeUser(actorOf(only), { intent: 'role', userId: second.id, role: 'user' }),
				a.changeUser(actorOf(second), { intent: 'role', userId: only.id, role: 'user' }),
			])
			expect(results.filter(r => 'refused' in r)).toHaveLength(1)
			const { rows } = await lone.services.db.privileged(tx =>
				tx.query<{ n: number }>("select count(*)::int as n from users where role = 'admin' and disabled_at is null"),
			)
			expect(rows[0]?.n).toBe(1)
		} finally {
			await lone.dispose()
		}
	})

	it('switches a model off everywhere at once: lists, the default, resolveModel and the provider call', async () => {
		const id = 'offline:image'
		expect(s.providers.list().find(m => m.id === id)).toMatchObject({ enabled: true, available: true })
		expect(await s.admin.setModelEnabled(actorOf(admin), id, false)).not.toHaveProperty('refused')
		expect(s.providers.list().find(m => m.id === id)).toMatchObject({ enabled: false, available: false })
		expect(resolveModel(s.providers, id, 'image')).toMatchObject({ refused: true, status: 400, code: 'model_disabled' })
		expect(() => s.providers.image(id)).toThrow(/switched off by an administrator/)
		// It was the only image model here: no default is offered instead of it.
		expect(() => s.providers.defaultModel('image')).toThrow(/No configured model can make images/)
		// The switch is in the table: a reload (another process starting) sees it, and a sync keeps it.
		await s.models.reload()
		expect(s.providers.list().find(m => m.id === id)?.enabled).toBe(false)
		await s.models.sync()
		expect(s.providers.list().find(m => m.id === id)?.enabled).toBe(false)

		expect(await s.admin.setModelEnabled(actorOf(admin), id, true)).not.toHaveProperty('refused')
		expect(resolveModel(s.providers, id, 'image')).toMatchObject({ id })
		expect((await auditOf(id)).map(e => [e.action, e.before, e.after])).toEqual([
			['model.enable', { enabled: false }, { enabled: true }],
			['model.disable', { enabled: true }, { enabled: false }],
		])
		expect(await s.admin.setModelEnabled(actorOf(admin), 'offline:nothing', false)).toMatchObject({ status: 404 })
	})

	it('reports readiness, queue depths and failed jobs; retries and discards a failed job, audited', async () => {
		const enqueue = () =>
			s.db.privileged(async tx => (await s.jobs.enqueue(tx, 'chat.title', { conversationId: 'x' })) ?? '')
		const [waiting, failing, doomed] = [await enqueue(), await enqueue(), await enqueue()]
		await s.db.privileged(tx =>
			tx.query(
				`update pgboss.job set state = 'failed', completed_on = now(), output = '{"message":"the provider said no"}'::jsonb
				where id = any($1::uuid[])`,
				[[failing, doomed]],
			),
		)
		const report = await s.admin.status()
		expect(report.readiness.checks.database?.ok).toBe(true)
		const queue = report.queues.find(q => q.name === 'chat.title')
		expect(queue).toMatchObject({ waiting: 1, failed: 2 })
		expect(queue?.oldestWaitingAt).toBeInstanceOf(Date)
		expect(report.failed.find(j => j.id === failing)).toMatchObject({
			name: 'chat.title',
			error: 'the provider said no',
		})
		expect(waiting).not.toBe('')

		expect(
			await s.admin.jobAction(actorOf(admin), { intent: 'retry', queue: 'chat.title', jobId: failing }),
		).not.toHaveProperty('refused')
		expect(
			await s.admin.jobAction(actorOf(admin), { intent: 'discard', queue: 'chat.title', jobId: doomed }),
		).not.toHaveProperty('refused')
		const { rows } = await s.db.privileged(tx =>
			tx.query<{ id: string; state: string }>('select id, state from pgboss.job where id = any($1::uuid[])', [
				[failing, doomed],
			]),
		)
		expect(rows).toEqual([{ id: failing, state: 'retry' }])
		// Neither is failed any more: a second try is a clear 404.
		expect(
			await s.admin.jobAction(actorOf(admin), { intent: 'retry', queue: 'chat.title', jobId: doomed }),
		).toMatchObject({ status: 404 })
		expect((await auditOf(`chat.title/${failing}`))[0]).toMatchObject({
			action: 'job.retry',
			before: { state: 'failed', error: 'the provider said no' },
			after: { state: 'retry' },
		})
		expect((await auditOf(`chat.title/${doomed}`))[0]).toMatchObject({ action: 'job.discard', after: null })
	})

	it('keeps the audit log append-only: an administrator’s own transaction cannot update or delete it', async () => {
		expect((await s.admin.audit(admin)).entries.length).toBeGreaterThan(0)
		for (const sql of ["update admin_audit set action = 'user.nothing'", 'delete from admin_audit']) {
			await expect(s.db.asUser(admin.id, tx => tx.query(sql))).rejects.toSatisfy(
				(e: unknown) => dbErrorCode(e) === '42501',
			)
		}
		await expect(
			s.db.asUser(admin.id, tx =>
				tx.query(
					`insert into admin_audit (actor_id, actor_email, action, target_type, target_id)
					values ($1, 'x@example.test', 'user.role', 'user', 'x')`,
					[admin.id],
				),
			),
		).rejects.toSatisfy((e: unknown) => dbErrorCode(e) === '42501')
		// Not even the privileged connection: a trigger refuses both.
		for (const sql of ["update admin_audit set action = 'user.nothing'", 'delete from admin_audit']) {
			await expect(s.db.privileged(tx => tx.query(sql))).rejects.toSatisfy((e: unknown) => dbErrorCode(e) === '42501')
		}
		const { rows } = await s.db.privileged(tx =>
			tx.query<{ n: number }>("select count(*)::int as n from admin_audit where action = 'user.nothing'"),
		)
		expect(rows[0]?.n).toBe(0)
	})
})
