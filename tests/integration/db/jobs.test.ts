/** Jobs on pg-boss, on both drivers: transactional enqueue, exactly-once delivery, retries, graceful stop. */
import * as v from 'valibot'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseUnavailableError } from '#server/db/index.ts'
import { createJobs, type Job, type Jobs } from '#server/jobs/index.ts'
import { sleep } from '#server/sleep.ts'
import { createTestDb, createUser, type TestDb, testDrivers } from '#tests/support/database.ts'
import { holdsFor, waitFor } from '#tests/support/wait.ts'

/** These tests are about the engine, not a payload: any object will do. */
const data = v.looseObject({})

describe.each(testDrivers())('jobs on %s', driver => {
	let t: TestDb
	let jobs: Jobs
	beforeEach(async () => {
		t = await createTestDb(driver)
		jobs = await createJobs(t.db, { pollingIntervalSeconds: 0.5 })
		await jobs.start()
	})
	afterEach(async () => {
		await jobs?.stop()
		await t?.dispose()
	})

	it('never runs a job whose transaction rolled back, and runs a committed one exactly once', async () => {
		const seen: Job[] = []
		await jobs.work(
			'chat.title',
			async job => {
				seen.push(job)
			},
			{ data },
		)
		await expect(
			t.db.privileged(async tx => {
				await jobs.enqueue(tx, 'chat.title', { conversationId: 'rolled-back' })
				throw new Error('abort the transaction')
			}),
		).rejects.toThrow('abort the transaction')
		const id = await t.db.privileged(tx => jobs.enqueue(tx, 'chat.title', { conversationId: 'committed' }))
		expect(id).toMatch(/^[0-9a-f-]{36}$/)
		await waitFor('the committed job', () => seen.length > 0)
		await holdsFor('one job only, over several more polls', () => seen.length === 1, { forMs: 1_500 })
		expect(seen.map(j => j.data.conversationId)).toEqual(['committed'])
		expect(seen[0]?.id).toBe(id)
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ state: string; data: { conversationId: string } }>(
				"select state, data from pgboss.job where name = 'chat.title'",
			),
		)
		expect(rows.map(r => r.data.conversationId)).toEqual(['committed'])
		await waitFor('the job to complete', async () => {
			const { rows: done } = await t.db.privileged(tx =>
				tx.query<{ state: string }>("select state from pgboss.job where name = 'chat.title'"),
			)
			return done[0]?.state === 'completed'
		})
		expect(await jobs.pendingCount('chat.title')).toBe(0)
	})

	it('enqueues inside an asUser transaction without leaving the caller outside RLS, keeping unknown fields', async () => {
		const user = await createUser(t.db)
		const received: Job[] = []
		await jobs.work(
			'generation.run',
			async job => {
				received.push(job)
			},
			{ data },
		)
		const roleAfter = await t.db.asUser(user.id, async tx => {
			const { rows } = await tx.query<{ id: string }>(
				"insert into generations (user_id, kind, provider, model, prompt) values ($1, 'image', 'offline', 'offline:image', 'a fox') returning id",
				[user.id],
			)
			await jobs.enqueue(tx, 'generation.run', {
				generationId: rows[0]?.id,
				traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
				extra: { nested: [1, 2] },
			})
			const { rows: who } = await tx.query<{ role: string }>('select current_user as role')
			return who[0]?.role
		})
		expect(roleAfter).toBe('authenticated')
		await waitFor('the job', () => received.length === 1)
		expect(received[0]?.data).toMatchObject({
			traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
			extra: { nested: [1, 2] },
		})
		await expect(t.db.asUser(user.id, tx => tx.query('select * from pgboss.job'))).rejects.toThrow(/permission denied/)
	})

	it('retries a failing job with its policy and tells the handler about the last attempt', async () => {
		const attempts: { retryCount: number; last: boolean }[] = []
		await jobs.work(
			'workflow.run',
			async job => {
				attempts.push({ retryCount: job.retryCount, last: job.isLastAttempt })
				if (!job.isLastAttempt) throw new Error('provider unavailable')
			},
			{ data, retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false },
		)
		await t.db.privileged(tx => jobs.enqueue(tx, 'workflow.run', { runId: 'r1' }))
		await waitFor('three attempts', () => attempts.length === 3)
		expect(attempts).toEqual([
			{ retryCount: 0, last: false },
			{ retryCount: 1, last: false },
			{ retryCount: 2, last: true },
		])
		await waitFor('no job pending', async () => (await jobs.pendingCount('workflow.run')) === 0)
	})

	it('runs a job cut off by a database outage again without using up an attempt', async () => {
		const attempts: { retryCount: number; last: boolean }[] = []
		await jobs.work(
			'workflow.run',
			async job => {
				attempts.push({ retryCount: job.retryCount, last: job.isLastAttempt })
				if (attempts.length <= 2) throw new DatabaseUnavailableError('Connection terminated unexpectedly')
			},
			{ data, retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false },
		)
		await t.db.privileged(tx => jobs.enqueue(tx, 'workflow.run', { runId: 'r2' }))
		await waitFor('three runs', () => attempts.length === 3, { timeoutMs: 30_000 })
		// Two outages and a success, all on the first attempt: a retry limit of 1 would have failed it for good.
		expect(attempts).toEqual([
			{ retryCount: 0, last: false },
			{ retryCount: 0, last: false },
			{ retryCount: 0, last: false },
		])
		await waitFor('no job pending', async () => (await jobs.pendingCount('workflow.run')) === 0)
	})

	it('lets each job of a batch succeed or fail on its own', async () => {
		const runs = new Map<string, number>()
		await jobs.work(
			'generation.poll',
			async job => {
				const key = String(job.data.key)
				runs.set(key, (runs.get(key) ?? 0) + 1)
				if (key === 'bad' && !job.isLastAttempt) throw new Error('not yet')
			},
			{ data, batchSize: 3, retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false },
		)
		await t.db.privileged(async tx => {
			for (const key of ['a', 'b', 'bad']) await jobs.enqueue(tx, 'generation.poll', { key })
		})
		await waitFor('the second attempt of the failing job', () => runs.get('bad') === 2)
		await waitFor('no job pending', async () => (await jobs.pendingCount('generation.poll')) === 0)
		expect(Object.fromEntries(runs)).toEqual({ a: 1, b: 1, bad: 2 })
	})

	it('stops gracefully: waits for the running job to finish, and reports health', async () => {
		expect((await jobs.health()).ok).toBe(true)
		let finished = false
		let started = false
		await jobs.work(
			'generation.run',
			async () => {
				started = true
				// The job's own length (a slow job is what a graceful stop must wait for), not a wait for anything.
				await sleep(1_000)
				finished = true
			},
			{ data },
		)
		await t.db.privileged(tx => jobs.enqueue(tx, 'generation.run', { generationId: 'slow' }))
		await waitFor('the job to start', () => started)
		await jobs.stop({ graceful: true })
		expect(finished).toBe(true)
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ state: string }>("select state from pgboss.job where name = 'generation.run'"),
		)
		expect(rows.map(r => r.state)).toEqual(['completed'])
		expect((await jobs.health()).ok).toBe(false)
	})

	it('reads job data back through the schema it was enqueued against; data that does not match fails once', async () => {
		const seen: Array<{ generationId: string }> = []
		await jobs.work(
			'generation.run',
			async job => {
				seen.push(job.data)
			},
			{ data: v.looseObject({ generationId: v.pipe(v.string(), v.uuid()) }), retryLimit: 3, retryDelaySeconds: 0 },
		)
		const good = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b'
		const badId = await t.db.privileged(tx => jobs.enqueue(tx, 'generation.run', { generationId: 42 }))
		await t.db.privileged(tx => jobs.enqueue(tx, 'generation.run', { generationId: good }))
		await waitFor('the good job', () => seen.length === 1)
		await waitFor('both jobs to finish', async () => (await jobs.pendingCount('generation.run')) === 0)
		expect(seen.map(d => d.generationId)).toEqual([good])
		const { rows } = await t.db.privileged(tx =>
			tx.query<{ state: string; retry_count: number }>('select state, retry_count from pgboss.job where id = $1', [
				badId,
			]),
		)
		// Failed by the handler's own account, not retried: no attempt would read it differently.
		expect(rows[0]).toMatchObject({ state: 'completed', retry_count: 0 })
	})

	it('refuses queue names outside JOB_NAMES', async () => {
		await expect(t.db.privileged(tx => jobs.enqueue(tx, 'nope' as 'chat.title', {}))).rejects.toThrow(/JOB_NAMES/)
	})
})

/**
 * The embedded database polls rarely (EMBEDDED_POLLING_SECONDS): this process is the only worker, so it wakes its own
 * workers. Here the poll never comes (an hour), so each job below runs only if the wake that should start it does,
 * and never before it is due.
 */
describe('jobs on pglite, woken instead of polled', () => {
	let t: TestDb
	let jobs: Jobs
	beforeEach(async () => {
		t = await createTestDb('pglite')
		jobs = await createJobs(t.db, { pollingIntervalSeconds: 3600 })
		await jobs.start()
	})
	afterEach(async () => {
		await jobs?.stop()
		await t?.dispose()
	})

	it('runs a failed job again when its retry is due, not before', async () => {
		const attempts: number[] = []
		await jobs.work(
			'workflow.run',
			async job => {
				attempts.push(Date.now())
				if (!job.isLastAttempt) throw new Error('provider unavailable')
			},
			{ data, retryLimit: 1, retryDelaySeconds: 1, retryBackoff: false },
		)
		await t.db.privileged(tx => jobs.enqueue(tx, 'workflow.run', { runId: 'retried' }))
		jobs.wake('workflow.run')
		await waitFor('the retry', () => attempts.length === 2)
		expect((attempts[1] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(1_000)
		await waitFor('no job pending', async () => (await jobs.pendingCount('workflow.run')) === 0)
	})

	it('runs a job enqueued to start later when it is due, not before', async () => {
		const ran: number[] = []
		await jobs.work('generation.poll', async () => void ran.push(Date.now()), { data })
		const enqueued = Date.now()
		await t.db.privileged(tx => jobs.enqueue(tx, 'generation.poll', { key: 'later' }, { startAfterSeconds: 1 }))
		await waitFor('the delayed job', () => ran.length === 1)
		expect((ran[0] ?? 0) - enqueued).toBeGreaterThanOrEqual(1_000)
	})

	it('fetches again after a full batch, so one wake runs a backlog', async () => {
		let runs = 0
		await jobs.work('chat.title', async () => void runs++, { data, batchSize: 2 })
		await t.db.privileged(async tx => {
			for (let i = 0; i < 5; i++) await jobs.enqueue(tx, 'chat.title', { i })
		})
		jobs.wake('chat.title')
		await waitFor('all five jobs', () => runs === 5)
	})
})
