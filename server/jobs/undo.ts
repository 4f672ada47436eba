/**
 * The undo window of destructive actions (docs/decisions/015-undo-and-soft-delete.md), at the level every
 * deleting module can reach: the mark is `deleted_at` (or `revoked_at`), and the purge is a `purge.deleted` job
 * enqueued in the deleting transaction to start when the window is over. The worker that runs it is in
 * server/domain/undo.
 */
import * as v from 'valibot'
import type { Tx } from '#server/db/index.ts'
import type { Jobs } from './index.ts'

import { PURGE_KINDS, UNDO_SECONDS, type PurgeKind } from './undo-window.ts'

export { PURGE_KINDS, UNDO_SECONDS, type PurgeKind } from './undo-window.ts'

/** The data of a `purge.deleted` job: enqueued against this schema, read back through it. */
export const PurgeDataSchema = v.looseObject({ kind: v.picklist(PURGE_KINDS), id: v.string() })
export type PurgeData = v.InferOutput<typeof PurgeDataSchema>

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
