/**
 * Local-disk storage, the embedded default: files under `${dataDir}/media/<bucket>/<key>` with a JSON sidecar
 * (`<key>.meta.json`) holding the sniffed type, size, hash and original name. Writes are atomic (temp file in
 * the same tree, then rename; the sidecar last, so a file without one does not exist yet).
 *
 * The app serves the files itself through `createLocalMediaHandler` (./local-serving.ts), behind HMAC-SHA256 signed, expiring URLs:
 * `/media/<bucket>/<key>?exp=<unix seconds>&sig=<base64url>`. The signing key is derived from the session
 * secrets with a label, so a media URL signature can never be replayed as anything else.
 *
 * Several processes (on Postgres) must share one media directory, or a file written by one is a 404 on the
 * others: the directory carries a random identity (`.media-id`), the first process records it in the database,
 * and a process whose directory has another identity refuses to start, saying what to set (`assertSharedMedia`).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as v from 'valibot'
import { ConfigError } from '#server/config.ts'
import { logger } from '#server/logger.ts'
import { StorageError, StorageNotFoundError, StorageUnavailableError } from './errors.ts'
import { prepare } from './ingest.ts'
import { assertBucket, assertKey, assertUserId, DEFAULT_BUCKET_RULES, newKey, type BucketRules } from './rules.ts'
import { TYPES_BY_EXTENSION, type ContentKind } from './sniff.ts'
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
type Sidecar = v.InferOutput<typeof SidecarSchema>

export type LocalFileInfo = StoredObject & { sha256: string; createdAt: string }

const SIGNING_LABEL = 'generation-studio/media-url/v1'
const MAX_EXPIRY_SECONDS = 7 * 24 * 60 * 60
const META_SUFFIX = '.meta.json'

/** The media URL key for one session secret: HMAC(secret, label), never the secret itself. */
export function deriveMediaSigningKey(secret: string): Buffer {
	return createHmac('sha256', secret).update(SIGNING_LABEL).digest()
}

/** Signed URLs kept for reuse: a few pages of the largest gallery, a few megabytes at most. */
const ISSUED_URLS = 10_000

function canonical(bucket: string, key: string, exp: number, download: string): string {
	return `${SIGNING_LABEL}\n${bucket}\n${key}\n${exp}\n${download}`
}

export class LocalStorage implements Storage {
	readonly backend = 'local' as const
	readonly root: string
	readonly basePath: string
	private readonly keys: Buffer[]
	private readonly rules: BucketRules
	/** Milliseconds since the epoch. */
	readonly now: () => number
	/**
	 * URLs already signed, by bucket, key, expiry and download name. A page names the same URLs on every render
	 * within a half hour (the domain rounds expiries up to a boundary), and a gallery names hundreds: each is an
	 * HMAC and a query string, so the answer is kept. Bounded; the oldest entry goes first.
	 */
	private readonly issued = new Map<string, string>()

	constructor(options: LocalStorageOptions) {
		if (options.secrets.length === 0) throw new Error('local storage needs at least one signing secret')
		this.root = resolve(options.root)
		this.basePath = (options.basePath ?? '/media').replace(/\/+$/, '')
		this.keys = options.secrets.map(deriveMediaSigningKey)
		this.rules = options.rules ?? DEFAULT_BUCKET_RULES
		this.now = options.now ?? Date.now
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
		assertBucket(input.bucket)
		assertUserId(input.userId)
		const prepared = await prepare(input, this.rules[input.bucket])
		const key = newKey(input.userId, prepared.type.ext)
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
		const seconds = Math.floor(options.expiresInSeconds)
		if (!(seconds >= 1 && seconds <= MAX_EXPIRY_SECONDS)) {
			throw new RangeError(`expiresInSeconds must be between 1 and ${MAX_EXPIRY_SECONDS}`)
		}
		const exp = Math.floor(this.now() / 1000) + seconds
		const download = options.download === true ? '1' : typeof options.download === 'string' ? options.download : ''
		const id = canonical(bucket, key, exp, download)
		const known = this.issued.get(id)
		if (known !== undefined) return known
		const query = new URLSearchParams({ exp: String(exp) })
		if (download) query.set('dl', download)
		query.set('sig', this.sign(bucket, key, exp, download))
		const url = `${this.basePath}/${bucket}/${key}?${query.toString()}`
		if (this.issued.size >= ISSUED_URLS) this.issued.delete(this.issued.keys().next().value ?? '')
		this.issued.set(id, url)
		return url
	}

	private sign(bucket: string, key: string, exp: number, download: string, signingKey = this.keys[0]): string {
		if (!signingKey) throw new Error('no signing key')
		return createHmac('sha256', signingKey)
			.update(canonical(bucket, key, exp, download))
			.digest('base64url')
	}

	/** Constant-time check of a URL's signature against every current secret, then of its expiry. */
	verify(
		bucket: string,
		key: string,
		query: URLSearchParams,
	): { ok: true; exp: number; download: string } | { ok: false; reason: 'invalid' | 'expired' } {
		const expText = query.get('exp') ?? ''
		const sig = query.get('sig') ?? ''
		const download = query.get('dl') ?? ''
		if (!/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'invalid' }
		const exp = Number(expText)
		const given = Buffer.from(sig, 'base64url')
		let valid = false
		for (const signingKey of this.keys) {
			const expected = Buffer.from(this.sign(bucket, key, exp, download, signingKey), 'base64url')
			// No early exit: every secret is compared, so timing says nothing about which one matched.
			if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true
		}
		if (!valid) return { ok: false, reason: 'invalid' }
		if (exp * 1000 <= this.now()) return { ok: false, reason: 'expired' }
		return { ok: true, exp, download }
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

	/**
	 * The directory's identity: a random id written into it once (`.media-id`). Processes that see the same id
	 * share the same files, whatever path each one mounts them at.
	 */
	async identity(): Promise<string> {
		await mkdir(this.root, { recursive: true })
		const file = join(this.root, MEDIA_ID_FILE)
		try {
			await writeFile(file, `${randomUUID()}\n`, { flag: 'wx' })
		} catch (error) {
			// Already there (written by an earlier start, or by a process starting beside this one): keep it.
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
		}
		return (await readFile(file, 'utf8')).trim()
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

const MEDIA_ID_FILE = '.media-id'
const MEDIA_ID_SETTING = 'local_media_id'

/** Facts every process of a deployment agrees on: `claim` stores the value unless one is there, and returns it. */
export type DeploymentSettings = { claim(key: string, value: string): Promise<string> }

/**
 * Refuses to start a process whose local media directory is not the one the deployment's other processes use
 * (they share a database, so they must share the files it points at). The first process to start records its
 * directory's identity; the rest must present the same one.
 */
export async function assertSharedMedia(storage: LocalStorage, settings: DeploymentSettings): Promise<void> {
	const mine = await storage.identity()
	const expected = await settings.claim(MEDIA_ID_SETTING, mine)
	if (expected === mine) return
	throw new ConfigError([
		`MEDIA_DIR (${storage.root}) is not the media directory the other processes on this database use, so media ` +
			'they stored would be "not found" here. Either mount one shared volume in every process and set MEDIA_DIR ' +
			'to it, or set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY to keep media in Supabase Storage ' +
			`(docs/operations.md). If this directory is the shared one, moved or restored, write ${expected} into ` +
			`${join(storage.root, MEDIA_ID_FILE)}.`,
	])
}

function toStored(bucket: Bucket, key: string, sidecar: Sidecar): StoredObject {
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

function stripLocal(info: LocalFileInfo): StoredObject {
	const { sha256: _sha, createdAt: _created, ...stored } = info
	return stored
}

function parseSidecar(raw: string): Sidecar | null {
	let value: unknown
	try {
		value = JSON.parse(raw)
	} catch {
		return null
	}
	const parsed = v.safeParse(SidecarSchema, value)
	return parsed.success ? parsed.output : null
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
