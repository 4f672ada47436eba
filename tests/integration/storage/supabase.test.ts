import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { createClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
	InvalidKeyError,
	StorageNotFoundError,
	StorageUnavailableError,
	UploadRefusedError,
} from '#server/storage/errors.ts'
import { DEFAULT_BUCKET_RULES, newKey } from '#server/storage/rules.ts'
import { createSupabaseStorage, NoRealtime, type SupabaseStorage } from '#server/storage/supabase.ts'
import { startSupabaseStorageStub, type SupabaseStorageStub } from '#tests/fixtures/supabase-storage-stub.ts'
import { html, pdf, png, svg, text, wav } from '#tests/support/samples.ts'

let stub: SupabaseStorageStub
let storage: SupabaseStorage

beforeAll(async () => {
	stub = await startSupabaseStorageStub()
})
afterAll(async () => {
	await stub.close()
})
beforeEach(() => {
	stub.objects.clear()
	stub.requests.length = 0
	stub.failWith(null)
	stub.stall(false)
	storage = createSupabaseStorage({ url: stub.url, serviceRoleKey: stub.serviceRoleKey })
})

async function readAll(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = []
	for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array))
	return Buffer.concat(chunks)
}

describe('supabase storage (real supabase-js against a Storage API stub)', () => {
	const alice = randomUUID()
	const bob = randomUUID()

	it('uploads into the owner folder with the sniffed type, and reads it back', async () => {
		const bytes = png(5, 5)
		const stored = await storage.put({
			bucket: 'media',
			userId: alice,
			data: bytes,
			contentType: 'application/x-evil',
			filename: 'cat.png',
		})
		expect(stored.key.startsWith(`${alice}/`)).toBe(true)
		expect(stored).toMatchObject({ contentType: 'image/png', size: bytes.length, filename: 'cat.png', inline: true })

		const object = stub.objects.get(`media/${stored.key}`)
		expect(object?.contentType).toBe('image/png')
		expect(object?.body).toEqual(Buffer.from(bytes))
		expect(object?.metadata).toMatchObject({ filename: 'cat.png', contentType: 'image/png' })

		const file = await storage.get('media', stored.key)
		expect(file).toMatchObject({ contentType: 'image/png', size: bytes.length, filename: 'cat.png', inline: true })
		expect(await readAll(file.body)).toEqual(Buffer.from(bytes))
	})

	it('streams an upload through the same checks', async () => {
		const bytes = wav(30_000)
		const parts = [bytes.subarray(0, 5000), bytes.subarray(5000, 40_000), bytes.subarray(40_000)].map(b =>
			Buffer.from(b),
		)
		const stored = await storage.put({ bucket: 'media', userId: alice, data: Readable.from(parts) })
		expect(stored).toMatchObject({ contentType: 'audio/wav', size: bytes.length })
		expect(stub.objects.get(`media/${stored.key}`)?.body).toEqual(Buffer.from(bytes))
	})

	it('refuses files before they reach Supabase, and a stream that grows too large leaves nothing', async () => {
		await expect(storage.put({ bucket: 'media', userId: alice, data: pdf() })).rejects.toThrow(
			'That file is not an image, audio or video file.',
		)
		const small = createSupabaseStorage({
			url: stub.url,
			serviceRoleKey: stub.serviceRoleKey,
			rules: { ...DEFAULT_BUCKET_RULES, attachments: { ...DEFAULT_BUCKET_RULES.attachments, maxBytes: 20_000 } },
		})
		const big = wav(40_000)
		const refusal = await small
			.put({ bucket: 'attachments', userId: alice, data: Readable.from([Buffer.from(big)]) })
			.catch(e => e)
		expect(refusal).toBeInstanceOf(UploadRefusedError)
		expect(refusal.message).toBe('That file is larger than 20 KB; attachments can be at most 20 KB.')
		const streamed = await small
			.put({
				bucket: 'attachments',
				userId: alice,
				data: Readable.from([Buffer.from(big.subarray(0, 10_000)), Buffer.from(big.subarray(10_000))]),
			})
			.catch(e => e)
		expect(streamed).toBeInstanceOf(UploadRefusedError)
		expect(stub.objects.size).toBe(0)
	})

	it('stores markup as a download only', async () => {
		const stored = await storage.put({ bucket: 'attachments', userId: alice, data: svg, filename: 'logo.svg' })
		expect(stored).toMatchObject({ contentType: 'image/svg+xml', inline: false })
		expect(stored.key.endsWith('.svg')).toBe(true)
		// Supabase serves the upload's content type: never image/svg+xml.
		expect(stub.objects.get(`attachments/${stored.key}`)?.contentType).toBe('application/octet-stream')
		const url = await storage.signedUrl('attachments', stored.key, { expiresInSeconds: 60 })
		const res = await fetch(url)
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toBe('application/octet-stream')
		expect(res.headers.get('content-disposition')).toMatch(/^attachment/)
		expect((await storage.get('attachments', stored.key)).inline).toBe(false)
	})

	it('hands out signed download URLs that work without the service key', async () => {
		const bytes = png(2, 2)
		const stored = await storage.put({ bucket: 'media', userId: alice, data: bytes })
		const url = await storage.signedUrl('media', stored.key, { expiresInSeconds: 120 })
		expect(url.startsWith(`${stub.url}/storage/v1/object/sign/media/${stored.key}?token=`)).toBe(true)
		const res = await fetch(url)
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toBe('image/png')
		expect(res.headers.get('content-disposition')).toBeNull()
		expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(bytes))

		const download = await storage.signedUrl('media', stored.key, { expiresInSeconds: 120, download: 'mine.png' })
		expect((await fetch(download)).headers.get('content-disposition')).toBe('attachment; filename=mine.png')

		const forged = url.replace(/token=[^&]+/, 'token=forged')
		expect((await fetch(forged)).status).toBe(400)
		await expect(storage.signedUrl('media', stored.key, { expiresInSeconds: 0 })).rejects.toBeInstanceOf(RangeError)
	})

	it('signs upload URLs, and checks what arrives through them', async () => {
		const key = newKey(alice, 'png')
		const upload = await storage.createSignedUploadUrl('media', key)
		expect(upload.key).toBe(key)
		expect(upload.url).toContain(`/storage/v1/object/upload/sign/media/${key}?token=`)

		// A browser uploads with the anon key and the token; here, supabase-js does the same.
		const browser = createClient(stub.url, 'anon-key', {
			auth: { persistSession: false },
			realtime: { transport: NoRealtime },
		})
		const bytes = png(7, 7)
		const sent = await browser.storage
			.from('media')
			.uploadToSignedUrl(key, upload.token, Buffer.from(bytes), { contentType: 'image/png' })
		expect(sent.error).toBeNull()
		await expect(storage.verifyUpload('media', key)).resolves.toMatchObject({
			key,
			contentType: 'image/png',
			size: bytes.length,
		})

		// HTML uploaded as "image/png" under a .png key is refused and deleted.
		const evilKey = newKey(alice, 'png')
		const evil = await storage.createSignedUploadUrl('media', evilKey)
		await browser.storage
			.from('media')
			.uploadToSignedUrl(evilKey, evil.token, Buffer.from(html), { contentType: 'image/png' })
		expect(stub.objects.has(`media/${evilKey}`)).toBe(true)
		await expect(storage.verifyUpload('media', evilKey)).rejects.toThrow(
			'That file is not an image, audio or video file.',
		)
		expect(stub.objects.has(`media/${evilKey}`)).toBe(false)

		// A real PNG declared as text/html: Supabase would serve it with the declared type.
		const liarKey = newKey(alice, 'png')
		const liar = await storage.createSignedUploadUrl('media', liarKey)
		await browser.storage
			.from('media')
			.uploadToSignedUrl(liarKey, liar.token, Buffer.from(png()), { contentType: 'text/html' })
		const mismatch = await storage.verifyUpload('media', liarKey).catch(e => e)
		expect(mismatch).toMatchObject({ reason: 'type_mismatch' })
		expect(stub.objects.has(`media/${liarKey}`)).toBe(false)

		// Text declared with the browser default type is fine.
		const noteKey = newKey(alice, 'txt')
		const note = await storage.createSignedUploadUrl('attachments', noteKey)
		await browser.storage.from('attachments').uploadToSignedUrl(noteKey, note.token, 'hello there')
		await expect(storage.verifyUpload('attachments', noteKey)).resolves.toMatchObject({ contentType: 'text/plain' })
	})

	it('removes files and reports missing ones as not found', async () => {
		const a = await storage.put({ bucket: 'media', userId: alice, data: png() })
		const b = await storage.put({ bucket: 'media', userId: alice, data: wav() })
		await storage.remove('media', [a.key, `${alice}/2020/01/${randomUUID()}.png`])
		expect(stub.objects.has(`media/${a.key}`)).toBe(false)
		expect(stub.objects.has(`media/${b.key}`)).toBe(true)
		await expect(storage.get('media', a.key)).rejects.toBeInstanceOf(StorageNotFoundError)
		await expect(storage.signedUrl('media', a.key, { expiresInSeconds: 60 })).rejects.toBeInstanceOf(
			StorageNotFoundError,
		)
		await expect(storage.remove('media', ['../../x'])).rejects.toBeInstanceOf(InvalidKeyError)
	})

	it('removes every file of a user, across months, buckets and more than one page', async () => {
		const mine: string[] = []
		for (const month of [0, 5, 11]) {
			for (let i = 0; i < 3; i++) {
				const key = newKey(alice, 'txt', new Date(Date.UTC(2024, month, 10)))
				stub.objects.set(`media/${key}`, {
					id: randomUUID(),
					bucket: 'media',
					name: key,
					body: Buffer.from('x'),
					contentType: 'text/plain',
					cacheControl: 'no-cache',
					metadata: null,
					createdAt: new Date().toISOString(),
				})
				mine.push(key)
			}
		}
		await storage.put({ bucket: 'attachments', userId: alice, data: text('note') })
		const theirs = await storage.put({ bucket: 'media', userId: bob, data: png() })

		expect(await storage.removeUserFiles(alice)).toBe(mine.length + 1)
		expect([...stub.objects.keys()]).toEqual([`media/${theirs.key}`])
		expect(stub.requests.some(r => r.method === 'POST' && r.path === '/storage/v1/object/list/media')).toBe(true)
		expect(await storage.removeUserFiles(alice)).toBe(0)
	})

	it('reports health: ok, a public bucket, a missing bucket, an outage', async () => {
		expect(await storage.health()).toEqual({ ok: true, backend: 'supabase' })
		const bucket = stub.buckets.get('media')
		if (!bucket) throw new Error('stub has no media bucket')
		bucket.public = true
		expect(await storage.health()).toMatchObject({ ok: false, error: 'bucket media is public; it must be private' })
		bucket.public = false
		stub.buckets.delete('attachments')
		expect(await storage.health()).toMatchObject({ ok: false, error: expect.stringContaining('attachments') })
		stub.buckets.set('attachments', { id: 'attachments', name: 'attachments', public: false, file_size_limit: null })
		stub.stall(true)
		expect(await storage.health(200)).toEqual({
			ok: false,
			backend: 'supabase',
			error: 'Supabase Storage did not answer within 200 ms',
		})
		stub.stall(false)
		stub.failWith(503)
		expect((await storage.health()).ok).toBe(false)
		await expect(storage.put({ bucket: 'media', userId: alice, data: png() })).rejects.toBeInstanceOf(
			StorageUnavailableError,
		)
	})

	it('is refused by the service without the right key', async () => {
		const wrong = createSupabaseStorage({ url: stub.url, serviceRoleKey: 'not-the-key' })
		const error = await wrong.put({ bucket: 'media', userId: alice, data: png() }).catch(e => e)
		expect(error).toBeInstanceOf(StorageUnavailableError)
		expect(error.message).toContain('invalid signature')
	})
})
