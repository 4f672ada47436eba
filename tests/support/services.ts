/**
 * The real services (server/services.ts) on a fresh test database, with extra environment — e.g. provider keys
 * pointing at the stub servers — for tests of domain code that need everything wired the way production wires it.
 */
import fs from 'node:fs'
import { loadConfig } from '#server/config.ts'
import { createServices } from '#server/services.ts'
import type { Services } from '#server/services.ts'
import { createTestDb } from './database.ts'
import type { TestDriver } from './database.ts'

export type TestServices = { services: Services; dispose(): Promise<void> }

export async function startTestServices(
	driver: TestDriver,
	env: Record<string, string> = {},
	options: { workers?: boolean } = {},
): Promise<TestServices> {
	const t = await createTestDb(driver)
	// PGlite has one connection per data directory: hand the migrated directory over to the services.
	if (driver === 'pglite') await t.db.close()
	const config = loadConfig(
		{
			NODE_ENV: 'test',
			DATA_DIR: t.config.dataDir,
			...(t.connectionString ? { DATABASE_URL: t.connectionString } : {}),
			...env,
		},
		[],
	)
	const services = await createServices(config)
	if (options.workers ?? true) await services.startWorkers()
	return {
		services,
		async dispose() {
			await services.close()
			if (driver === 'pglite') fs.rmSync(t.config.dataDir, { recursive: true, force: true })
			else await t.dispose()
		},
	}
}
