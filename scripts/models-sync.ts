/**
 * Refreshes the `models` table from the configured providers (`npm run models:sync`): OpenAI's (or an
 * OpenAI-compatible server's) model list, and Replicate's known models with their latest versions.
 * Admin-edited prices are kept. The driver follows the environment, as for the server.
 */
import { loadConfig } from '#server/config.ts'
import { createDb, migrate } from '#server/db/index.ts'
import { configureLogger, logger } from '#server/logger.ts'
import { runModelsSync, upsertModels } from '#server/providers/models-sync.ts'
import { createProviders } from '#server/providers/registry.ts'

async function main() {
	const config = loadConfig(process.env, [])
	configureLogger({ level: config.logLevel, json: config.isProduction })
	const db = await createDb(config)
	try {
		await migrate(db)
		const providers = createProviders(config)
		const summary = await runModelsSync(providers, rows => db.privileged(tx => upsertModels(tx, rows)))
		for (const row of summary.rows) {
			process.stdout.write(
				`${row.available ? 'available  ' : 'unavailable'}  ${row.id}${row.source === 'discovered' ? '  (discovered)' : ''}\n`,
			)
		}
		process.stdout.write(
			`${summary.rows.length} models synced: ${summary.available} available, ${summary.unavailable} not.\n`,
		)
	} finally {
		await db.close()
	}
}

main().catch((error: unknown) => {
	logger.error('models sync failed', { error })
	process.exitCode = 1
})
