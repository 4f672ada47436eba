/**
 * Undo for destructive actions (docs/decisions/015-undo-and-soft-delete.md). Deleting marks the row
 * (`deleted_at`, or `revoked_at` for API tokens) and enqueues, in the same transaction, a `purge.deleted` job
 * that starts UNDO_SECONDS later (server/jobs/undo.ts); undoing clears the mark while the window is open. The job calls the purge of
 * the row's own module, which deletes the row (and its files) only if it is still marked and the window has
 * passed, so an undo, or a deletion undone and repeated, is never purged early.
 */
import type { Jobs } from '#server/jobs/index.ts'
import { PurgeDataSchema, UNDO_SECONDS, type PurgeKind } from '#server/jobs/undo.ts'

export { UNDO_SECONDS, schedulePurge, windowOpen, windowPassed } from '#server/jobs/undo.ts'
export type { PurgeData, PurgeKind } from '#server/jobs/undo.ts'

/** Deletes the row for good when it is still marked and its window has passed; a no-op otherwise. */
export type Purger = (id: string) => Promise<void>

/** Until when an Undo button for a deletion made now may be offered (ISO time). */
export function undoDeadline(from = new Date()): string {
	return new Date(from.getTime() + UNDO_SECONDS * 1000).toISOString()
}

/** Registers the worker that purges each kind through its module's purger. */
export async function startPurgeWorker(jobs: Pick<Jobs, 'work'>, purgers: Record<PurgeKind, Purger>) {
	await jobs.work(
		'purge.deleted',
		async job => {
			await purgers[job.data.kind](job.data.id)
		},
		{ data: PurgeDataSchema },
	)
}
