/**
 * A statement's answer read straight from the protocol bytes PGlite returns. PGlite's own parser reads every
 * field through a general message reader (a copied buffer and private-field lookups per value), which was about a
 * tenth of a rendered chat page's CPU time. The answer to a prepared statement is almost always the same few
 * messages, so those are read here with one DataView and one TextDecoder, and each value is parsed by PGlite's own
 * type parsers, exactly as `parse.parseResults` does. Anything else in the answer (an error, a notice) makes
 * `readPlainResult` return null, and the caller hands the bytes to PGlite's parser instead.
 */
import { types, type Results } from '@electric-sql/pglite'

type Field = { name: string; dataTypeID: number }
export type TypeParsers = Parameters<typeof types.parseType>[2]

const decoder = new TextDecoder()

const PARSE_COMPLETE = 0x31 // '1'
const BIND_COMPLETE = 0x32 // '2'
const CLOSE_COMPLETE = 0x33 // '3'
const NO_DATA = 0x6e // 'n'
const READY_FOR_QUERY = 0x5a // 'Z'
const ROW_DESCRIPTION = 0x54 // 'T'
const DATA_ROW = 0x44 // 'D'
const COMMAND_COMPLETE = 0x43 // 'C'

/** Commands whose tag's count is added to `affectedRows`, as PGlite counts them. */
const AFFECTING = new Set(['INSERT', 'UPDATE', 'DELETE', 'COPY', 'MERGE'])

/** The result of one statement (bind, describe, execute, sync), or null when the answer holds anything else. */
export function readPlainResult(bytes: Uint8Array, parsers: TypeParsers): Results<Record<string, unknown>> | null {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
	let fields: Field[] = []
	const rows: Record<string, unknown>[] = []
	let result: Results<Record<string, unknown>> | null = null
	let offset = 0
	while (offset < bytes.length) {
		if (offset + 5 > bytes.length) return null
		const type = bytes[offset]
		const end = offset + 1 + view.getInt32(offset + 1)
		if (end > bytes.length) return null
		let at = offset + 5
		switch (type) {
			case PARSE_COMPLETE:
			case BIND_COMPLETE:
			case CLOSE_COMPLETE:
			case NO_DATA:
			case READY_FOR_QUERY:
				break
			case ROW_DESCRIPTION: {
				const count = view.getInt16(at)
				at += 2
				fields = []
				for (let i = 0; i < count; i++) {
					const nul = bytes.indexOf(0, at)
					const name = decoder.decode(bytes.subarray(at, nul))
					// table oid (4), column number (2), then the type oid; then size (2), modifier (4), format (2)
					const dataTypeID = view.getInt32(nul + 7)
					if (view.getInt16(nul + 17) !== 0) return null // a binary column: not ours to read
					fields.push({ name, dataTypeID })
					at = nul + 19
				}
				break
			}
			case DATA_ROW: {
				if (view.getInt16(at) !== fields.length) return null
				at += 2
				const row: Record<string, unknown> = {}
				for (const field of fields) {
					const length = view.getInt32(at)
					at += 4
					if (length < 0) {
						row[field.name] = null
					} else {
						row[field.name] = types.parseType(
							decoder.decode(bytes.subarray(at, at + length)),
							field.dataTypeID,
							parsers,
						)
						at += length
					}
				}
				rows.push(row)
				break
			}
			case COMMAND_COMPLETE: {
				if (result) return null // more than one statement's answer
				const words = decoder.decode(bytes.subarray(at, end - 1)).split(' ')
				const command = words[0] ?? ''
				const count = Number.parseInt(words[words.length - 1] ?? '', 10)
				result = {
					rows,
					fields,
					affectedRows: AFFECTING.has(command) && !Number.isNaN(count) ? count : 0,
					...(Number.isNaN(count) ? {} : { rowCount: count }),
				}
				break
			}
			default:
				return null
		}
		offset = end
	}
	return result
}
