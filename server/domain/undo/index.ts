/**
 * Undo for destructive actions (docs/decisions/015-undo-and-soft-delete.md). Deleting marks the row
 * (`deleted_at`, or `revoked_at` for API tokens) and enqueues, in the same transaction, a `purge.deleted` job
 * that starts UNDO_SECONDS later; undoing clears the mark while the window is open. The job calls the purge of
 * the row's own module, which deletes the row (and its files) only if it is still marked and the window has
 * passed, so an undo, or a deletion undone and repeated, is never purged early.
 */
import type { Tx } from '#server/db/index.ts'
import type { Job, Jobs } from '#server/jobs/index.ts'
import { logger } from '#server/logger.ts'
import { UNDO_SECONDS, type PurgeKind } from './schema.ts'

export { UNDO_SECONDS, type PurgeKind } from './schema.ts'

export type PurgeData = { kind: PurgeKind; id: string }

/** Deletes the row for good when it is still marked and its window has passed; a no-op otherwise. */
export type Purger = (id: string) => Promise<void>

/** SQL for "marked, and the undo window is over" against a column (`deleted_at` or `revoked_at`). */
export function windowPassed(column: string): string {
	return `${column} is not null and ${column} <= now() - make_interval(secs => ${UNDO_SECONDS})`
}

/** SQL for "marked, and still undoable". */
export function windowOpen(column: string): string {
	return `${column} is not null and ${column} > now() - make_interval(secs => ${UNDO_SECONDS})`
}

/** Enqueues the purge of a row marked in `tx`: it exists only if the deletion commits. */
export async function schedulePurge(jobs: Pick<Jobs, 'enqueue'>, tx: Tx, kind: PurgeKind, id: string) {
	await jobs.enqueue<PurgeData>(tx, 'purge.deleted', { kind, id }, { startAfterSeconds: UNDO_SECONDS })
}

/** Until when an Undo button for a deletion made now may be offered (ISO time). */
export function undoDeadline(from = new Date()): string {
	return new Date(from.getTime() + UNDO_SECONDS * 1000).toISOString()
}

function isPurgeData(data: unknown): data is PurgeData {
	if (typeof data !== 'object' || data === null) return false
	const { kind, id } = data as Record<string, unknown>
	return (
		(kind === 'conversation' || kind === 'generation' || kind === 'api_token' || kind === 'account') &&
		typeof id === 'string'
	)
}

/** Registers the worker that purges each kind through its module's purger. */
export async function startPurgeWorker(jobs: Pick<Jobs, 'work'>, purgers: Record<PurgeKind, Purger>) {
	await jobs.work('purge.deleted', async (job: Job) => {
		if (!isPurgeData(job.data)) {
			logger.warn('purge job without a kind and id, dropped', { jobId: job.id })
			return
		}
		await purgers[job.data.kind](job.data.id)
	})
}
