/**
 * A model switched off in one process disappears from every other process's catalogue at once: the `models`
 * table's trigger notifies at commit and each process listens on its own connection (server/db/listen.ts),
 * reconnecting after the database drops it. Two processes on one database only exist on Postgres.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createServices, type Services } from '#server/services.ts'
import { createUser, type TestUser } from '#tests/support/database.ts'
import { startTestServices, type TestServices } from '#tests/support/services.ts'
import { waitFor } from '#tests/support/wait.ts'

const MODEL = 'offline:image'

describe('a model switch reaching other processes on Postgres', () => {
	if (!process.env.DATABASE_URL) {
		// Said, not silently absent: without DATABASE_URL this file runs no such test. CI sets it, so there it fails.
		test('needs DATABASE_URL, which is not set: not run here', () => {
			expect(process.env.CI, 'CI must set DATABASE_URL').toBeFalsy()
		})
		return
	}

	let t: TestServices
	let first: Services
	let second: Services
	let admin: TestUser

	beforeAll(async () => {
		t = await startTestServices('postgres', {}, { workers: false })
		first = t.services
		// Another process of the same deployment: its own services, pools and catalogue on the same database.
		second = await createServices(first.config)
		admin = await createUser(first.db, { role: 'admin' })
	})
	afterAll(async () => {
		await second?.close()
		await t?.dispose()
	})

	const enabledIn = (s: Services) => s.providers.list().find(m => m.id === MODEL)?.enabled

	test('switched off by an administrator in one process: the other stops offering it', async () => {
		expect(enabledIn(second)).toBe(true)
		expect(await first.admin.setModelEnabled({ id: admin.id, email: admin.email }, MODEL, false)).not.toHaveProperty(
			'refused',
		)
		await waitFor('the other process to see the model switched off', () => enabledIn(second) === false, {
			timeoutMs: 5000,
		})
		expect(() => second.providers.image(MODEL)).toThrow(/switched off by an administrator/)
	})

	test('a change made in SQL reaches both processes, also after the database dropped their listening connections', async () => {
		const { rows } = await first.db.privileged(tx =>
			tx.query<{ n: number }>(
				`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
				where application_name = 'notifications:models_changed' and datname = current_database()`,
			),
		)
		expect(rows[0]?.n).toBe(2)
		await first.db.privileged(tx => tx.query('update public.models set enabled = true where id = $1', [MODEL]))
		// Each reconnects within its first pause (1 s) and reloads, since what was sent meanwhile is lost.
		await waitFor('both processes to see the model switched on again', () => enabledIn(first) && enabledIn(second), {
			timeoutMs: 10_000,
		})
		await first.db.privileged(tx => tx.query('update public.models set enabled = false where id = $1', [MODEL]))
		await waitFor(
			'both to hear the next change on the new connections',
			() => !enabledIn(first) && !enabledIn(second),
			{
				timeoutMs: 5000,
			},
		)
	})
})
