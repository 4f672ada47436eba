/**
 * Reads a chat form, with or without files. Multipart bodies are parsed as they arrive with hard limits (file
 * count, bytes per file, bytes per text field), so an oversized upload is refused (413) before it fills memory;
 * what the files are is decided later by their bytes (storage sniffing), not by their names or declared types.
 * Text fields follow the rules of every form (app/utils/input.server.ts): one value each, no NUL characters.
 */
import { MaxPartSizeExceededError, unstable_parseMultipartFormData } from '@remix-run/node'
import type { UploadHandler } from '@remix-run/node'
import type { UploadedFile } from '#server/domain/chat/index.ts'
import { fieldsOf, inputRefusal, readForm, unreadableBody } from '#app/utils/input.server.ts'
import type { Fields } from '#app/utils/input.server.ts'

export type ChatForm =
	| { ok: true; fields: Fields; files: UploadedFile[] }
	| { ok: false; status: 400 | 413; field: string; message: string }

const TEXT_FIELD_MAX_BYTES = 256 * 1024

class TooManyFilesError extends Error {}

export async function readChatForm(
	request: Request,
	options: { fileFields: readonly string[]; maxFiles: number; maxFileBytes: number },
): Promise<ChatForm> {
	const type = request.headers.get('content-type') ?? ''
	if (!type.startsWith('multipart/form-data')) {
		return { ok: true, fields: await readForm(request), files: [] }
	}
	const files: UploadedFile[] = []
	let fileCount = 0
	const handler: UploadHandler = async ({ name, filename, contentType, data }) => {
		const isFile = typeof filename === 'string'
		if (filename?.includes('\u0000')) {
			throw inputRefusal(400, 'invalid_characters', 'A file name contains a NUL character (\\0). Rename the file.')
		}
		if (isFile && !options.fileFields.includes(name)) {
			// Drain and ignore files under names we do not read.
			for await (const chunk of data) void chunk
			return undefined
		}
		const limit = isFile ? options.maxFileBytes : TEXT_FIELD_MAX_BYTES
		const chunks: Uint8Array[] = []
		let size = 0
		for await (const chunk of data) {
			size += chunk.byteLength
			if (size > limit) throw new MaxPartSizeExceededError(name, limit)
			chunks.push(chunk)
		}
		if (!isFile) return new TextDecoder().decode(Buffer.concat(chunks))
		// An empty file input still sends a part with no name and no bytes.
		if (filename === '' && size === 0) return undefined
		if (++fileCount > options.maxFiles) throw new TooManyFilesError()
		files.push({ name: filename, type: contentType, data: new Uint8Array(Buffer.concat(chunks)) })
		return undefined
	}
	try {
		const form = await unstable_parseMultipartFormData(request, handler)
		return { ok: true, fields: fieldsOf(form), files }
	} catch (error) {
		const field = options.fileFields[0] ?? 'file'
		if (error instanceof MaxPartSizeExceededError) {
			const mb = Math.round(options.maxFileBytes / (1024 * 1024))
			return error.field === field || options.fileFields.includes(error.field)
				? { ok: false, status: 413, field, message: `A file can be at most ${mb} MB.` }
				: { ok: false, status: 400, field: error.field, message: 'That field is too long.' }
		}
		if (error instanceof TooManyFilesError) {
			return { ok: false, status: 400, field, message: `Attach at most ${options.maxFiles} files.` }
		}
		// Too large as a whole (413), or not multipart after all (400), or a refusal of our own.
		throw unreadableBody(error, 'The form could not be read: the body is not valid multipart/form-data.')
	}
}
