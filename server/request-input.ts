/**
 * Reading what a request sends — form fields, JSON, text, the query string — in one place, the same way for
 * every route and for the rate limiter that runs before the route (server/route-protection.ts):
 * - one value per field: a repeated field is refused (400), so nothing can show the limiter one e-mail and
 *   the password check another;
 * - no NUL characters, in names or values (PostgreSQL text cannot hold them): 400 naming the field;
 * - the body type the route reads, or 415; a body that does not parse, 400; a body past the route's size cap,
 *   413 (server/body-limit.ts counts its bytes as they arrive).
 * A body is read once per request: the limiter and the handler get the very same values.
 *
 * Refusals are thrown as Responses in the API error shape, `{ error: { code, message, fields?, requestId } }`:
 * API clients read it, and pages show the message in their error boundary (as for a 429).
 */
import { describeBytes, isBodyTooLarge } from './body-limit.ts'
import { requestScope } from './logger.ts'

/** One value per field; empty values are left out, so optional fields stay optional. */
export type Fields = Record<string, string>

type RefusalStatus = 400 | 413 | 415

export function inputRefusal(
	status: RefusalStatus,
	code: string,
	message: string,
	fields?: Record<string, string[]>,
): Response {
	const requestId = requestScope.getStore()?.requestId ?? ''
	return new Response(JSON.stringify({ error: { code, message, ...(fields ? { fields } : {}), requestId } }), {
		status,
		headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
	})
}

export function bodyTooLarge(limit: number): Response {
	return inputRefusal(
		413,
		'body_too_large',
		`The request is too large: at most ${describeBytes(limit)} can be sent here.`,
	)
}

const NUL = '\u0000'
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data']

/** A field name as a message can quote it: short, and printable. */
function shown(name: string): string {
	const clean = name.replaceAll(NUL, '\\0')
	return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean
}

function nulRefusal(name: string): Response {
	const message = `The field "${shown(name)}" contains a NUL character (\\0), which text cannot hold. Remove it and send again.`
	return inputRefusal(400, 'invalid_characters', message, { [name]: ['Remove the NUL character (\\0).'] })
}

/**
 * Fields from form entries (a form body, multipart text parts, a query string), refusing a repeated name and
 * NUL characters. File parts are not text: they are skipped here and read by the upload reader.
 */
export function fieldsOf(entries: Iterable<[string, FormDataEntryValue]>): Fields {
	const fields: Fields = {}
	const seen = new Set<string>()
	for (const [name, value] of entries) {
		if (name.includes(NUL)) throw nulRefusal(name)
		if (seen.has(name)) {
			throw inputRefusal(
				400,
				'repeated_field',
				`The field "${shown(name)}" was sent more than once. Send each field once.`,
				{ [name]: ['Send this field once.'] },
			)
		}
		seen.add(name)
		if (typeof value !== 'string') continue
		if (value.includes(NUL)) throw nulRefusal(name)
		if (value.trim() !== '') fields[name] = value
	}
	return fields
}

/** The media type of the body, lower case, without parameters ('' when none is named). */
export function mediaType(request: Request): string {
	return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

export function isJsonType(type: string): boolean {
	return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

function causes(error: unknown): unknown[] {
	const chain: unknown[] = []
	for (let e = error; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) {
		chain.push(e)
		if (typeof e !== 'object') break
	}
	return chain
}

/** A body that could not be read: too large (413), or not what it said it was (400). */
export function unreadableBody(error: unknown, message: string): Response {
	if (error instanceof Response) return error
	const tooLarge = causes(error).find(isBodyTooLarge)
	if (tooLarge) return bodyTooLarge(tooLarge.limit)
	return inputRefusal(400, 'invalid_body', message)
}

/**
 * Per request and per way of reading: the limiter and the handler share one read. One table per process:
 * this module is bundled twice (the server entry, where the route guard runs, and the Remix build, where the
 * routes run), and both copies must find the same read.
 */
const READS_KEY = Symbol.for('generation-studio.request-reads')
type Reads = WeakMap<Request, Map<string, Promise<unknown>>>
const processGlobals = globalThis as typeof globalThis & { [READS_KEY]?: Reads }
const reads: Reads = (processGlobals[READS_KEY] ??= new WeakMap())

function once<T>(request: Request, kind: string, read: () => Promise<T>): Promise<T> {
	let byKind = reads.get(request)
	if (!byKind) reads.set(request, (byKind = new Map()))
	let pending = byKind.get(kind) as Promise<T> | undefined
	if (!pending) {
		pending = read()
		// The refusal is the caller's to throw; an unobserved copy must not count as an unhandled rejection.
		pending.catch(() => undefined)
		byKind.set(kind, pending)
	}
	return pending
}

/** The fields of a form post (urlencoded or multipart). Throws a 4xx Response (see the file comment). */
export function readForm(request: Request): Promise<Fields> {
	return once(request, 'form', async () => {
		const type = mediaType(request)
		if (!FORM_TYPES.includes(type)) {
			throw inputRefusal(
				415,
				'unsupported_media_type',
				'Send this form as application/x-www-form-urlencoded or multipart/form-data.',
			)
		}
		let form: FormData
		try {
			form = await request.formData()
		} catch (error) {
			throw unreadableBody(error, `The form could not be read: the body is not valid ${type}.`)
		}
		return fieldsOf(form)
	})
}

/**
 * The JSON body (any value; the route's schema decides its shape). Refuses another declared type (415), text
 * that is not JSON (400), a key repeated within one object (400) and NUL characters in any key or string (400).
 */
export function readJson(request: Request): Promise<unknown> {
	return once(request, 'json', async () => {
		const type = mediaType(request)
		if (type !== '' && !isJsonType(type)) {
			throw inputRefusal(415, 'unsupported_media_type', 'Send a JSON body with Content-Type: application/json.')
		}
		const text = await readText(request)
		let value: unknown
		try {
			value = JSON.parse(text)
		} catch {
			throw inputRefusal(400, 'invalid_json', 'The body is not valid JSON.')
		}
		const repeated = repeatedKey(text)
		if (repeated !== null) {
			throw inputRefusal(
				400,
				'repeated_field',
				`The key "${shown(repeated)}" appears more than once in one object. Send each key once.`,
				{ [repeated]: ['Send this key once.'] },
			)
		}
		const withNul = nulPath(value)
		if (withNul !== null) throw nulRefusal(withNul)
		return value
	})
}

/** A form or a JSON body, by the declared type: fields for a form, the parsed value for JSON. */
export function readFormOrJson(request: Request): Promise<unknown> {
	return isJsonType(mediaType(request)) ? readJson(request) : readForm(request)
}

/** The raw body as text (signed webhooks verify these exact bytes). */
export function readText(request: Request): Promise<string> {
	return once(request, 'text', async () => {
		try {
			return await request.text()
		} catch (error) {
			throw unreadableBody(error, 'The request body could not be read.')
		}
	})
}

/** The query string's fields, with the same rules as a form (a repeated or NUL-bearing parameter is a 400). */
export function readQuery(request: Request): Fields {
	return fieldsOf(new URL(request.url).searchParams)
}

/**
 * The first key that appears twice within one object of a JSON text that is known to parse. `JSON.parse`
 * silently keeps the last one, which is how two readers of the same body can disagree.
 */
export function repeatedKey(text: string): string | null {
	const objects: Array<Set<string> | null> = []
	let expectKey = false
	for (let i = 0; i < text.length; i++) {
		const c = text[i]
		if (c === '"') {
			let end = i + 1
			while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1
			const keys = objects.at(-1)
			if (keys && expectKey) {
				const key = JSON.parse(text.slice(i, end + 1)) as string
				if (keys.has(key)) return key
				keys.add(key)
				expectKey = false
			}
			i = end
		} else if (c === '{') {
			objects.push(new Set())
			expectKey = true
		} else if (c === '[') {
			objects.push(null)
			expectKey = false
		} else if (c === '}' || c === ']') {
			objects.pop()
			expectKey = false
		} else if (c === ',') {
			expectKey = objects.at(-1) instanceof Set
		}
	}
	return null
}

/** The path (`messages.3.content`) of the first key or string holding a NUL character, or null. Iterative: a
 *  deeply nested body cannot exhaust the stack. */
export function nulPath(value: unknown): string | null {
	const pending: Array<[unknown, string]> = [[value, '']]
	while (pending.length > 0) {
		const [item, path] = pending.pop() as [unknown, string]
		if (typeof item === 'string') {
			if (item.includes(NUL)) return path
		} else if (Array.isArray(item)) {
			item.forEach((v, i) => pending.push([v, path ? `${path}.${i}` : String(i)]))
		} else if (typeof item === 'object' && item !== null) {
			for (const [key, v] of Object.entries(item)) {
				const at = path ? `${path}.${key}` : key
				if (key.includes(NUL)) return at
				pending.push([v, at])
			}
		}
	}
	return null
}
