/**
 * The undo window and what it covers, as plain constants: pages that say how long Undo is offered import these
 * (through server/domain/undo/schema.ts) without the job code and validation library of ./undo.ts.
 */

/** How long a deletion can be undone before the purge job makes it final. */
export const UNDO_SECONDS = 30

/** What can be deleted and undone: each has a soft-delete column and a purge in its own module. */
export const PURGE_KINDS = ['conversation', 'generation', 'api_token', 'account'] as const
export type PurgeKind = (typeof PURGE_KINDS)[number]
