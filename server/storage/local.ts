/**
 * Local-disk storage, the embedded default: files under `${dataDir}/media/<bucket>/<key>` with a JSON sidecar
 * (`<key>.meta.json`, ./local-sidecar.ts) holding the sniffed type, size, hash and original name. Writes are atomic
 * (temp file in the same tree, then rename; the sidecar last, so a file without one does not exist yet).
 *
 * The app serves the files itself through `createLocalMediaHandler` (./local-serving.ts), behind HMAC-SHA256
 * signed, expiring URLs (./local-signing.ts): `/media/<bucket>/<key>?exp=<unix seconds>&sig=<base64url>`.
 *
 * Several processes (on Postgres) must share one media directory: the directory carries a random identity, and a
 * process whose directory is not the deployment's refuses to start (`assertSharedMedia`, ./local-identity.ts).
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { logger } from '#server/logger.ts'
import { StorageError, StorageNotFoundError, StorageUnavailableError } from './errors.ts'
import { prepareUpload } from './ingest.ts'
import { mediaIdentity } from './local-identity.ts'
import { META_SUFFIX, parseSidecar, stripLocal, toStored, type LocalFileInfo, type Sidecar } from './local-sidecar.ts'
import { MediaUrlSigner, type UrlVerdict } from './local-signing.ts'
import { assertBucket, assertKey, assertUserId, DEFAULT_BUCKET_RULES, type BucketRules } from './rules.ts'
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

export { assertSharedMedia, type DeploymentSettings } from './local-identity.ts'
export type { LocalFileInfo } from './local-sidecar.ts'
export { deriveMediaSigningKey } from './local-signing.ts'

export type LocalStorageOptions = {
	/** The folder that holds the buckets: `config.mediaDir` (default `${config.dataDir}/media`). */
	root: string
	/** `config.sessionSecrets`, newest first: the first signs, all verify (so rotating them keeps links working). */
	secrets: readonly string[]
	/** Where the app mounts `createLocalMediaHandler`. */
	basePath?: string
	rules?: BucketRules
	/** Milliseconds since the epoch; tests move the clock. */
	now?: () => number
}

export class LocalStorage implements Storage {
	readonly backend = 'local' as const
	readonly root: string
	readonly basePath: string
	private readonly signer: MediaUrlSigner
	private readonly rules: BucketRules
	/** Milliseconds since the epoch. */
	readonly now: () => number

	constructor(options: LocalStorageOptions) {
		this.root = resolve(options.root)
		this.basePath = (options.basePath ?? '/media').replace(/\/+$/, '')
		this.now = options.now ?? Date.now
		this.signer = new MediaUrlSigner(options.secrets, this.basePath, this.now)
		this.rules = options.rules ?? DEFAULT_BUCKET_RULES
	}

	/** The file's path; the key was validated against the strict key pattern, and this checks again. */
	private pathOf(bucket: Bucket, key: string): string {
		assertBucket(bucket)
		assertKey(key)
		const path = resolve(this.root, bucket, key)
		if (!path.startsWith(join(this.root, bucket) + sep)) throw new StorageNotFoundError()
		return path
	}

	private get tmpDir(): string {
		return join(this.root, '.tmp')
	}

	private async writeAtomic(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
		await mkdir(this.tmpDir, { recursive: true })
		const tmp = join(this.tmpDir, `${randomUUID()}.part`)
		try {
			await write(tmp)
			await mkdir(dirname(target), { recursive: true })
			await rename(tmp, target)
		} catch (error) {
			await rm(tmp, { force: true })
			throw error
		}
	}

	async put(input: PutInput): Promise<StoredObject> {
		const { prepared, key } = await prepareUpload(input, this.rules)
		const path = this.pathOf(input.bucket, key)
		try {
			await this.writeAtomic(path, async tmp => {
				const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true })
				try {
					await pipeline(prepared.body, out)
				} finally {
					// A refused upload can fail before the file is even open; wait until the stream has closed so
					// the clean-up that follows finds (and removes) the temporary file instead of racing its creation.
					if (!out.closed) await new Promise<void>(resolve => out.once('close', () => resolve()))
				}
			})
			const { size, sha256 } = prepared.result()
			const sidecar: Sidecar = {
				v: 1,
				contentType: prepared.type.mime,
				kind: prepared.type.kind,
				inline: prepared.type.inline,
				size,
				sha256,
				filename: prepared.filename,
				createdAt: new Date(this.now()).toISOString(),
			}
			await this.writeAtomic(path + META_SUFFIX, tmp =>
				writeFile(tmp, JSON.stringify(sidecar), { flag: 'wx', mode: 0o600, flush: true }),
			)
			return toStored(input.bucket, key, sidecar)
		} catch (error) {
			await rm(path, { force: true })
			if (error instanceof StorageError) throw error
			throw new StorageUnavailableError('Could not save the file to local storage.', error)
		}
	}

	/** The sidecar of a stored file; `StorageNotFoundError` when there is none. */
	async stat(bucket: Bucket, key: string): Promise<LocalFileInfo> {
		const path = this.pathOf(bucket, key)
		let raw: string
		try {
			raw = await readFile(path + META_SUFFIX, 'utf8')
		} catch (error) {
			if (isMissing(error)) throw new StorageNotFoundError()
			throw new StorageUnavailableError('Could not read local storage.', error)
		}
		const sidecar = parseSidecar(raw)
		if (!sidecar) throw new StorageUnavailableError(`The metadata of ${bucket}/${key} is damaged.`)
		return { ...toStored(bucket, key, sidecar), sha256: sidecar.sha256, createdAt: sidecar.createdAt }
	}

	/** The file's bytes, whole or the inclusive byte range asked for. */
	async open(
		bucket: Bucket,
		key: string,
		range?: { start: number; end: number },
	): Promise<{ info: LocalFileInfo; body: Readable }> {
		const info = await this.stat(bucket, key)
		const path = this.pathOf(bucket, key)
		const body = createReadStream(path, range ? { start: range.start, end: range.end } : {})
		// Open before answering, so a file removed since its sidecar was read is a 404 and not a broken stream.
		await new Promise<void>((ok, fail) => {
			body.once('open', () => ok())
			body.once('error', fail)
		}).catch((error: unknown) => {
			if (isMissing(error)) throw new StorageNotFoundError()
			throw new StorageUnavailableError('Could not read local storage.', error)
		})
		return { info, body }
	}

	async get(bucket: Bucket, key: string): Promise<StoredFile> {
		const { info, body } = await this.open(bucket, key)
		return { ...stripLocal(info), body }
	}

	async signedUrl(bucket: Bucket, key: string, options: SignedUrlOptions): Promise<string> {
		assertBucket(bucket)
		assertKey(key)
		return this.signer.url(bucket, key, options)
	}

	/** Constant-time check of a URL's signature against every current secret, then of its expiry. */
	verify(bucket: string, key: string, query: URLSearchParams): UrlVerdict {
		return this.signer.verify(bucket, key, query)
	}

	async createSignedUploadUrl(bucket: Bucket, key: string): Promise<SignedUpload | null> {
		assertBucket(bucket)
		assertKey(key)
		// Uploads reach local storage through the app itself (`put`), where they are checked as they stream.
		return null
	}

	async verifyUpload(bucket: Bucket, key: string): Promise<StoredObject> {
		return stripLocal(await this.stat(bucket, key))
	}

	async remove(bucket: Bucket, keys: readonly string[]): Promise<void> {
		const paths = keys.map(key => this.pathOf(bucket, key))
		for (const path of paths) {
			// Sidecar first: from that moment the file no longer exists for readers.
			await rm(path + META_SUFFIX, { force: true })
			await rm(path, { force: true })
		}
	}

	async removeUserFiles(userId: string): Promise<number> {
		assertUserId(userId)
		let removed = 0
		for (const bucket of BUCKETS) {
			const dir = join(this.root, bucket, userId)
			removed += await countFiles(dir)
			await rm(dir, { recursive: true, force: true })
		}
		logger.info('storage: removed user files', { backend: 'local', user_id: userId, files: removed })
		return removed
	}

	/** The directory's identity (./local-identity.ts): processes that see the same one share the same files. */
	identity(): Promise<string> {
		return mediaIdentity(this.root)
	}

	async health(): Promise<StorageHealth> {
		try {
			await mkdir(this.tmpDir, { recursive: true })
			const probe = join(this.tmpDir, `health-${randomUUID()}`)
			await writeFile(probe, 'ok')
			await unlink(probe)
			return { ok: true, backend: 'local' }
		} catch (error) {
			return {
				ok: false,
				backend: 'local',
				error: `media folder ${this.root} is not writable: ${error instanceof Error ? error.message : String(error)}`,
			}
		}
	}
}

export function createLocalStorage(options: LocalStorageOptions): LocalStorage {
	return new LocalStorage(options)
}

function isMissing(error: unknown): boolean {
	return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'
}

async function countFiles(dir: string): Promise<number> {
	let entries
	try {
		entries = await readdir(dir, { withFileTypes: true, recursive: true })
	} catch (error) {
		if (isMissing(error)) return 0
		throw error
	}
	return entries.filter(e => e.isFile() && !e.name.endsWith(META_SUFFIX)).length
}

export { createLocalMediaHandler, parseRange } from './local-serving.ts'
