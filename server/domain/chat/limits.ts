/**
 * The sizes a chat form checks, in a module of their own: the browser needs these numbers (a textarea's
 * `maxLength`), not the validation library the schemas are built with.
 */
export const MESSAGE_MAX_CHARS = 32_000
export const SYSTEM_PROMPT_MAX_CHARS = 8_000
export const TITLE_MAX_CHARS = 200
export const MAX_ATTACHMENTS = 4
/** The same cap the `attachments` storage bucket applies; checked early so a form can say so at once. */
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
/** An exported conversation is JSON text: a few megabytes is thousands of messages. */
export const IMPORT_MAX_BYTES = 10 * 1024 * 1024
export const IMPORT_MAX_MESSAGES = 5_000
