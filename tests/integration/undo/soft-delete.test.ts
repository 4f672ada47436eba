/**
 * Undo of destructive actions on the services as production wires them, on PGlite and (with DATABASE_URL)
 * Postgres, with the job engine running: a deleted chat or generation leaves every read at once, comes back
 * with Undo while the window is open, and is purged by the `purge.deleted` job (queued 30 seconds ahead in the
 * deleting transaction) with its files, never before its window is over.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Refusal } from '#server/domain/refusal.ts'
import { UNDO_SECONDS } from '#server/domain/undo/index.ts'
import type { Services } from '#server/services.ts'
import { createUser, testDrivers } from '#tests/support/database.ts'
import { startTestServices, type TestServices } from '#tests/support/services.ts'
import { waitFor } from '#tests/support/wait.ts'

function ok<T>(value: T | Refusal): T {
	if (typeof value === 'object' && value !== null && 'refused' in value) throw new Error(`refused: ${value.message}`)
	return value
}

describe.each(testDrivers())('undo and purge on %s', driver => {
	let t: TestServices
	let services: Services

	async function count(sql: string, params: unknown[]): Promise<number> {
		return (await services.db.privileged(tx => tx.query(sql, params))).rowCount
	}

	/** The purge jobs queued for a row: how far ahead of their creation each one starts. */
	async function queuedPurges(id: string): Promise<number[]> {
		const { rows } = await services.db.privileged(tx =>
			tx.query<{ seconds: number }>(
				`select extract(epoch from start_after - created_on)::int as seconds from pgboss.job
				 where name = 'purge.deleted' and data->>'id' = $1 and state = 'created'`,
				[id],
			),
		)
		return rows.map(r => r.seconds)
	}

	/** As if the undo window were over: the mark moves back, and the queued purge is due now. */
	async function expire(table: 'conversations' | 'generations', id: string) {
		await services.db.privileged(async tx => {
			await tx.query(
				`update public.${table} set deleted_at = now() - interval '${UNDO_SECONDS + 1} seconds' where id = $1`,
				[id],
			)
			await tx.query(`update pgboss.job set start_after = now() where name = 'purge.deleted' and data->>'id' = $1`, [
				id,
			])
		})
		services.jobs.wake('purge.deleted')
	}

	beforeAll(async () => {
		t = await startTestServices(driver)
		services = t.services
		// Starting the whole service set (migrations, job engine) on a loaded machine can take a while.
	}, 180_000)
	afterAll(async () => {
		await t?.dispose()
	})

	test('a deleted chat leaves the list and its page at once, comes back with Undo, and is purged after the window', async () => {
		const { chat } = services
		const user = await createUser(services.db)
		const other = await createUser(services.db)
		const kept = ok(await chat.create(user, { model: 'offline:chat', title: 'Kept' }))
		const doomed = ok(await chat.create(user, { model: 'offline:chat', title: 'Doomed' }))
		ok(await chat.send(user, doomed.id, { content: 'Remember the milk' }, { wait: true }))

		// Another user cannot delete it, nor undo a deletion of it.
		expect(await chat.remove(other, doomed.id)).toMatchObject({ refused: true, status: 404 })
		expect(await chat.remove(user, doomed.id)).toBe(true)
		expect(await queuedPurges(doomed.id)).toEqual([UNDO_SECONDS])
		expect((await chat.list(user)).items.map(i => i.title)).toEqual(['Kept'])
		expect((await chat.list(user, { query: 'milk' })).items).toEqual([])
		expect(await chat.get(user, doomed.id)).toMatchObject({ refused: true, status: 404 })
		expect(await chat.thread(user, doomed.id)).toMatchObject({ refused: true, status: 404 })
		expect(await chat.rename(user, doomed.id, 'Renamed')).toMatchObject({ refused: true, status: 404 })
		expect(await chat.restore(other, doomed.id)).toMatchObject({ refused: true })

		expect(await chat.restore(user, doomed.id)).toBe(true)
		expect((await chat.list(user)).items.map(i => i.title).sort()).toEqual(['Doomed', 'Kept'])
		// The purge queued by the first deletion finds it restored and leaves it alone.
		await chat.purge(doomed.id)
		expect(await count('select 1 from public.conversations where id = $1', [doomed.id])).toBe(1)

		// Deleted again, and this time the window runs out: Undo is refused and the job purges it.
		expect(await chat.remove(user, doomed.id)).toBe(true)
		await chat.purge(doomed.id)
		expect(await count('select 1 from public.conversations where id = $1', [doomed.id]), 'purged early').toBe(1)
		await expire('conversations', doomed.id)
		expect(await chat.restore(user, doomed.id)).toMatchObject({ refused: true, code: 'too_late' })
		await waitFor(
			'the purge job',
			async () => (await count('select 1 from public.conversations where id = $1', [doomed.id])) === 0,
			{ timeoutMs: 20_000 },
		)
		expect(await count('select 1 from public.messages where conversation_id = $1', [doomed.id])).toBe(0)
		expect(ok(await chat.get(user, kept.id)).title).toBe('Kept')
	})

	test('a deleted generation leaves the studio at once, comes back with Undo, and is purged with its files', async () => {
		const { generations, storage } = services
		const user = await createUser(services.db)
		const created = ok(
			await generations.create(user, {
				kind: 'image',
				prompt: 'A lighthouse at dawn',
				model: 'offline:image',
				size: '512x512',
				n: 1,
			}),
		)
		const id = created.generation.id
		await waitFor('the generation', async () => ok(await generations.get(user, id)).status === 'succeeded', {
			timeoutMs: 20_000,
		})
		const [output] = ok(await generations.get(user, id)).outputs
		if (!output) throw new Error('no output stored')

		expect(await generations.remove(user, id)).toBe(true)
		expect(await queuedPurges(id)).toEqual([UNDO_SECONDS])
		expect(await generations.get(user, id)).toMatchObject({ refused: true, status: 404 })
		expect((await generations.list(user)).map(g => g.id)).not.toContain(id)
		expect(await generations.restore(user, id)).toBe(true)
		expect((await generations.list(user)).map(g => g.id)).toContain(id)

		expect(await generations.remove(user, id)).toBe(true)
		await generations.purge(id)
		expect((await storage.get(output.bucket, output.key)).size, 'file removed early').toBeGreaterThan(0)
		await expire('generations', id)
		expect(await generations.restore(user, id)).toMatchObject({ refused: true, code: 'too_late' })
		await waitFor(
			'the purge',
			async () => (await count('select 1 from public.generations where id = $1', [id])) === 0,
			{ timeoutMs: 20_000 },
		)
		await expect(storage.get(output.bucket, output.key)).rejects.toThrow()
	})

	test('deleting a pending generation cancels it first, so an undo brings it back canceled', async () => {
		const { generations } = services
		const user = await createUser(services.db)
		const created = ok(
			await generations.create(user, { kind: 'image', prompt: 'Waves', model: 'offline:image', size: '512x512', n: 1 }),
		)
		const id = created.generation.id
		await waitFor('the generation', async () => ok(await generations.get(user, id)).status === 'succeeded', {
			timeoutMs: 20_000,
		})
		// As if a worker were still on it.
		await services.db.privileged(tx =>
			tx.query("update public.generations set status = 'running', completed_at = null where id = $1", [id]),
		)
		expect(await generations.remove(user, id)).toBe(true)
		expect(await generations.restore(user, id)).toBe(true)
		expect(ok(await generations.get(user, id)).status).toBe('canceled')
	})
})
