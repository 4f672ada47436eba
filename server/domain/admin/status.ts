/**
 * The status page's read-model: readiness (the same function `/readyz` answers with), each queue's depth and
 * oldest waiting job, failed jobs with their errors, and this process's recent error lines counted by route.
 * Retrying or discarding a failed job is an audited administrator's action.
 */
import type { Db } from '#server/db/index.ts'
import { isJobName, type FailedJob, type Jobs, type QueueStats } from '#server/jobs/index.ts'
import { recentErrorCounts, type ErrorCount } from '#server/logger.ts'
import { refuse, type Refusal } from '../refusal.ts'
import { recordAudit, stillAdmin } from './audit.ts'
import type { AdminActor } from './users.ts'

export type ReadinessReport = {
	status: 'ready' | 'degraded' | 'unavailable'
	checks: Record<string, { ok: boolean; required: boolean; latencyMs?: number; detail?: string }>
}

export type StatusReport = {
	readiness: ReadinessReport
	queues: QueueStats[]
	failed: FailedJob[]
	errors: ErrorCount[]
	/** The start of the window the error counts cover. */
	errorsSince: string
}

/** How far back the error counts look. */
export const ERROR_WINDOW_MS = 60 * 60_000
export const FAILED_JOBS_SHOWN = 50

export function createAdminStatus(deps: {
	db: Db
	jobs: Pick<Jobs, 'queueStats' | 'failedJobs' | 'retryFailed' | 'discardFailed'>
	readiness: () => Promise<ReadinessReport>
}) {
	const { db, jobs, readiness } = deps

	async function report(): Promise<StatusReport> {
		const since = new Date(Date.now() - ERROR_WINDOW_MS)
		const [ready, queues, failed] = await Promise.all([
			readiness(),
			jobs.queueStats(),
			jobs.failedJobs(FAILED_JOBS_SHOWN),
		])
		return { readiness: ready, queues, failed, errors: recentErrorCounts(since), errorsSince: since.toISOString() }
	}

	/** Retry (one more attempt) or discard (delete) a failed job, with its audit entry in the same transaction. */
	async function jobAction(
		actor: AdminActor,
		input: { intent: 'retry' | 'discard'; queue: string; jobId: string },
	): Promise<{ message: string } | Refusal> {
		const { queue, jobId, intent } = input
		if (!isJobName(queue)) return refuse(404, 'not_found', `There is no queue called ${queue}.`)
		const done = await db.privileged(async tx => {
			const notAdmin = await stillAdmin(tx, actor.id)
			if (notAdmin) return notAdmin
			const job =
				intent === 'retry' ? await jobs.retryFailed(queue, jobId, tx) : await jobs.discardFailed(queue, jobId, tx)
			if (!job) return null
			await recordAudit(tx, {
				actor,
				action: intent === 'retry' ? 'job.retry' : 'job.discard',
				targetType: 'job',
				targetId: `${queue}/${jobId}`,
				targetLabel: queue,
				before: { state: 'failed', error: job.error, retryCount: job.retryCount },
				after: intent === 'retry' ? { state: 'retry' } : null,
			})
			return job
		})
		if (done && 'refused' in done) return done
		if (!done) {
			return refuse(404, 'not_found', 'That job is no longer failed: it was retried, discarded or archived already.')
		}
		return {
			message:
				intent === 'retry'
					? `The ${queue} job is queued again for one more attempt.`
					: `The failed ${queue} job was discarded.`,
		}
	}

	return { report, jobAction }
}
