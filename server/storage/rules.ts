/**
 * What each bucket accepts, and the shape of the keys we generate. Both backends use these rules, so a file
 * refused on a laptop is refused on Supabase with the same words.
 */
import { randomUUID } from 'node:crypto'
import { InvalidKeyError, UploadRefusedError } from './errors.ts'
import type { ContentKind, Sniffed } from './sniff.ts'
import { UUID_SOURCE, isUuid } from '#server/uuid.ts'
import type { Bucket } from './types.ts'

export type BucketRule = {
	maxBytes: number
	allowedKinds: readonly ContentKind[]
	/** How a sentence names the bucket's files: "attachments can be at most 20 MB". */
	label: string
	/** Said when the type is not allowed. */
	typeMessage: string
}

export type BucketRules = Record<Bucket, BucketRule>

const MB = 1024 * 1024

export const DEFAULT_BUCKET_RULES: BucketRules = {
	// Generation outputs and media a person brings to the studios (images to edit, audio to cut, video).
	media: {
		maxBytes: 200 * MB,
		allowedKinds: ['image', 'video', 'audio'],
		label: 'media files',
		typeMessage: 'That file is not an image, audio or video file.',
	},
	// Chat attachments: anything a model can read. Markup (HTML, SVG) is accepted as text but only ever downloaded.
	attachments: {
		maxBytes: 20 * MB,
		allowedKinds: ['image', 'video', 'audio', 'pdf', 'text', 'markup'],
		label: 'attachments',
		typeMessage: 'That file is not an image, audio, video, PDF or text file.',
	},
}

/** "31 MB", "20.5 MB", "512 KB", "12 bytes" — rounded up, so a file just over a cap never reads as equal to it. */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
	if (bytes < MB) return `${Math.ceil(bytes / 1024)} KB`
	const mb = bytes / MB
	const shown = Number.isInteger(mb) || mb >= 100 ? Math.ceil(mb) : Math.ceil(mb * 10) / 10
	return `${shown} MB`
}

export function tooLarge(rule: BucketRule, size: number | null): UploadRefusedError {
	const limit = formatBytes(rule.maxBytes)
	const what = size === null ? `larger than ${limit}` : formatBytes(size)
	return new UploadRefusedError(`That file is ${what}; ${rule.label} can be at most ${limit}.`, 'too_large')
}

export function checkSize(rule: BucketRule, size: number): void {
	if (size === 0) throw new UploadRefusedError('That file is empty.', 'empty')
	if (size > rule.maxBytes) throw tooLarge(rule, size)
}

export function checkType(rule: BucketRule, type: Sniffed): void {
	if (!rule.allowedKinds.includes(type.kind)) throw new UploadRefusedError(rule.typeMessage, 'type_not_allowed')
}

const UUID = UUID_SOURCE
// The only keys that exist: nothing here can climb out of a folder or name a hidden file.
const KEY = new RegExp(`^(${UUID})/(\\d{4})/(0[1-9]|1[0-2])/${UUID}\\.[a-z0-9]{2,5}$`)

export function isUserId(value: string): boolean {
	return isUuid(value)
}

export function assertUserId(value: string): void {
	if (!isUserId(value)) throw new InvalidKeyError('user id')
}

export function isKey(value: string): boolean {
	return KEY.test(value)
}

export function assertKey(value: string): void {
	if (!isKey(value)) throw new InvalidKeyError('key')
}

export function assertBucket(value: string): asserts value is Bucket {
	if (value !== 'media' && value !== 'attachments') throw new InvalidKeyError('bucket')
}

/** The owner of a key: its first path segment. */
export function keyOwner(key: string): string | null {
	return KEY.exec(key)?.[1] ?? null
}

/** A fresh key for the user's file: `${userId}/${yyyy}/${mm}/${uuid}.${ext}` (UTC month). */
export function newKey(userId: string, ext: string, now: Date = new Date()): string {
	assertUserId(userId)
	if (!/^[a-z0-9]{2,5}$/.test(ext)) throw new InvalidKeyError('extension')
	const yyyy = String(now.getUTCFullYear()).padStart(4, '0')
	const mm = String(now.getUTCMonth() + 1).padStart(2, '0')
	return `${userId}/${yyyy}/${mm}/${randomUUID()}.${ext}`
}

/** A name safe to keep and to put in a Content-Disposition header: no folders, no control characters. */
export function cleanFilename(name: string | null | undefined): string | null {
	if (!name) return null
	const base = name.split(/[/\\]/).pop() ?? ''
	const cleaned = [...base]
		.filter(c => c.charCodeAt(0) >= 0x20 && c !== '\u007f' && c !== '"')
		.join('')
		.trim()
		.slice(0, 200)
	return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : null
}
