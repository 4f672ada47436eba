/**
 * Job leases on Postgres with several processes (docs/decisions/010-job-leases.md): a job cut off by its
 * process's death runs again in another process within a lease and a sweep — far inside the 60 s budget —
 * and a job that outlives several leases in a live process is never taken from it.
 * The lease is shortened here to keep the test quick; the default (30 s) meets the budget the same way.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as v from 'valibot'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createJobs, DEFAULT_LEASE_SECONDS, type Job, type Jobs } from '#server/jobs/index.ts'
import { createTestDb, type TestDb } from '#tests/support/database.ts'
import { holdsFor, waitFor } from '#tests/support/wait.ts'

const workerScript = fileURLToPath(new URL('./job-lease-worker.ts', import.meta.url))
const LEASE_SECONDS = 2

type Worker = { child: ChildProcessWithoutNullStreams; output(): string }

function startWorker(connectionString: string, mode: string): Worker {
	const child = spawn(process.execPath, [
		'--import',
		'tsx',
		workerScript,
		connectionString,
		String(LEASE_SECONDS),
		mode,
	])
	let output = ''
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
	return { child, output: () => output }
}

async function jobState(t: TestDb, id: string) {
	const { rows } = await t.db.privileged(tx =>
		tx.query<{ state: string; retry_count: number }>('select state, retry_count from pgboss.job where id = $1', [id]),
	)
	return rows[0]
}

it('the default lease recovers a crashed process within the 60 s budget (lease + a third of it to sweep)', () => {
	expect(DEFAULT_LEASE_SECONDS + DEFAULT_LEASE_SECONDS / 3).toBeLessThan(60 - 5)
})

describe.each(process.env.DATABASE_URL ? ['postgres'] : [])('job leases on %s with two processes', driver => {
	let t: TestDb
	let jobs: Jobs
	let worker: Worker | null = null

	beforeEach(async () => {
		t = await createTestDb(driver === 'postgres' ? 'postgres' : 'pglite')
	})
	afterEach(async () => {
		worker?.child.kill('SIGKILL')
		worker = null
		await jobs?.stop({ graceful: false })
		await t?.dispose()
	})

	async function enqueueWhenReady(w: Worker) {
		await waitFor(`the worker process to start:\n${w.output()}`, () => w.output().includes('ready'), {
			timeoutMs: 30_000,
		})
		const id = await t.db.privileged(tx => jobs.enqueue(tx, 'chat.title', { conversationId: 'lease' }))
		if (!id) throw new Error('the job was not enqueued')
		return id
	}

	it('a crashed worker process: its job runs again here within a lease and a sweep, and completes once', async () => {
		if (!t.connectionString) throw new Error('no connection string')
		jobs = await createJobs(t.db, { leaseSeconds: LEASE_SECONDS, pollingIntervalSeconds: 0.5 })
		await jobs.start()
		worker = startWorker(t.connectionString, 'hang')
		const id = await enqueueWhenReady(worker)
		const w = worker
		await waitFor(`the other process to take the job:\n${w.output()}`, () => w.output().includes(`started ${id} 0`), {
			timeoutMs: 30_000,
		})

		const retried: Array<{ job: Job; at: number }> = []
		await jobs.work(
			'chat.title',
			async job => {
				retried.push({ job, at: Date.now() })
			},
			{ data: v.looseObject({}) },
		)
		const killedAt = Date.now()
		w.child.kill('SIGKILL')
		await waitFor('the job to run again here', () => retried.length > 0, { timeoutMs: 60_000 })

		const recoveredMs = (retried[0]?.at ?? 0) - killedAt
		expect(recoveredMs).toBeLessThan(60_000)
		// A lease, a sweep interval and a poll: a few seconds at this lease.
		expect(recoveredMs).toBeLessThan((LEASE_SECONDS + LEASE_SECONDS / 3 + 2) * 1000)
		expect(retried[0]?.job).toMatchObject({ id, retryCount: 1 })
		await waitFor('the job to complete', async () => (await jobState(t, id))?.state === 'completed', {
			timeoutMs: 30_000,
		})
		await holdsFor('the job ran here once, for another lease', () => retried.length === 1, {
			forMs: LEASE_SECONDS * 1000,
		})
	})

	it('a live process keeps a job that runs for several leases; no other process takes it', async () => {
		if (!t.connectionString) throw new Error('no connection string')
		jobs = await createJobs(t.db, { leaseSeconds: LEASE_SECONDS, pollingIntervalSeconds: 0.5 })
		await jobs.start()
		// The other process is busy for four leases.
		worker = startWorker(t.connectionString, `work:${LEASE_SECONDS * 4 * 1000}`)
		const w = worker
		const id = await enqueueWhenReady(w)
		await waitFor(`the other process to take the job:\n${w.output()}`, () => w.output().includes(`started ${id} 0`), {
			timeoutMs: 30_000,
		})
		// This process sweeps (supervise defaults on) and works the queue while the other one is busy.
		const here: Job[] = []
		await jobs.work(
			'chat.title',
			async job => {
				here.push(job)
			},
			{ data: v.looseObject({}) },
		)
		await waitFor(`the other process to finish:\n${w.output()}`, () => w.output().includes(`done ${id}`), {
			timeoutMs: 60_000,
		})
		await waitFor('the job to complete', async () => (await jobState(t, id))?.state === 'completed', {
			timeoutMs: 30_000,
		})
		expect(here).toEqual([])
		expect(w.output().match(/^started /gm), w.output()).toHaveLength(1)
		expect(await jobState(t, id)).toMatchObject({ state: 'completed', retry_count: 0 })
	})
})
