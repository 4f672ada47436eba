/** How long a deletion can be undone before the purge job makes it final (browser-safe: the flash says it). */
export const UNDO_SECONDS = 30

/** What can be deleted and undone: each has a soft-delete column and a purge in its own module. */
export type PurgeKind = 'conversation' | 'generation' | 'api_token' | 'account'
