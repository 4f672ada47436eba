/**
 * The job engine's vocabulary: the queues, their retry policies, and the shapes of a job and of the engine
 * (server/jobs/index.ts builds it).
 */
import type * as v from 'valibot'
import type { Tx } from '#server/db/index.ts'

/** The one list of queue names. Add a name here (with its policy below) to add a queue. */
export const JOB_NAMES = [
	'generation.run',
	'generation.poll',
	'chat.title',
	'workflow.run',
	'purge.deleted',
	'audio.mixdown',
	'transcript.run',
] as const
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
	'transcript.run': { retryLimit: 2, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 30 * 60 },
	'chat.title': { retryLimit: 2, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 2 * 60 },
	'workflow.run': { retryLimit: 2, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 60 * 60 },
	// Deleting for good after the undo window: files on a storage that is down are tried again later.
	'purge.deleted': { retryLimit: 5, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 5 * 60 },
	// Rendering a project with ffmpeg: minutes at most for an hour-long project.
	'audio.mixdown': { retryLimit: 2, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 15 * 60 },
}

/** Job payloads are JSON objects; unknown fields are kept as they are (`traceparent` rides along). */
export type JobData = { traceparent?: string; tracestate?: string; [key: string]: unknown }

/**
 * The valibot schema of a queue's payload: producers enqueue `v.InferInput` of it, the worker gets `v.InferOutput`.
 * Use `v.looseObject` so the trace context the engine adds is kept.
 */
export type JobDataSchema = v.GenericSchema<JobData, JobData>

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

/** One queue as the status page shows it. */
export type QueueStats = {
	name: JobName
	/** Created or waiting for a retry, not yet picked up. */
	waiting: number
	active: number
	failed: number
	/** When the longest-waiting job was created, or null when none waits. */
	oldestWaitingAt: Date | null
}

/** A job that failed for good (its retries used up), with the error it failed with. */
export type FailedJob = {
	id: string
	name: JobName
	error: string
	retryCount: number
	createdAt: Date
	failedAt: Date | null
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
	/**
	 * Runs `handler` for each job of the queue. The job's data is read back through `options.data`, the schema
	 * its producers enqueue against: data that does not match is a bug, so the job is failed (not retried) and logged.
	 */
	work<S extends JobDataSchema>(
		name: JobName,
		handler: (job: Job<v.InferOutput<S>>) => Promise<void>,
		options: WorkOptions & { data: S },
	): Promise<void>
	start(): Promise<void>
	/** Stops fetching; with `graceful` (the default) waits up to `timeoutMs` for running jobs to finish. */
	stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>
	health(): Promise<JobsHealth>
	/** Jobs not yet finished (created, retry, active) in one queue. */
	pendingCount(name: JobName): Promise<number>
	/** Depth, running and failed counts and the oldest waiting job, per queue (every queue, even an empty one). */
	queueStats(): Promise<QueueStats[]>
	/** The most recently failed jobs, newest first. */
	failedJobs(limit: number): Promise<FailedJob[]>
	/**
	 * A failed job back in its queue (one more attempt), inside `tx` when given; the job as it was, or null when
	 * there is no failed job with that id in that queue.
	 */
	retryFailed(name: JobName, id: string, tx?: Tx): Promise<FailedJob | null>
	/** Deletes a failed job, inside `tx` when given; the job as it was, or null as above. */
	discardFailed(name: JobName, id: string, tx?: Tx): Promise<FailedJob | null>
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

export function isJobName(name: string): name is JobName {
	return (JOB_NAMES as readonly string[]).includes(name)
}

export function assertJobName(name: string): asserts name is JobName {
	if (!isJobName(name)) throw new Error(`Unknown job name ${JSON.stringify(name)}: add it to JOB_NAMES`)
}
