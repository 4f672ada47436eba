/**
 * Supabase Storage backend (private buckets `media` and `attachments`) through supabase-js with the service-role
 * key. Files are checked here exactly as on local disk before they are sent; the bucket policies (per-user
 * folders: the first path segment is the owner) protect anything a browser reaches directly.
 *
 * Supabase serves files with the content type given at upload, so markup is uploaded as
 * `application/octet-stream` (the sniffed type goes into the object's metadata), and URLs for anything that is
 * not safe inline are download URLs — decided from the key's extension, which we chose from the sniffed type.
 */
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import {
	createClient,
	StorageApiError,
	type SupabaseClient,
	type WebSocketLikeConstructor,
} from '@supabase/supabase-js'
import { logger } from '#server/logger.ts'
import { StorageError, StorageNotFoundError, StorageUnavailableError, UploadRefusedError } from './errors.ts'
import { prepareUpload } from './ingest.ts'
import {
	assertBucket,
	assertKey,
	assertUserId,
	checkSize,
	checkType,
	DEFAULT_BUCKET_RULES,
	type BucketRules,
} from './rules.ts'
import { servedContentType, sniff, SNIFF_BYTES, typeFromKey, type ContentKind, type Sniffed } from './sniff.ts'
import {
	BUCKETS,
	type Bucket,
	type PutInput,
	type SignedUpload,
	type SignedUrlOptions,
	type Storage,
	type StorageHealth,
	type StoredFile,
	type StoredObject,
} from './types.ts'

export type SupabaseStorageOptions = {
	url: string
	serviceRoleKey: string
	rules?: BucketRules
}

/** What we keep in the object's user metadata. */
type ObjectMetadata = { filename: string | null; contentType: string; kind: ContentKind }

const PAGE = 1000
const MAX_EXPIRY_SECONDS = 7 * 24 * 60 * 60
const TEXT_TYPES = new Set(['text/plain', 'text/markdown', 'text/csv', 'application/json'])

function isNotFound(error: unknown): boolean {
	if (!(error instanceof StorageApiError)) return false
	// Older Storage API versions answer 400 with the real status in `statusCode`.
	return error.status === 404 || error.statusCode === '404' || error.statusCode === 'not_found'
}

function failure(action: string, error: unknown): StorageError {
	if (error instanceof StorageError) return error
	if (isNotFound(error)) return new StorageNotFoundError()
	const detail = error instanceof Error ? error.message : String(error)
	return new StorageUnavailableError(`Supabase Storage could not ${action}: ${detail}`, error)
}

function baseType(contentType: string | undefined | null): string {
	return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function readMetadata(value: unknown, key: string): ObjectMetadata {
	const fallback = typeFromKey(key)
	const m = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
	return {
		filename: typeof m.filename === 'string' ? m.filename : null,
		contentType: typeof m.contentType === 'string' ? m.contentType : fallback.mime,
		kind: typeof m.kind === 'string' ? (m.kind as ContentKind) : fallback.kind,
	}
}

/** A WebSocket class for supabase-js clients that never use Realtime: constructing one is an error. */
export const NoRealtime = class {
	constructor() {
		throw new Error('Realtime is not used by the storage client')
	}
} as unknown as WebSocketLikeConstructor

export class SupabaseStorage implements Storage {
	readonly backend = 'supabase' as const
	private readonly client: SupabaseClient
	private readonly rules: BucketRules

	constructor(options: SupabaseStorageOptions) {
		this.client = createClient(options.url, options.serviceRoleKey, {
			// A server-side client: no session to keep or refresh, nothing to read from a URL.
			auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
			// supabase-js builds a Realtime client eagerly and, on Node 20, refuses without a WebSocket class.
			// Storage never opens a socket; this one says so if anything ever tries.
			realtime: { transport: NoRealtime },
		})
		this.rules = options.rules ?? DEFAULT_BUCKET_RULES
	}

	private bucket(bucket: Bucket) {
		assertBucket(bucket)
		return this.client.storage.from(bucket)
	}

	async put(input: PutInput): Promise<StoredObject> {
		const { prepared, key } = await prepareUpload(input, this.rules)
		let refusal: unknown = null
		prepared.body.once('error', error => {
			refusal = error
		})
		const metadata: ObjectMetadata = {
			filename: prepared.filename,
			contentType: prepared.type.mime,
			kind: prepared.type.kind,
		}
		const { error } = await this.bucket(input.bucket).upload(
			key,
			prepared.bytes
				? Buffer.from(prepared.bytes.buffer, prepared.bytes.byteOffset, prepared.bytes.byteLength)
				: prepared.body,
			{ contentType: servedContentType(prepared.type), upsert: false, cacheControl: '3600', metadata },
		)
		if (error || refusal) {
			prepared.body.destroy()
			// A stream refused half-way aborts the upload; make sure no partial object stays behind.
			await this.bucket(input.bucket)
				.remove([key])
				.catch(() => undefined)
			if (refusal instanceof UploadRefusedError) throw refusal
			throw failure('store the file', error ?? refusal)
		}
		const { size } = prepared.result()
		return {
			bucket: input.bucket,
			key,
			contentType: prepared.type.mime,
			kind: prepared.type.kind,
			inline: prepared.type.inline,
			size,
			filename: prepared.filename,
		}
	}

	private async info(bucket: Bucket, key: string) {
		assertKey(key)
		const { data, error } = await this.bucket(bucket).info(key)
		if (error) throw failure('read the file information', error)
		return data
	}

	async get(bucket: Bucket, key: string): Promise<StoredFile> {
		const info = await this.info(bucket, key)
		const meta = readMetadata(info.metadata, key)
		const { data, error } = await this.bucket(bucket).download(key).asStream()
		if (error) throw failure('read the file', error)
		const type = typeFromKey(key)
		return {
			bucket,
			key,
			contentType: meta.contentType,
			kind: meta.kind,
			inline: type.inline && meta.kind !== 'markup' && meta.kind !== 'unknown',
			size: info.size ?? 0,
			filename: meta.filename,
			body: Readable.fromWeb(data as WebReadableStream<Uint8Array>),
		}
	}

	async signedUrl(bucket: Bucket, key: string, options: SignedUrlOptions): Promise<string> {
		assertKey(key)
		const seconds = Math.floor(options.expiresInSeconds)
		if (!(seconds >= 1 && seconds <= MAX_EXPIRY_SECONDS)) {
			throw new RangeError(`expiresInSeconds must be between 1 and ${MAX_EXPIRY_SECONDS}`)
		}
		// Anything not safe to show is only ever handed out as a download.
		const download = options.download ?? (typeFromKey(key).inline ? undefined : true)
		const { data, error } = await this.bucket(bucket).createSignedUrl(key, seconds, download ? { download } : {})
		if (error) throw failure('sign a download URL', error)
		return data.signedUrl
	}

	async createSignedUploadUrl(bucket: Bucket, key: string): Promise<SignedUpload> {
		assertKey(key)
		const { data, error } = await this.bucket(bucket).createSignedUploadUrl(key)
		if (error) throw failure('sign an upload URL', error)
		return { url: data.signedUrl, token: data.token, key }
	}

	/** Reads the first bytes of an object without downloading the rest. */
	private async head(bucket: Bucket, key: string): Promise<Uint8Array> {
		const controller = new AbortController()
		const { data, error } = await this.bucket(bucket).download(key, {}, { signal: controller.signal }).asStream()
		if (error) throw failure('read the file', error)
		const reader = (data as WebReadableStream<Uint8Array>).getReader()
		const chunks: Uint8Array[] = []
		let length = 0
		try {
			while (length < SNIFF_BYTES) {
				const { done, value } = await reader.read()
				if (done) break
				chunks.push(value)
				length += value.length
			}
		} finally {
			await reader.cancel().catch(() => undefined)
			controller.abort()
		}
		return Buffer.concat(chunks)
	}

	async verifyUpload(bucket: Bucket, key: string): Promise<StoredObject> {
		const rule = this.rules[bucket]
		const info = await this.info(bucket, key)
		const size = info.size ?? 0
		let type: Sniffed
		try {
			checkSize(rule, size)
			const head = await this.head(bucket, key)
			type = sniff(head, { declaredType: info.contentType, complete: head.length >= size })
			checkType(rule, type)
			// The key's extension decides how URLs serve the file, and Supabase serves the declared type:
			// both must agree with the bytes.
			const declared = baseType(info.contentType)
			const typeMatches =
				type.kind === 'text' ? TEXT_TYPES.has(declared) : declared === baseType(servedContentType(type))
			if (typeFromKey(key).ext !== type.ext || !typeMatches) {
				throw new UploadRefusedError("That file's contents do not match its type.", 'type_mismatch')
			}
		} catch (error) {
			if (error instanceof UploadRefusedError) {
				await this.remove(bucket, [key])
				logger.info('storage: refused a direct upload', { bucket, reason: error.reason })
			}
			throw error
		}
		const meta = readMetadata(info.metadata, key)
		return {
			bucket,
			key,
			contentType: type.mime,
			kind: type.kind,
			inline: type.inline,
			size,
			filename: meta.filename,
		}
	}

	async remove(bucket: Bucket, keys: readonly string[]): Promise<void> {
		keys.forEach(assertKey)
		for (let i = 0; i < keys.length; i += PAGE) {
			const { error } = await this.bucket(bucket).remove(keys.slice(i, i + PAGE))
			if (error) throw failure('delete files', error)
		}
	}

	/** Every file under `prefix`, walking the folders that `list` returns (entries with `id: null`). */
	private async listFiles(bucket: Bucket, prefix: string): Promise<string[]> {
		const files: string[] = []
		const folders = [prefix]
		for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
			for (let offset = 0; ; offset += PAGE) {
				const { data, error } = await this.bucket(bucket).list(folder, {
					limit: PAGE,
					offset,
					sortBy: { column: 'name', order: 'asc' },
				})
				if (error) throw failure('list files', error)
				for (const entry of data) {
					const path = `${folder}/${entry.name}`
					if (entry.id === null) folders.push(path)
					else files.push(path)
				}
				if (data.length < PAGE) break
			}
		}
		return files
	}

	async removeUserFiles(userId: string): Promise<number> {
		assertUserId(userId)
		let removed = 0
		for (const bucket of BUCKETS) {
			const files = await this.listFiles(bucket, userId)
			for (let i = 0; i < files.length; i += PAGE) {
				const { error } = await this.bucket(bucket).remove(files.slice(i, i + PAGE))
				if (error) throw failure('delete files', error)
			}
			removed += files.length
		}
		logger.info('storage: removed user files', { backend: 'supabase', user_id: userId, files: removed })
		return removed
	}

	/** Both buckets exist and are private; an answer within `timeoutMs`, so a readiness probe never hangs. */
	async health(timeoutMs = 5000): Promise<StorageHealth> {
		let timer: NodeJS.Timeout | undefined
		const late = new Promise<StorageHealth>(ok => {
			timer = setTimeout(
				() => ok({ ok: false, backend: 'supabase', error: `Supabase Storage did not answer within ${timeoutMs} ms` }),
				timeoutMs,
			)
		})
		try {
			return await Promise.race([this.checkBuckets(), late])
		} finally {
			clearTimeout(timer)
		}
	}

	private async checkBuckets(): Promise<StorageHealth> {
		const problems: string[] = []
		for (const bucket of BUCKETS) {
			const { data, error } = await this.client.storage.getBucket(bucket)
			if (error) problems.push(`bucket ${bucket}: ${error.message}`)
			else if (data.public) problems.push(`bucket ${bucket} is public; it must be private`)
		}
		if (problems.length > 0) return { ok: false, backend: 'supabase', error: problems.join('; ') }
		return { ok: true, backend: 'supabase' }
	}
}

export function createSupabaseStorage(options: SupabaseStorageOptions): SupabaseStorage {
	return new SupabaseStorage(options)
}
