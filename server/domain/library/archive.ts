/**
 * Chosen items as one zip, streamed while it is made (yazl): entries are stored, not compressed (the media are
 * compressed already), and each file is opened from storage only when the zip reaches it, so the archive is never
 * held in memory and the first bytes leave before the last file is read. A transcript adds its text beside its
 * recording. A file gone from storage becomes an
 * empty entry (and a warning in the log) rather than a broken archive.
 */
import { Readable } from 'node:stream'
import { ZipFile } from 'yazl'
import type { Storage } from '#server/storage/index.ts'
import { logger } from '#server/logger.ts'
import { toTxt } from '../transcripts/formats.ts'
import type { TranscriptSegment } from '#server/providers/types.ts'
import type { LibraryItem } from './items.ts'

export type ArchiveEntry =
	| { name: string; bucket: 'media' | 'attachments'; key: string; date: Date }
	| { name: string; text: string; date: Date }

const EXTENSIONS: Record<string, string> = {
	'image/png': 'png',
	'image/jpeg': 'jpg',
	'image/webp': 'webp',
	'image/gif': 'gif',
	'video/mp4': 'mp4',
	'video/webm': 'webm',
	'audio/mpeg': 'mp3',
	'audio/wav': 'wav',
	'audio/ogg': 'ogg',
	'text/plain': 'txt',
	'application/pdf': 'pdf',
}

function slug(text: string): string {
	const s = text
		.normalize('NFKD')
		.replace(/[^\w\s-]/g, '')
		.trim()
		.toLowerCase()
		.replace(/[\s_-]+/g, '-')
		.slice(0, 40)
		.replace(/-+$/, '')
	return s || 'untitled'
}

/** Readable, unique names: `image-a-lighthouse-1a2b3c4d-1.png`. */
export function archiveEntries(
	items: readonly LibraryItem[],
	segments: ReadonlyMap<string, readonly TranscriptSegment[]>,
): ArchiveEntry[] {
	const entries: ArchiveEntry[] = []
	const taken = new Set<string>()
	const unique = (name: string) => {
		let candidate = name
		for (let n = 2; taken.has(candidate); n++) candidate = name.replace(/(\.[^.]+)?$/, m => `-${n}${m}`)
		taken.add(candidate)
		return candidate
	}
	for (const item of items) {
		// A file's own name loses its extension here: the entry gets the one its bytes call for.
		const title = item.type === 'generation' ? item.title : item.title.replace(/\.[a-z0-9]{1,5}$/i, '')
		const base = `${item.kind}-${slug(title)}-${item.id.slice(0, 8)}`
		const extOf = (key: string, type: string) => EXTENSIONS[type] ?? key.split('.').at(-1) ?? 'bin'
		item.files.forEach((file, i) => {
			const suffix = item.files.length > 1 ? `-${i + 1}` : ''
			entries.push({
				name: unique(`${base}${suffix}.${extOf(file.key, file.contentType)}`),
				bucket: file.bucket,
				key: file.key,
				date: item.createdAt,
			})
		})
		const text = segments.get(item.id)
		if (item.type === 'transcript' && text && text.length > 0)
			entries.push({ name: unique(`${base}.txt`), text: toTxt(text), date: item.createdAt })
	}
	return entries
}

/** The zip as a stream; files are read one at a time, as the archive reaches them. */
export function zipStream(storage: Pick<Storage, 'get'>, entries: readonly ArchiveEntry[]): Readable {
	const zip = new ZipFile()
	for (const entry of entries) {
		if ('text' in entry) {
			zip.addBuffer(Buffer.from(entry.text, 'utf8'), entry.name, { mtime: entry.date, compress: true })
			continue
		}
		zip.addReadStreamLazy(entry.name, { mtime: entry.date, compress: false }, callback => {
			storage.get(entry.bucket, entry.key).then(
				file => callback(null, file.body),
				(error: unknown) => {
					// The entry is already announced: an empty body keeps the zip whole.
					logger.warn('library archive: a file could not be read', { key: entry.key, error })
					callback(null, Readable.from([]))
				},
			)
		})
	}
	zip.end()
	return zip.outputStream as Readable
}
