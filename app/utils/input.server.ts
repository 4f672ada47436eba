/**
 * What routes call to read a request: form fields, JSON, text and the query string, one value per field and no
 * NUL characters, refused with a 4xx Response otherwise (server/request-input.ts has the rules). The rate
 * limiter reads through the same functions, so it sees exactly what the route sees.
 */
export {
	fieldsOf,
	inputRefusal,
	readForm,
	readFormOrJson,
	readJson,
	readQuery,
	readText,
	unreadableBody,
} from '#server/request-input.ts'
export type { Fields } from '#server/request-input.ts'
