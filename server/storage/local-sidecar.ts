/**
 * The JSON sidecar beside each locally stored file (`<key>.meta.json`): the sniffed type, size, hash and original
 * name. It is written last, so a file without one does not exist yet; one that does not parse is treated as none.
 */
import * as v from 'valibot'
import { TYPES_BY_EXTENSION, type ContentKind } from './sniff.ts'
import type { Bucket, StoredObject } from './types.ts'

export const META_SUFFIX = '.meta.json'

/** The kinds a stored file can be (every kind sniffing gives a known extension). */
const STORED_KINDS = [...new Set(Object.values(TYPES_BY_EXTENSION).map(t => t.kind))] as [ContentKind, ...ContentKind[]]

/** What a `.meta.json` beside a stored file says; a sidecar that does not match is treated as no file. */
const SidecarSchema = v.object({
	v: v.literal(1),
	contentType: v.string(),
	kind: v.picklist(STORED_KINDS),
	inline: v.boolean(),
	size: v.number(),
	sha256: v.string(),
	filename: v.nullable(v.string()),
	createdAt: v.string(),
})
export type Sidecar = v.InferOutput<typeof SidecarSchema>

export type LocalFileInfo = StoredObject & { sha256: string; createdAt: string }

export function toStored(bucket: Bucket, key: string, sidecar: Sidecar): StoredObject {
	return {
		bucket,
		key,
		contentType: sidecar.contentType,
		kind: sidecar.kind,
		inline: sidecar.inline,
		size: sidecar.size,
		filename: sidecar.filename,
	}
}

export function stripLocal(info: LocalFileInfo): StoredObject {
	const { sha256: _sha, createdAt: _created, ...stored } = info
	return stored
}

export function parseSidecar(raw: string): Sidecar | null {
	let value: unknown
	try {
		value = JSON.parse(raw)
	} catch {
		return null
	}
	const parsed = v.safeParse(SidecarSchema, value)
	return parsed.success ? parsed.output : null
}
