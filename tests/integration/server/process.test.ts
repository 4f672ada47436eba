import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createScratchPostgresDatabase } from '#tests/support/database.ts'
import { spawnServer, startServer } from '#tests/support/server.ts'

describe('the server process', () => {
	test('NODE_ENV=production without SESSION_SECRET exits non-zero, naming the variable', async () => {
		const { exited, output } = spawnServer({ NODE_ENV: 'production', PUBLIC_URL: 'https://studio.example' })
		expect(await exited).not.toBe(0)
		expect(output()).toContain('SESSION_SECRET is required in production')
		expect(output()).not.toContain('listening')
	})

	test('a bad value stops start-up with every problem listed', async () => {
		const { exited, output } = spawnServer({ PORT: '-1', LOG_LEVEL: 'chatty' })
		expect(await exited).toBe(1)
		expect(output()).toContain('PORT must be at least 0')
		expect(output()).toContain('LOG_LEVEL must be one of')
	})
})

// Two processes on one database only exist on Postgres (an embedded database belongs to one process).
describe('processes starting together on Postgres', () => {
	if (!process.env.DATABASE_URL) {
		// Said, not silently absent: without DATABASE_URL this file runs no such test. CI sets it, so there it fails.
		test('need DATABASE_URL, which is not set: not run here', () => {
			expect(process.env.CI, 'CI must set DATABASE_URL').toBeFalsy()
		})
		return
	}
	test('three servers on one fresh database all start: migrations and job tables install once', async () => {
		const scratch = await createScratchPostgresDatabase()
		// A deployment of several processes shares its media directory and session secret (docs/operations.md).
		const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-shared-media-'))
		const shared = {
			DATABASE_URL: scratch.url,
			MEDIA_DIR: mediaDir,
			SESSION_SECRET: 'one-secret-shared-by-every-process-0123456789',
		}
		const servers = await Promise.allSettled([1, 2, 3].map(() => startServer(shared)))
		try {
			for (const result of servers)
				expect(result.status, result.status === 'rejected' ? String(result.reason) : '').toBe('fulfilled')
			for (const result of servers) {
				if (result.status !== 'fulfilled') continue
				const ready = await fetch(`${result.value.url}/readyz`)
				expect(ready.status).toBe(200)
			}
		} finally {
			await Promise.all(servers.map(r => (r.status === 'fulfilled' ? r.value.stop() : undefined)))
			await scratch.drop()
			fs.rmSync(mediaDir, { recursive: true, force: true })
		}
	})
})
