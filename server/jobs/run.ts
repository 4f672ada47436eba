/**
 * Running one job: its lease, its CONSUMER span (a child of the trace that enqueued it), its metrics, its data
 * read back through its queue's schema, and what happens when the database goes away under it.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type PgBoss from 'pg-boss'
import * as v from 'valibot'
import { isDatabaseUnavailable, type Db } from '#server/db/index.ts'
import { logger } from '#server/logger.ts'
import type { Leases } from './leases.ts'
import type { Job, JobData, JobDataSchema, JobName } from './queues.ts'
import { messagingAttributes, untraced, type JobMetrics } from './telemetry.ts'

const tracer = trace.getTracer('generation-studio.jobs')

/** How long a job cut off by a database outage waits before it runs again. */
const DATABASE_RETRY_SECONDS = 3

export function createRunner(deps: { db: Db; schema: string; metrics: JobMetrics; leases: Leases }) {
	const { db, schema, metrics, leases } = deps

	/**
	 * Puts an active job back in the queue as never started (pg-boss counts an attempt when it fetches a job that
	 * has started before), to run in a few seconds. Only within its run-time cap from its creation, so a job that
	 * keeps losing the database does not wait forever. True when the job was put back.
	 */
	async function requeueUncounted(name: JobName, id: string): Promise<boolean> {
		try {
			const { rows } = await db.privilegedExecuteSql(
				`update ${schema}.job
				    set state = 'created', started_on = null, start_after = now() + make_interval(secs => $3)
				  where name = $1 and id = $2 and state = 'active' and created_on > now() - make_interval(secs => $4)
				returning id`,
				[name, id, DATABASE_RETRY_SECONDS, leases.capOf(name)],
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

	async function runTraced<S extends JobDataSchema>(
		name: JobName,
		raw: PgBoss.JobWithMetadata<JobData>,
		dataSchema: S,
		handler: (job: Job<v.InferOutput<S>>) => Promise<void>,
	) {
		const stored: JobData = raw.data ?? {}
		const parent = propagation.extract(context.active(), stored)
		let failure: string | null = null
		const markFailed = (reason: string) => {
			failure = reason
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
					...messagingAttributes('process', name),
					'messaging.message.id': raw.id,
					'messaging.message.delivery_count': raw.retryCount + 1,
				},
			},
			parent,
			async span => {
				let errorType: string | undefined
				try {
					const parsed = v.safeParse(dataSchema, stored)
					if (parsed.success) {
						await handler({
							id: raw.id,
							name,
							data: parsed.output,
							retryCount: raw.retryCount,
							retryLimit: raw.retryLimit,
							isLastAttempt: raw.retryCount >= raw.retryLimit,
							markFailed,
						})
					} else {
						// No attempt would read it differently: the job ends here, failed, and says why.
						markFailed(`job data does not match its queue's schema: ${v.summarize(parsed.issues)}`)
						logger.error('job engine: job data does not match its schema; the job is dropped', {
							job: name,
							jobId: raw.id,
							issues: v.summarize(parsed.issues),
						})
					}
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
						final: raw.retryCount >= raw.retryLimit,
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

	/** Runs one fetched job under its lease; a database outage puts it back without using up an attempt. */
	return async function runOne<S extends JobDataSchema>(
		name: JobName,
		raw: PgBoss.JobWithMetadata<JobData>,
		dataSchema: S,
		handler: (job: Job<v.InferOutput<S>>) => Promise<void>,
	) {
		await untraced(() => leases.hold(name, raw.id))
		try {
			await runTraced(name, raw, dataSchema, handler)
		} catch (error) {
			// The database went away under the job (a restart, a failover, a terminated backend): the job did not
			// fail, so it waits and runs again without using up an attempt. If the database is still away, the
			// failure goes through pg-boss (or the lease sweep) as any other.
			if (isDatabaseUnavailable(error) && (await untraced(() => requeueUncounted(name, raw.id)))) return
			throw error
		} finally {
			leases.release(raw.id)
		}
	}
}
