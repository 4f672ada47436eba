/** The undo window, for pages that say how long Undo is offered (browser-safe: a constant). */
export { UNDO_SECONDS, type PurgeKind } from '#server/jobs/undo-window.ts'
