/**
 * Two web processes on one Postgres database with local-disk media: sharing a media directory, every media URL
 * is served by both; with a directory of its own, the second process refuses to start and says what to set.
 * Never a 404 for a file that exists.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createScratchPostgresDatabase } from '#tests/support/database.ts'
import { as, signUp } from '#tests/support/http-auth.ts'
import { spawnServer, startServer } from '#tests/support/server.ts'
import { waitFor } from '#tests/support/wait.ts'

const LIMITS = 'signup=1000/3600,generation=1000/60'

describe.each(process.env.DATABASE_URL ? ['postgres'] : [])('local media across processes on %s', () => {
	test('a second process with a media directory of its own refuses to start, naming what to set', async () => {
		const scratch = await createScratchPostgresDatabase()
		const first = await startServer({ DATABASE_URL: scratch.url })
		try {
			// A media directory of its own (the test servers on one database otherwise share one).
			const ownMedia = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-own-media-'))
			const second = spawnServer({ DATABASE_URL: scratch.url, MEDIA_DIR: ownMedia })
			expect(await second.exited).toBe(1)
			fs.rmSync(ownMedia, { recursive: true, force: true })
			const output = second.output()
			expect(output).toContain('Generation Studio cannot start')
			expect(output).toContain('is not the media directory the other processes on this database use')
			expect(output).toContain('MEDIA_DIR')
			expect(output).toContain('SUPABASE_URL')
			expect(output).not.toMatch(/\n\s+at /)
			expect(output).not.toContain('listening')
			// The first process is unaffected.
			expect((await fetch(`${first.url}/readyz`)).status).toBe(200)
		} finally {
			await first.stop()
			await scratch.drop()
		}
	}, 120_000)

	test('processes sharing MEDIA_DIR serve every media URL, whichever process stored the file', async () => {
		const scratch = await createScratchPostgresDatabase()
		const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-shared-media-'))
		// Every process signs sessions and media URLs with the same secrets, as the operations guide says.
		const env = {
			DATABASE_URL: scratch.url,
			MEDIA_DIR: mediaDir,
			RATE_LIMITS: LIMITS,
			SESSION_SECRET: 'one-secret-shared-by-every-process-0123456789',
		}
		const [a, b] = await Promise.all([startServer(env), startServer(env)])
		try {
			const user = await signUp(a.url)
			const urls: string[] = []
			for (const [i, server] of [a, b, a, b].entries()) {
				const created = await fetch(`${server.url}/api/generate/image`, {
					method: 'POST',
					headers: as(user, server.url, { 'Content-Type': 'application/json' }),
					body: JSON.stringify({ prompt: `shared ${i}` }),
				})
				expect(created.status).toBe(202)
				const { generation } = (await created.json()) as { generation: { id: string } }
				const done = await waitFor(
					`generation ${generation.id} to succeed`,
					async () => {
						const body = (await (
							await fetch(`${server.url}/api/generations/${generation.id}`, { headers: as(user, server.url) })
						).json()) as { generation: { status: string; outputs: Array<{ url: string }> } }
						expect(body.generation.status).not.toBe('failed')
						return body.generation.status === 'succeeded' && body.generation
					},
					{ timeoutMs: 30_000, intervalMs: 100 },
				)
				urls.push(...done.outputs.map(o => o.url))
			}
			expect(urls.length).toBeGreaterThanOrEqual(4)
			for (const url of urls) {
				for (const server of [a, b]) expect((await fetch(`${server.url}${url}`)).status, url).toBe(200)
			}
		} finally {
			await Promise.all([a.stop(), b.stop()])
			await scratch.drop()
			fs.rmSync(mediaDir, { recursive: true, force: true })
		}
	}, 120_000)
})
