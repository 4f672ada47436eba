/**
 * The checks every stored file goes through, whichever backend keeps it: sniff the type from the first bytes,
 * refuse what the bucket does not take, then count (and, for text, keep validating) every byte as it streams
 * to the backend, so a stream that grows past the cap or turns binary half-way is refused, not stored.
 */
import { createHash, type Hash } from 'node:crypto'
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream'
import { UploadRefusedError } from './errors.ts'
import {
	assertBucket,
	assertUserId,
	checkSize,
	checkType,
	cleanFilename,
	newKey,
	tooLarge,
	type BucketRule,
	type BucketRules,
} from './rules.ts'
import { sniff, SNIFF_BYTES, type Sniffed } from './sniff.ts'
import type { PutInput } from './types.ts'

export type Prepared = {
	type: Sniffed
	filename: string | null
	/** Every byte, when the input was bytes (backends can then send a Content-Length). */
	bytes: Uint8Array | null
	/** The whole file as a stream that fails with `UploadRefusedError` when the file breaks the rules. */
	body: Readable
	/** Size and SHA-256 (hex) once `body` has been read to the end. */
	result(): { size: number; sha256: string }
}

function notText(): UploadRefusedError {
	return new UploadRefusedError('That file is not valid UTF-8 text.', 'type_not_allowed')
}

/** Counts, hashes and (for text) validates the bytes that pass through; errors past the cap. */
class Guard extends Transform {
	size = 0
	private readonly hash: Hash = createHash('sha256')
	private readonly decoder: TextDecoder | null
	digest = ''

	constructor(
		private readonly rule: BucketRule,
		text: boolean,
	) {
		super()
		this.decoder = text ? new TextDecoder('utf-8', { fatal: true }) : null
	}

	override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
		this.size += chunk.length
		if (this.size > this.rule.maxBytes) return callback(tooLarge(this.rule, null))
		if (this.decoder) {
			if (chunk.includes(0)) return callback(notText())
			try {
				this.decoder.decode(chunk, { stream: true })
			} catch {
				return callback(notText())
			}
		}
		this.hash.update(chunk)
		callback(null, chunk)
	}

	override _flush(callback: TransformCallback) {
		if (this.size === 0) return callback(new UploadRefusedError('That file is empty.', 'empty'))
		if (this.decoder) {
			try {
				this.decoder.decode()
			} catch {
				return callback(notText())
			}
		}
		this.digest = this.hash.digest('hex')
		callback()
	}
}

function isText(type: Sniffed): boolean {
	return type.kind === 'text' || type.kind === 'markup'
}

function prepareBytes(bytes: Uint8Array, rule: BucketRule, input: PutInput): Prepared {
	checkSize(rule, bytes.length)
	const filename = cleanFilename(input.filename)
	const type = sniff(bytes, { filename, declaredType: input.contentType, complete: true })
	if (!(input.companion === 'json' && type.mime === 'application/json')) checkType(rule, type)
	// sniff() looked at the whole buffer, so text is already known to be valid UTF-8 throughout.
	const sha256 = createHash('sha256').update(bytes).digest('hex')
	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
	return {
		type,
		filename,
		bytes,
		body: Readable.from([buffer]),
		result: () => ({ size: bytes.length, sha256 }),
	}
}

async function prepareStream(source: Readable, rule: BucketRule, input: PutInput): Promise<Prepared> {
	// Iterate by hand: a `for await` that breaks would destroy the source before the rest is read.
	const iterator: AsyncIterator<unknown> = source[Symbol.asyncIterator]()
	const chunks: Buffer[] = []
	let headLength = 0
	let ended = false
	while (headLength < SNIFF_BYTES) {
		const next = await iterator.next()
		if (next.done) {
			ended = true
			break
		}
		const chunk = toBuffer(next.value)
		chunks.push(chunk)
		headLength += chunk.length
		if (headLength > rule.maxBytes) {
			await iterator.return?.()
			throw tooLarge(rule, null)
		}
	}
	const head = Buffer.concat(chunks)
	const filename = cleanFilename(input.filename)
	try {
		if (head.length === 0) throw new UploadRefusedError('That file is empty.', 'empty')
		const type = sniff(head, { filename, declaredType: input.contentType, complete: ended })
		if (!(input.companion === 'json' && type.mime === 'application/json')) checkType(rule, type)
		const guard = new Guard(rule, isText(type))
		const rest = Readable.from(
			(async function* () {
				try {
					yield head
					if (ended) return
					for (;;) {
						const next = await iterator.next()
						if (next.done) return
						yield toBuffer(next.value)
					}
				} finally {
					// The consumer stopped early (refusal, backend error): let the source go.
					if (!source.readableEnded) source.destroy()
				}
			})(),
			{ objectMode: false },
		)
		// pipeline() tears both down on any error, which ends the generator and so releases the source.
		const body = pipeline(rest, guard, () => {})
		return {
			type,
			filename,
			bytes: null,
			body,
			result: () => ({ size: guard.size, sha256: guard.digest }),
		}
	} catch (error) {
		await iterator.return?.()
		source.destroy()
		throw error
	}
}

function toBuffer(value: unknown): Buffer {
	if (Buffer.isBuffer(value)) return value
	if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
	if (typeof value === 'string') return Buffer.from(value)
	throw new TypeError('storage input streams must yield bytes')
}

/** Sniff and check `input` against the bucket's rule; the returned body enforces the rest while it streams. */
export async function prepare(input: PutInput, rule: BucketRule): Promise<Prepared> {
	if (input.data instanceof Uint8Array) return prepareBytes(input.data, rule, input)
	return prepareStream(input.data, rule, input)
}

/**
 * What every backend's `put` does before it writes: the bucket and the owner checked, the file prepared against that
 * bucket's rule, and a new key in the owner's folder with the extension of the type its bytes showed.
 */
export async function prepareUpload(input: PutInput, rules: BucketRules): Promise<{ prepared: Prepared; key: string }> {
	assertBucket(input.bucket)
	assertUserId(input.userId)
	const prepared = await prepare(input, rules[input.bucket])
	return { prepared, key: newKey(input.userId, prepared.type.ext) }
}
