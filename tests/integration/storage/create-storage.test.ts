import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '#server/config.ts'
import { createStorage, LocalStorage, SupabaseStorage } from '#server/storage/index.ts'
import { startSupabaseStorageStub, type SupabaseStorageStub } from '#tests/fixtures/supabase-storage-stub.ts'
import { png } from '#tests/support/samples.ts'

let dataDir: string
let stub: SupabaseStorageStub

beforeAll(async () => {
	dataDir = await mkdtemp(join(tmpdir(), 'gs-data-'))
	stub = await startSupabaseStorageStub()
})
afterAll(async () => {
	await stub.close()
	await rm(dataDir, { recursive: true, force: true })
})

describe('createStorage', () => {
	it('uses local disk under DATA_DIR/media when Supabase is not configured', async () => {
		const storage = createStorage(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: 'a-secret' }, []))
		expect(storage).toBeInstanceOf(LocalStorage)
		expect(storage.backend).toBe('local')
		const user = randomUUID()
		const stored = await storage.put({ bucket: 'media', userId: user, data: png(), filename: 'p.png' })
		expect((await stat(join(dataDir, 'media', 'media', stored.key))).size).toBe(stored.size)
		const sidecar = JSON.parse(await readFile(join(dataDir, 'media', 'media', `${stored.key}.meta.json`), 'utf8'))
		expect(sidecar).toMatchObject({ contentType: 'image/png', size: stored.size, filename: 'p.png' })
		expect(await storage.health()).toEqual({ ok: true, backend: 'local' })
	})

	it('uses Supabase Storage when SUPABASE_URL and the service-role key are set', async () => {
		const storage = createStorage(
			loadConfig({ DATA_DIR: dataDir, SUPABASE_URL: stub.url, SUPABASE_SERVICE_ROLE_KEY: stub.serviceRoleKey }, []),
		)
		expect(storage).toBeInstanceOf(SupabaseStorage)
		const stored = await storage.put({ bucket: 'attachments', userId: randomUUID(), data: png() })
		expect(stub.objects.has(`attachments/${stored.key}`)).toBe(true)
		expect(await storage.health()).toEqual({ ok: true, backend: 'supabase' })
	})
})
