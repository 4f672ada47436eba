import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { UploadRefusedError } from '#server/storage/errors.ts'
import { prepare } from '#server/storage/ingest.ts'
import { cleanFilename, DEFAULT_BUCKET_RULES, formatBytes, isKey, keyOwner, newKey } from '#server/storage/rules.ts'
import { png, text } from '#tests/support/samples.ts'

describe('storage rules', () => {
	it('writes sizes the way a person reads them, never rounding down to the cap', () => {
		expect(formatBytes(1)).toBe('1 byte')
		expect(formatBytes(500)).toBe('500 bytes')
		expect(formatBytes(1536)).toBe('2 KB')
		expect(formatBytes(20 * 1024 * 1024)).toBe('20 MB')
		expect(formatBytes(20 * 1024 * 1024 + 1)).toBe('20.1 MB')
		expect(formatBytes(31 * 1024 * 1024)).toBe('31 MB')
		expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB')
	})

	it('caps media at 200 MB and attachments at 20 MB', () => {
		expect(DEFAULT_BUCKET_RULES.media.maxBytes).toBe(200 * 1024 * 1024)
		expect(DEFAULT_BUCKET_RULES.attachments.maxBytes).toBe(20 * 1024 * 1024)
	})

	it('generates keys in the owner folder by UTC year and month', () => {
		const user = randomUUID()
		const key = newKey(user, 'png', new Date(Date.UTC(2025, 0, 31, 23, 59)))
		expect(key).toMatch(new RegExp(`^${user}/2025/01/[0-9a-f-]{36}\\.png$`))
		expect(isKey(key)).toBe(true)
		expect(keyOwner(key)).toBe(user)
		expect(newKey(user, 'png')).not.toBe(newKey(user, 'png'))
		expect(() => newKey('not-a-uuid', 'png')).toThrow('Invalid storage user id.')
		expect(() => newKey(user, '../x')).toThrow('Invalid storage extension.')
	})

	it('accepts only keys of exactly that shape', () => {
		const user = randomUUID()
		for (const key of [
			`${user}/2025/13/${randomUUID()}.png`,
			`${user}/2025/1/${randomUUID()}.png`,
			`${user}/2025/01/${randomUUID()}`,
			`${user}/2025/01/${randomUUID()}.png.meta.json`,
			`${user}/2025/01/../${randomUUID()}.png`,
			`/${user}/2025/01/${randomUUID()}.png`,
			`${user.toUpperCase()}/2025/01/${randomUUID()}.png`,
		]) {
			expect({ key, ok: isKey(key) }).toEqual({ key, ok: false })
		}
	})

	it('keeps only the base name of an uploaded file, without control characters or quotes', () => {
		expect(cleanFilename('C:\\Users\\me\\photo "1".png')).toBe('photo 1.png')
		expect(cleanFilename('../../etc/passwd')).toBe('passwd')
		expect(cleanFilename('a\u0000b\r\n.txt')).toBe('ab.txt')
		expect(cleanFilename('..')).toBeNull()
		expect(cleanFilename('')).toBeNull()
		expect(cleanFilename('x'.repeat(300))?.length).toBe(200)
	})
})

describe('prepare', () => {
	async function drain(stream: Readable): Promise<Buffer> {
		const chunks: Buffer[] = []
		for await (const chunk of stream) chunks.push(chunk as Buffer)
		return Buffer.concat(chunks)
	}
	const rule = DEFAULT_BUCKET_RULES.attachments
	const base = { bucket: 'attachments' as const, userId: randomUUID() }

	it('passes a stream through unchanged, with its size and hash', async () => {
		const bytes = png(30, 30)
		const prepared = await prepare({ ...base, data: Readable.from([Buffer.from(bytes)]) }, rule)
		expect(prepared.type.mime).toBe('image/png')
		expect(await drain(prepared.body)).toEqual(Buffer.from(bytes))
		expect(prepared.result().size).toBe(bytes.length)
		expect(prepared.result().sha256).toMatch(/^[0-9a-f]{64}$/)
	})

	it('refuses text that ends inside a multi-byte character', async () => {
		const bytes = Buffer.concat([Buffer.from('x'.repeat(10_000)), Buffer.from(text('é')).subarray(0, 1)])
		const prepared = await prepare(
			{ ...base, data: Readable.from([bytes.subarray(0, 9000), bytes.subarray(9000)]) },
			rule,
		)
		const error = await drain(prepared.body).catch((e: unknown) => e)
		expect(error).toBeInstanceOf(UploadRefusedError)
	})

	it('refuses an empty stream', async () => {
		await expect(prepare({ ...base, data: Readable.from([]) }, rule)).rejects.toThrow('That file is empty.')
	})
})
