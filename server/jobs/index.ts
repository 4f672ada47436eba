/**
 * Background jobs: pg-boss on the application's own database (Postgres or PGlite), so a job is a row
 * written in the same transaction as the work it stands for. See docs/decisions/003-pg-boss-jobs.md.
 *
 *   await db.asUser(user.id, async tx => {
 *     const { rows } = await tx.query('insert into generations (…) values (…) returning id', […])
 *     await jobs.enqueue(tx, 'generation.run', { generationId: rows[0].id })
 *   })
 *
 * A job enqueued in a transaction that rolls back never exists; one that commits runs (at least once,
 * exactly once unless a worker dies mid-job, in which case it runs again: see "leases" below).
 *
 * Parts: the queues, their policies and the engine's types (./queues.ts); running one job (./run.ts); the administrator's view of the queues (./admin.ts); leases on
 * Postgres, where several processes share the queue (./leases.ts); metrics (./telemetry.ts).
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api'
import PgBoss from 'pg-boss'
import { logger } from '#server/logger.ts'
import { sleep } from '#server/sleep.ts'
import { endingSpan } from '#server/trace-context.ts'
import { dbErrorCode, errorMessage, PG_ERROR } from '#server/db/index.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { createLeases, txAdapter } from './leases.ts'
import {
	assertJobName,
	isJobName,
	DEFAULT_LEASE_SECONDS,
	JOB_NAMES,
	JOB_POLICIES,
	type EnqueueOptions,
	type JobData,
	type JobName,
	type Jobs,
	type JobsOptions,
	type RetryPolicy,
} from './queues.ts'
import { createQueueAdmin } from './admin.ts'
import { createRunner } from './run.ts'
import { createJobMetrics, messagingAttributes, untraced } from './telemetry.ts'

export * from './queues.ts'

const tracer = trace.getTracer('generation-studio.jobs')

function queueOptions(name: JobName, policy: RetryPolicy): PgBoss.Queue {
	return {
		name,
		retryLimit: policy.retryLimit,
		retryDelay: policy.retryDelaySeconds,
		retryBackoff: policy.retryBackoff,
		expireInSeconds: policy.expireInSeconds,
	}
}

/**
 * How often a worker asks the embedded database for jobs, unless `pollingIntervalSeconds` says otherwise. Each poll
 * is a statement that holds the event loop (PGlite runs in this process), and here this process is the only worker:
 * a job enqueued here wakes its workers at once, a job's own delay (`startAfterSeconds`) and a failed job's retry
 * wake them when it is due, and a full batch fetches again. The poll only catches what those miss, within this long.
 */
export const EMBEDDED_POLLING_SECONDS = 5

/** pg-boss's statement that fails jobs (a worker's failure, or the supervisor's expiry): some may now wait to retry. */
const FAILS_JOBS = /\bretried_jobs\s+AS\b/i

export async function createJobs(db: Db, options: JobsOptions = {}): Promise<Jobs> {
	const pending = new Set<Promise<unknown>>()
	const schema = options.schema ?? 'pgboss'
	const embedded = db.kind === 'pglite'
	const boss = new PgBoss({
		db: {
			executeSql: (text: string, values: unknown[]) => {
				const promise = untraced(() => db.privilegedExecuteSql(text, values))
				pending.add(promise)
				void promise.finally(() => pending.delete(promise)).catch(() => undefined)
				if (embedded && FAILS_JOBS.test(text)) void promise.then(() => wakeForRetries()).catch(() => undefined)
				return promise
			},
		},
		schema,
		supervise: options.supervise ?? true,
		schedule: false,
		migrate: true,
		...(options.pollingIntervalSeconds
			? { pollingIntervalSeconds: options.pollingIntervalSeconds }
			: embedded
				? { pollingIntervalSeconds: EMBEDDED_POLLING_SECONDS }
				: {}),
	})

	/** Timers that wake a queue's workers when a delayed job is due (embedded database only). */
	const timers = new Set<NodeJS.Timeout>()
	function wakeIn(name: JobName, seconds: number) {
		if (state === 'stopped') return
		const timer = setTimeout(
			() => {
				timers.delete(timer)
				jobs.wake(name)
			},
			Math.max(0, seconds * 1000) + 5,
		)
		timer.unref()
		timers.add(timer)
	}
	/** After pg-boss failed jobs: wakes each queue when its next retry is due. */
	async function wakeForRetries() {
		if (state !== 'started') return
		const { rows } = await untraced(() =>
			db.privilegedExecuteSql(
				`select name, extract(epoch from min(start_after) - now())::float8 as seconds
				 from ${schema}.job where state = 'retry' group by name`,
			),
		)
		for (const row of rows as { name: string; seconds: number }[])
			if (isJobName(row.name)) wakeIn(row.name, Number(row.seconds))
	}
	boss.on('error', error => logger.error('job engine error', { error }))

	let state: 'created' | 'started' | 'stopped' = 'created'
	let lastError: string | undefined
	boss.on('error', error => {
		lastError = errorMessage(error)
	})

	const metrics = createJobMetrics(db, schema, JOB_NAMES, () => state === 'started')

	/** pg-boss `send` inside the caller's transaction, carrying the current (producer) trace context. */
	async function send(tx: Tx, name: JobName, data: JobData, enqueueOptions: EnqueueOptions) {
		const payload: JobData = { ...data }
		// Carry the producer's trace into the job so request -> job -> provider call is one trace.
		if (payload.traceparent === undefined) propagation.inject(context.active(), payload)
		const sendOptions: PgBoss.SendOptions = { db: txAdapter(tx) }
		if (enqueueOptions.startAfterSeconds !== undefined) sendOptions.startAfter = enqueueOptions.startAfterSeconds
		if (enqueueOptions.singletonKey !== undefined) sendOptions.singletonKey = enqueueOptions.singletonKey
		if (enqueueOptions.priority !== undefined) sendOptions.priority = enqueueOptions.priority
		if (enqueueOptions.retryLimit !== undefined) sendOptions.retryLimit = enqueueOptions.retryLimit
		if (enqueueOptions.id !== undefined) sendOptions.id = enqueueOptions.id
		// The job table belongs to the owner role. Inside an asUser transaction, step out of
		// `authenticated` for this one insert and step back in, so RLS still governs the caller's SQL.
		const { rows } = await tx.query<{ role: string }>("select current_setting('role') as role")
		const role = rows[0]?.role ?? 'none'
		if (role !== 'none') await tx.query("select set_config('role', 'none', true)")
		try {
			return await boss.send(name, payload, sendOptions)
		} finally {
			if (role !== 'none') await tx.query("select set_config('role', $1, true)", [role])
		}
	}

	/** Workers of this process, by queue, so a job enqueued here can wake them instead of waiting for a poll. */
	const localWorkers = new Map<JobName, string[]>()

	const leases = createLeases({
		db,
		boss,
		schema,
		leaseSeconds: db.kind === 'postgres' ? (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) : null,
		supervise: options.supervise ?? true,
		wake: name => jobs.wake(name),
	})
	const runOne = createRunner({ db, schema, metrics, leases })

	const jobs: Jobs = {
		wake(name) {
			for (const id of localWorkers.get(name) ?? []) boss.notifyWorker(id)
		},

		async enqueue(tx, name, data, enqueueOptions = {}) {
			assertJobName(name)
			// A PRODUCER span per job; the job's own span (`process …`) is its child, in the same trace.
			return tracer.startActiveSpan(
				`send ${name}`,
				{
					kind: SpanKind.PRODUCER,
					attributes: messagingAttributes('send', name),
				},
				span =>
					endingSpan(span, async () => {
						const id = await send(tx, name, data, enqueueOptions)
						if (id) span.setAttribute('messaging.message.id', id)
						// Due later: woken then (should the transaction roll back, the wake finds nothing).
						if (id && embedded && enqueueOptions.startAfterSeconds !== undefined)
							wakeIn(name, enqueueOptions.startAfterSeconds)
						return id
					}),
			)
		},

		async work(name, handler, workOptions) {
			assertJobName(name)
			if (state !== 'started') throw new Error('Start the job engine before registering workers')
			const base = JOB_POLICIES[name]
			if (
				workOptions.retryLimit !== undefined ||
				workOptions.retryDelaySeconds !== undefined ||
				workOptions.retryBackoff !== undefined ||
				workOptions.expireInSeconds !== undefined
			) {
				// The queue's policy applies to jobs enqueued from now on; queued ones keep theirs.
				await boss.updateQueue(name, queueOptions(name, { ...base, ...workOptions }))
			}
			leases.setCap(name, workOptions.expireInSeconds ?? base.expireInSeconds)
			const batchSize = workOptions.batchSize ?? 1
			const fetch: PgBoss.WorkOptions & { includeMetadata: true } = { batchSize, includeMetadata: true }
			// On the embedded database the engine's interval applies (EMBEDDED_POLLING_SECONDS): wakes do the rest.
			if (workOptions.pollingIntervalSeconds !== undefined && !embedded)
				fetch.pollingIntervalSeconds = workOptions.pollingIntervalSeconds
			for (let i = 0; i < (workOptions.concurrency ?? 1); i++) {
				const workerId = await boss.work<JobData>(name, fetch, async (batch: PgBoss.JobWithMetadata<JobData>[]) => {
					// A full batch may have left more behind: fetch again at once instead of at the next poll.
					if (embedded && batch.length >= batchSize) jobs.wake(name)
					if (batch.length === 1 && batch[0]) return await runOne(name, batch[0], workOptions.data, handler)
					const results = await Promise.allSettled(batch.map(raw => runOne(name, raw, workOptions.data, handler)))
					const failed = results.flatMap((r, i) =>
						r.status === 'rejected' ? [{ raw: batch[i], reason: r.reason }] : [],
					)
					if (failed.length === 0) return
					// Complete the successes first: pg-boss then fails the whole batch, but only jobs still
					// active (the failed ones) change state, so every job succeeds or fails on its own.
					const ok = batch.filter((_, i) => results[i]?.status === 'fulfilled').map(j => j.id)
					if (ok.length > 0) await boss.complete(name, ok)
					throw failed.length === 1 && failed[0]?.reason instanceof Error
						? failed[0].reason
						: new Error(failed.map(f => String(f.reason instanceof Error ? f.reason.message : f.reason)).join('; '))
				})
				localWorkers.set(name, [...(localWorkers.get(name) ?? []), workerId])
			}
		},

		async start() {
			if (state !== 'created') return
			await boss.start()
			for (const name of JOB_NAMES) {
				await boss.createQueue(name, queueOptions(name, JOB_POLICIES[name]))
				await boss.updateQueue(name, queueOptions(name, JOB_POLICIES[name]))
			}
			state = 'started'
			leases.start()
			logger.info('job engine started', {
				queues: JOB_NAMES.length,
				driver: db.kind,
				...(db.kind === 'postgres' ? { lease_seconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS } : {}),
			})
		},

		async recoverOrphans() {
			// Only the embedded database guarantees that this process is the only worker (its data directory is
			// locked): every job still marked active was cut off by a crash of ours, so it runs again now instead of
			// waiting for its expiry. On Postgres other workers may be busy with theirs; expiry handles a crash there.
			if (db.kind !== 'pglite') return 0
			const { rowCount } = await untraced(() =>
				db.privileged(tx =>
					tx.query(`update ${schema}.job set state = 'retry', start_after = now() where state = 'active'`),
				),
			)
			if (rowCount > 0) logger.warn('job engine: re-queued jobs cut off by the last shutdown', { count: rowCount })
			return rowCount
		},

		async stop(stopOptions = {}) {
			metrics.close()
			if (state !== 'started') {
				state = 'stopped'
				return
			}
			state = 'stopped'
			for (const timer of timers) clearTimeout(timer)
			timers.clear()
			const graceful = stopOptions.graceful ?? true
			await boss.stop({ graceful, wait: true, close: false, timeout: stopOptions.timeoutMs ?? 30_000 })
			// Renewal runs until the last job finished: a job still running at the deadline keeps its lease until then.
			leases.stop()
			// pg-boss completes jobs without awaiting; let those statements land before the pool closes.
			while (pending.size > 0) await Promise.allSettled([...pending])
			logger.info('job engine stopped', { graceful })
		},

		async health() {
			if (state !== 'started') return { ok: false, detail: `job engine is ${state}` }
			try {
				const queues: Record<string, { queued: number }> = {}
				for (const name of JOB_NAMES) queues[name] = { queued: await boss.getQueueSize(name) }
				return { ok: true, queues, ...(lastError ? { detail: `last error: ${lastError}` } : {}) }
			} catch (error) {
				return { ok: false, detail: errorMessage(error) }
			}
		},

		...createQueueAdmin({ db, boss, schema }),

		async pendingCount(name) {
			assertJobName(name)
			const { rows } = await db.privilegedExecuteSql(
				`select count(*)::int as count from ${schema}.job where name = $1 and state < 'completed'`,
				[name],
			)
			return Number(rows[0]?.count ?? 0)
		},
	}
	return jobs
}

/**
 * Creates and starts the job engine. Processes starting together on a fresh Postgres database can race to
 * install pg-boss's schema and queues (its own advisory lock does not cover every statement): the loser fails with
 * a unique violation, a duplicate object or a deadlock. A pg-boss instance cannot be started twice, so the loser
 * builds a new one and tries again, by which time the winner has finished.
 */
const INSTALL_RACE_CODES = new Set<string>([
	PG_ERROR.uniqueViolation,
	PG_ERROR.deadlockDetected,
	PG_ERROR.duplicateTable,
	PG_ERROR.duplicateSchema,
])

export async function startJobs(db: Db, options: JobsOptions = {}): Promise<Jobs> {
	for (let attempt = 1; ; attempt++) {
		const jobs = await createJobs(db, options)
		try {
			await jobs.start()
			return jobs
		} catch (error) {
			await jobs.stop({ graceful: false }).catch(() => undefined)
			if (attempt >= 5 || !INSTALL_RACE_CODES.has(dbErrorCode(error) ?? '')) throw error
			logger.warn('job engine: another process is installing the job tables; trying again', { attempt })
			await sleep(300 * attempt)
		}
	}
}
