/**
 * The schemas route loaders and actions parse with, reached through a `.server` module: the browser build
 * replaces it with an empty module, so neither the schemas nor the validation library ride along with a page's
 * JavaScript (about 4 KB gzip). What a page's components show (maximum lengths, counts) comes from the
 * `limits.ts` modules beside the schemas, which import no validation library.
 */
export {
	ChatActionSchema,
	ChatExportSchema,
	ConversationActionSchema,
	ConversationListQuerySchema,
	NewChatSchema,
	IMPORT_EXPECTED,
	importProblem,
	ThreadQuerySchema,
} from '#server/domain/chat/schema.ts'
