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
 * Leases (Postgres, where several processes share the queue; docs/decisions/010-job-leases.md): a running job's
 * expiry is kept short — `leaseSeconds` past now, renewed every third of that by the process running it, up to
 * its queue's `expireInSeconds`. A process that dies stops renewing, so within a lease its jobs are expired and
 * re-queued to run at once by any supervising process (`sweep`); a live process never loses a job it is working
 * on. On the embedded database the process is the only worker, and `recoverOrphans` does it at start-up.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import PgBoss from 'pg-boss'
import { logger } from '#server/logger.ts'
import { sleep } from '#server/sleep.ts'
import { dbErrorCode, isDatabaseUnavailable, PG_ERROR } from '#server/db/index.ts'
import type { Db, Tx } from '#server/db/index.ts'
import { createJobMetrics, MESSAGING_SYSTEM } from './telemetry.ts'

/** The one list of queue names. Add a name here (with its policy below) to add a queue. */
export const JOB_NAMES = ['generation.run', 'generation.poll', 'chat.title', 'workflow.run', 'purge.deleted'] as const
export type JobName = (typeof JOB_NAMES)[number]

export type RetryPolicy = {
	/** Attempts after the first one. */
	retryLimit: number
	retryDelaySeconds: number
	/** Exponential backoff (with jitter) from retryDelaySeconds. */
	retryBackoff: boolean
	/** A job still active after this long is failed (and retried) by the supervisor, however alive its worker. */
	expireInSeconds: number
}

export const JOB_POLICIES: Record<JobName, RetryPolicy> = {
	'generation.run': { retryLimit: 3, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 15 * 60 },
	'generation.poll': { retryLimit: 10, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 5 * 60 },
	'chat.title': { retryLimit: 2, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 2 * 60 },
	'workflow.run': { retryLimit: 2, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 60 * 60 },
	// Deleting for good after the undo window: files on a storage that is down are tried again later.
	'purge.deleted': { retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 5 * 60 },
}

/** Job payloads are JSON objects; unknown fields are kept as they are (`traceparent` rides along). */
export type JobData = { traceparent?: string; tracestate?: string; [key: string]: unknown }

export type Job<T extends JobData = JobData> = {
	id: string
	name: JobName
	data: T
	/** 0 on the first attempt. */
	retryCount: number
	retryLimit: number
	/** True when a failure now is final: the handler should record a message a person can act on. */
	isLastAttempt: boolean
	/**
	 * Says the job's work failed although the handler returns normally (it recorded the failure itself, e.g. a
	 * generation marked failed): the job's span gets an ERROR status with this reason. Nothing is retried.
	 */
	markFailed(reason: string): void
}

export type EnqueueOptions = {
	/** Run no earlier than this many seconds from now. */
	startAfterSeconds?: number
	/** At most one queued job per key in the queue. */
	singletonKey?: string
	priority?: number
	retryLimit?: number
	id?: string
}

export type WorkOptions = Partial<RetryPolicy> & {
	/** Jobs fetched per poll and run side by side; each succeeds or fails on its own. */
	batchSize?: number
	/** Independent fetch loops for this queue. */
	concurrency?: number
	pollingIntervalSeconds?: number
}

export type JobsHealth = { ok: boolean; detail?: string; queues?: Record<string, { queued: number }> }

export interface Jobs {
	/** Enqueues inside `tx`: the job exists only if `tx` commits. Returns the job id (null if deduplicated). */
	enqueue<T extends JobData>(tx: Tx, name: JobName, data: T, options?: EnqueueOptions): Promise<string | null>
	/** Re-queues jobs left active by a crash, when this process is certainly the only worker (embedded database). */
	recoverOrphans(): Promise<number>
	/**
	 * Call after the enqueuing transaction committed: this process's workers for the queue fetch at once
	 * (workers in other processes find the job at their next poll).
	 */
	wake(name: JobName): void
	work<T extends JobData>(name: JobName, handler: (job: Job<T>) => Promise<void>, options?: WorkOptions): Promise<void>
	start(): Promise<void>
	/** Stops fetching; with `graceful` (the default) waits up to `timeoutMs` for running jobs to finish. */
	stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>
	health(): Promise<JobsHealth>
	/** Jobs not yet finished (created, retry, active) in one queue. */
	pendingCount(name: JobName): Promise<number>
}

export type JobsOptions = {
	/** pg-boss's schema (default `pgboss`). */
	schema?: string
	/** Default poll interval for workers, in seconds (pg-boss minimum 0.5). */
	pollingIntervalSeconds?: number
	/** Run pg-boss maintenance (expire stuck jobs, archive) in this process, and sweep expired leases. */
	supervise?: boolean
	/**
	 * Postgres only: how long a running job stays claimed without its process renewing the claim. A crashed
	 * process's jobs run again within about this long plus a sweep (a third of it). Default 30 s.
	 */
	leaseSeconds?: number
}

export const DEFAULT_LEASE_SECONDS = 30

const tracer = trace.getTracer('generation-studio.jobs')

/** How long a job cut off by a database outage waits before it runs again. */
const DATABASE_RETRY_SECONDS = 3

/** What a job re-queued by the lease sweep carries as its last output. */
const LEASE_EXPIRED = 'The process running this job stopped renewing its lease (it crashed or lost the database).'

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error)
}

/**
 * The queue's own statements (pg-boss fetching, maintenance and completion, our start-up recovery) run on timers,
 * outside any request or job: traced, each would be a root trace, several a second while idle. Inside a span
 * (a request asking for the queue's health, say) they stay visible.
 */
function untraced<T>(fn: () => Promise<T>): Promise<T> {
	return trace.getActiveSpan() ? fn() : context.with(suppressTracing(context.active()), fn)
}

/** pg-boss's `db` shape over a transaction: its statements join the caller's transaction. */
function txAdapter(tx: Tx): PgBoss.Db {
	return { executeSql: (text: string, values: unknown[]) => tx.executeSql(text, values) }
}

function isJobName(name: string): name is JobName {
	return (JOB_NAMES as readonly string[]).includes(name)
}

function assertJobName(name: string): asserts name is JobName {
	if (!isJobName(name)) throw new Error(`Unknown job name ${JSON.stringify(name)}: add it to JOB_NAMES`)
}

function queueOptions(name: JobName, policy: RetryPolicy): PgBoss.Queue {
	return {
		name,
		retryLimit: policy.retryLimit,
		retryDelay: policy.retryDelaySeconds,
		retryBackoff: policy.retryBackoff,
		expireInSeconds: policy.expireInSeconds,
	}
}

export async function createJobs(db: Db, options: JobsOptions = {}): Promise<Jobs> {
	const pending = new Set<Promise<unknown>>()
	const schema = options.schema ?? 'pgboss'
	const boss = new PgBoss({
		db: {
			executeSql: (text: string, values: unknown[]) => {
				const promise = untraced(() => db.privilegedExecuteSql(text, values))
				pending.add(promise)
				void promise.finally(() => pending.delete(promise)).catch(() => undefined)
				return promise
			},
		},
		schema,
		supervise: options.supervise ?? true,
		schedule: false,
		migrate: true,
		...(options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {}),
	})
	boss.on('error', error => logger.error('job engine error', { error }))

	let state: 'created' | 'started' | 'stopped' = 'created'
	let lastError: string | undefined
	boss.on('error', error => {
		lastError = error instanceof Error ? error.message : String(error)
	})

	const metrics = createJobMetrics(db, schema, JOB_NAMES, () => state === 'started')

	async function runOne<T extends JobData>(
		name: JobName,
		raw: PgBoss.JobWithMetadata<T>,
		handler: (job: Job<T>) => Promise<void>,
	) {
		await untraced(() => holdLease(name, raw.id))
		try {
			await runTraced(name, raw, handler)
		} catch (error) {
			// The database went away under the job (a restart, a failover, a terminated backend): the job did not
			// fail, so it waits and runs again without using up an attempt. If the database is still away, the
			// failure goes through pg-boss (or the lease sweep) as any other.
			if (isDatabaseUnavailable(error) && (await untraced(() => requeueUncounted(name, raw.id)))) return
			throw error
		} finally {
			held.delete(raw.id)
		}
	}

	/**
	 * Puts an active job back in the queue as never started (pg-boss counts an attempt when it fetches a job that
	 * has started before), to run in a few seconds. Only within its run-time cap from its creation, so a job that
	 * keeps losing the database does not wait forever. True when the job was put back.
	 */
	async function requeueUncounted(name: JobName, id: string): Promise<boolean> {
		const cap = caps.get(name) ?? JOB_POLICIES[name].expireInSeconds
		try {
			const { rows } = await db.privilegedExecuteSql(
				`update ${schema}.job
				    set state = 'created', started_on = null, start_after = now() + make_interval(secs => $3)
				  where name = $1 and id = $2 and state = 'active' and created_on > now() - make_interval(secs => $4)
				returning id`,
				[name, id, DATABASE_RETRY_SECONDS, cap],
			)
			if (rows.length === 0) return false
			logger.warn('job engine: the database went away during a job; it runs again without counting an attempt', {
				job: name,
				jobId: id,
			})
			return true
		} catch {
			return false
		}
	}

	async function runTraced<T extends JobData>(
		name: JobName,
		raw: PgBoss.JobWithMetadata<T>,
		handler: (job: Job<T>) => Promise<void>,
	) {
		const data = (raw.data ?? {}) as T
		const parent = propagation.extract(context.active(), data)
		let failure: string | null = null
		const job: Job<T> = {
			id: raw.id,
			name,
			data,
			retryCount: raw.retryCount,
			retryLimit: raw.retryLimit,
			isLastAttempt: raw.retryCount >= raw.retryLimit,
			markFailed(reason) {
				failure = reason
			},
		}
		const started = performance.now()
		// Waiting counts from when the job could first run: a delayed job is not late before its start time.
		const eligible = Math.max(raw.createdOn.getTime(), raw.startAfter.getTime())
		metrics.waited(name, Math.max(0, raw.startedOn.getTime() - eligible) / 1000)
		await tracer.startActiveSpan(
			`process ${name}`,
			{
				kind: SpanKind.CONSUMER,
				attributes: {
					'messaging.system': MESSAGING_SYSTEM,
					'messaging.operation.type': 'process',
					'messaging.operation.name': 'process',
					'messaging.destination.name': name,
					'messaging.message.id': raw.id,
					'messaging.message.delivery_count': raw.retryCount + 1,
				},
			},
			parent,
			async span => {
				let errorType: string | undefined
				try {
					await handler(job)
					if (failure !== null) {
						errorType = 'work_failed'
						span.setAttribute('error.type', errorType)
						span.setStatus({ code: SpanStatusCode.ERROR, message: failure })
					}
				} catch (error) {
					errorType = error instanceof Error ? error.name : 'error'
					span.setAttribute('error.type', errorType)
					span.recordException(error instanceof Error ? error : new Error(String(error)))
					span.setStatus({ code: SpanStatusCode.ERROR })
					logger.warn('job failed', {
						job: name,
						jobId: raw.id,
						attempt: raw.retryCount + 1,
						final: job.isLastAttempt,
						error: error instanceof Error ? error.message : String(error),
					})
					throw error
				} finally {
					span.end()
					metrics.processed(name, (performance.now() - started) / 1000, errorType)
				}
			},
		)
	}

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

	// ---- leases (see the header) ----
	const leaseSeconds = db.kind === 'postgres' ? (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) : null
	/** Jobs this process is running: id -> queue and the longest the queue lets a job run. */
	const held = new Map<string, { name: JobName; capSeconds: number }>()
	/** The run-time cap per queue (a worker may set its own expiry). */
	const caps = new Map<JobName, number>()
	const timers: NodeJS.Timeout[] = []

	/** Sets each held job's expiry to `leaseSeconds` from now, never past its queue's cap. Returns ids still held. */
	async function renew(ids: string[]): Promise<Set<string>> {
		if (leaseSeconds === null || ids.length === 0) return new Set()
		const entries = ids.flatMap(id => {
			const h = held.get(id)
			return h ? [{ id, name: h.name, cap: h.capSeconds }] : []
		})
		const { rows } = await db.privilegedExecuteSql(
			`update ${schema}.job j
			    set expire_in = make_interval(secs => least(h.cap, extract(epoch from now() - j.started_on) + $4))
			   from unnest($1::uuid[], $2::text[], $3::int[]) as h(id, name, cap)
			  where j.name = h.name and j.id = h.id and j.state = 'active'
			returning j.id`,
			[entries.map(e => e.id), entries.map(e => e.name), entries.map(e => e.cap), leaseSeconds],
		)
		return new Set(rows.map(r => String(r.id)))
	}

	async function holdLease(name: JobName, id: string) {
		if (leaseSeconds === null) return
		held.set(id, { name, capSeconds: caps.get(name) ?? JOB_POLICIES[name].expireInSeconds })
		try {
			await renew([id])
		} catch (error) {
			// The job keeps its queue's full expiry until the next renewal: slower recovery, nothing lost.
			logger.warn('job engine: could not take the lease of a job', { job: name, jobId: id, error: errorText(error) })
		}
	}

	async function renewHeld() {
		const ids = [...held.keys()]
		if (ids.length === 0) return
		try {
			const kept = await renew(ids)
			for (const id of ids) {
				if (!kept.has(id) && held.has(id)) {
					logger.warn('job engine: a running job lost its lease (it may run again elsewhere)', {
						job: held.get(id)?.name,
						jobId: id,
					})
				}
			}
		} catch (error) {
			logger.warn('job engine: could not renew the leases of running jobs', {
				count: ids.length,
				error: errorText(error),
			})
		}
	}

	/**
	 * Re-queues every active job whose lease (or run-time cap) has passed, through pg-boss's own failure path (so
	 * retry limits and counts apply), to run again at once: its process died, the job did not fail.
	 */
	async function sweep(): Promise<number> {
		const expired = await db.privileged(async tx => {
			const { rows } = await tx.query<{ id: string; name: string }>(
				`select id, name from ${schema}.job
				  where state = 'active' and started_on + expire_in < now()
				  for update skip locked`,
			)
			const byName = new Map<JobName, string[]>()
			for (const row of rows) {
				if (!isJobName(row.name)) continue
				byName.set(row.name, [...(byName.get(row.name) ?? []), row.id])
			}
			for (const [name, ids] of byName) {
				for (const id of ids) await boss.fail(name, id, { message: LEASE_EXPIRED }, { db: txAdapter(tx) })
			}
			if (rows.length > 0) {
				await tx.query(`update ${schema}.job set start_after = now() where id = any($1::uuid[]) and state = 'retry'`, [
					rows.map(r => r.id),
				])
			}
			return byName
		})
		let count = 0
		for (const [name, ids] of expired) {
			count += ids.length
			logger.warn('job engine: re-queued jobs whose process stopped renewing them', { job: name, count: ids.length })
			jobs.wake(name)
		}
		return count
	}

	function startLeaseTimers() {
		if (leaseSeconds === null) return
		const every = Math.max(1, leaseSeconds / 3) * 1000
		// The queue's own upkeep: no trace of its own (see `untraced`).
		const renewal = setInterval(() => void untraced(renewHeld), every)
		renewal.unref()
		timers.push(renewal)
		if (options.supervise ?? true) {
			let sweeping = false
			const sweeper = setInterval(() => {
				if (sweeping) return
				sweeping = true
				untraced(sweep)
					.catch(error => logger.warn('job engine: lease sweep failed', { error: errorText(error) }))
					.finally(() => {
						sweeping = false
					})
			}, every)
			sweeper.unref()
			timers.push(sweeper)
		}
	}

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
					attributes: {
						'messaging.system': MESSAGING_SYSTEM,
						'messaging.operation.type': 'send',
						'messaging.operation.name': 'send',
						'messaging.destination.name': name,
					},
				},
				async span => {
					try {
						const id = await send(tx, name, data, enqueueOptions)
						if (id) span.setAttribute('messaging.message.id', id)
						return id
					} catch (error) {
						span.recordException(error instanceof Error ? error : new Error(String(error)))
						span.setStatus({ code: SpanStatusCode.ERROR })
						throw error
					} finally {
						span.end()
					}
				},
			)
		},

		async work<T extends JobData>(
			name: JobName,
			handler: (job: Job<T>) => Promise<void>,
			workOptions: WorkOptions = {},
		) {
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
			caps.set(name, workOptions.expireInSeconds ?? base.expireInSeconds)
			const batchSize = workOptions.batchSize ?? 1
			const fetch: PgBoss.WorkOptions & { includeMetadata: true } = { batchSize, includeMetadata: true }
			if (workOptions.pollingIntervalSeconds !== undefined)
				fetch.pollingIntervalSeconds = workOptions.pollingIntervalSeconds
			for (let i = 0; i < (workOptions.concurrency ?? 1); i++) {
				const workerId = await boss.work<T>(name, fetch, async (batch: PgBoss.JobWithMetadata<T>[]) => {
					if (batch.length === 1 && batch[0]) return await runOne(name, batch[0], handler)
					const results = await Promise.allSettled(batch.map(raw => runOne(name, raw, handler)))
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
			startLeaseTimers()
			logger.info('job engine started', {
				queues: JOB_NAMES.length,
				driver: db.kind,
				...(leaseSeconds !== null ? { lease_seconds: leaseSeconds } : {}),
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
			const graceful = stopOptions.graceful ?? true
			await boss.stop({ graceful, wait: true, close: false, timeout: stopOptions.timeoutMs ?? 30_000 })
			// Renewal runs until the last job finished: a job still running at the deadline keeps its lease until then.
			for (const timer of timers.splice(0)) clearInterval(timer)
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
				return { ok: false, detail: error instanceof Error ? error.message : String(error) }
			}
		},

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
